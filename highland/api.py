"""The JSON API at /api/v1/: session auth for pages, bearer tokens for station devices."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth
from ninja.types import DictStrAny

from highland.core.errors import DomainError
from highland.core.services import user_for_api_key


class DeviceTokenAuth(HttpBearer):
    """`Authorization: Bearer hl_…`, a token issued by a centre operator."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_key(token)
        if user is None:
            # A device that sent a token must hear "401: token not valid", not fall
            # through to session auth and its CSRF refusal.
            raise AuthenticationError()
        request.user = user
        return user


class PageSessionAuth(SessionAuth):
    """The logged-in page session; CSRF is checked only once there is a session user,
    so an anonymous caller gets 401 rather than a CSRF 403."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


API_PREFIX = "/api/v1/"


class UnreadableBody(Exception):
    """The body is not JSON, or JSON nested too deeply to read."""


class NotAnObject(Exception):
    """The body is JSON but not an object: every operation's body is one."""


class NulCharacter(Exception):
    """A NUL character: no text field holds one, and PostgreSQL refuses it in any query."""


def _has_nul(data: Any) -> bool:
    """Whether any key or string in decoded JSON holds NUL (iterative: depth is the caller's)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class StrictJsonParser(Parser):
    """Bodies are JSON objects; no body or query value carries a NUL character."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as error:
            raise UnreadableBody(str(error)) from error
        if not isinstance(data, dict):
            raise NotAnObject
        if _has_nul(data):
            raise NulCharacter
        return data

    def parse_querydict(
        self, data: Any, list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        # Query strings and form fields; uploaded files (also read through here) are not text.
        if any(
            "\x00" in key
            or any(isinstance(value, str) and "\x00" in value for value in data.getlist(key))
            for key in data
        ):
            raise NulCharacter
        return super().parse_querydict(data, list_fields, request)


api = NinjaAPI(
    title="Highland API",
    version="1",
    urls_namespace="api",
    auth=[DeviceTokenAuth(), PageSessionAuth()],
    docs_url="/docs",
    parser=StrictJsonParser(),
)


def error_body(code: str, detail: str, errors: dict[str, list[str]] | None = None) -> DictStrAny:
    """The one API error shape, `core.schemas.ErrorOut`."""
    body: DictStrAny = {"code": code, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.status_code)


WRAPPER_LOCATIONS = frozenset({"body", "payload", "query", "filters", "path"})


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """Schema violations get the same body as a service's refusal: messages per field."""
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        location = [
            str(part) for part in item.get("loc", ()) if part not in ("body", "payload", "query")
        ]
        field = ".".join(location) or "__all__"
        errors.setdefault(field, []).append(str(item.get("msg", "")))
    payload = {
        "code": "validation_failed",
        "detail": str(_("Please correct the errors below.")),
        "errors": errors,
    }
    return api.create_response(request, payload, status=422)


HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "throttled",
    500: "server_error",
    502: "bad_gateway",
    503: "unavailable",
}


def _refused_input(request: HttpRequest, error: BaseException) -> HttpResponse | None:
    """The parser's refusals (ninja wraps a body's in a 400) in words people can read."""
    if isinstance(error, NotAnObject):
        message = str(_("The request body must be a JSON object."))
        body = error_body("validation_failed", message, {"__all__": [message]})
        return api.create_response(request, body, status=422)
    if isinstance(error, NulCharacter):
        message = str(_("Text may not contain NUL characters."))
        body = error_body("validation_failed", message, {"__all__": [message]})
        return api.create_response(request, body, status=422)
    if isinstance(error, UnreadableBody):
        body = error_body("bad_request", str(_("The request body is not valid JSON.")))
        return api.create_response(request, body, status=400)
    return None


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """Errors raised by the framework itself (unparsable body, CSRF) in the common shape."""
    refused = _refused_input(request, error.__cause__) if error.__cause__ else None
    if refused is not None:
        return refused
    code = HTTP_ERROR_CODES.get(error.status_code, "error")
    body = {"code": code, "detail": str(error)}
    return api.create_response(request, body, status=error.status_code)


@api.exception_handler(NulCharacter)
def nul_character(request: HttpRequest, error: NulCharacter) -> HttpResponse:
    response = _refused_input(request, error)
    assert response is not None
    return response


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    body = error_body("too_large", str(_("The request body is too large.")))
    return api.create_response(request, body, status=413)


@api.exception_handler(MultiPartParserError)
def bad_multipart(request: HttpRequest, error: MultiPartParserError) -> HttpResponse:
    body = error_body("bad_request", str(_("The multipart form data cannot be read.")))
    return api.create_response(request, body, status=400)


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    """Too many fields or files, and the like: Django's own 400, in the API's shape."""
    body = error_body("bad_request", str(_("The request cannot be read.")))
    return api.create_response(request, body, status=400)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    body = {"code": "not_found", "detail": str(_("Not found."))}
    return api.create_response(request, body, status=404)


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "not_authenticated", "detail": str(_("Log in or send a device token."))},
        status=401,
    )


GENERIC_DETAILS: dict[int, Callable[[], str]] = {
    400: lambda: _("The request cannot be read."),
    404: lambda: _("Not found."),
    405: lambda: _("This method is not allowed here."),
    413: lambda: _("The request body is too large."),
    500: lambda: _("Something went wrong on our side. Please try again later."),
}


class ApiErrorsAsJson:
    """Under /api/v1/, an error Django or ninja answered with an HTML page (an unknown
    route, a method not allowed, an unreadable request, a crash) gets the API's JSON shape.

    Place it after LocaleMiddleware, so the detail is in the caller's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            # Only Django's and ninja's own pages: a view that answers in text on purpose
            # (the gateway's notification protocol) keeps its answer.
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        status = response.status_code
        detail = GENERIC_DETAILS.get(status, GENERIC_DETAILS[400 if status < 500 else 500])
        replacement = JsonResponse(
            error_body(HTTP_ERROR_CODES.get(status, "error"), str(detail())), status=status
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement


def register_routers() -> None:
    from highland.core.api import router as core_router
    from highland.ledger.api import router as ledger_router
    from highland.network.api import router as network_router

    api.add_router("/", core_router)
    api.add_router("/network/", network_router)
    api.add_router("/villagers/", "highland.network.api_villagers.router")
    api.add_router("/catalog/", "highland.catalog.api.router")
    api.add_router("/ledger/", ledger_router)
    api.add_router("/orders/", "highland.orders.api.router")
    api.add_router("/sellers/", "highland.orders.api.settlements.sellers_router")
    api.add_router("/settlements/", "highland.orders.api.settlements.settlements_router")
    api.add_router("/payments/", "highland.payments.api.router")
    api.add_router("/messages/", "highland.messaging.api.router")
    api.add_router("/auth/", "highland.messaging.api.auth_router")
    api.add_router("/coops/", "highland.coops.api.router")
    api.add_router("/logistics/", "highland.logistics.api.router")


register_routers()
