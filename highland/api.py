"""The JSON API at /api/v1/: session auth for pages, bearer tokens for station devices."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

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


api = NinjaAPI(
    title="Highland API",
    version="1",
    urls_namespace="api",
    auth=[DeviceTokenAuth(), PageSessionAuth()],
    docs_url="/docs",
)


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
    429: "throttled",
}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """Errors raised by the framework itself (unparsable body, CSRF) in the common shape."""
    code = HTTP_ERROR_CODES.get(error.status_code, "error")
    body = {"code": code, "detail": str(error)}
    return api.create_response(request, body, status=error.status_code)


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


def register_routers() -> None:
    from highland.core.api import router as core_router
    from highland.ledger.api import router as ledger_router
    from highland.network.api import router as network_router

    api.add_router("/", core_router)
    api.add_router("/network/", network_router)
    api.add_router("/catalog/", "highland.catalog.api.router")
    api.add_router("/ledger/", ledger_router)
    api.add_router("/orders/", "highland.orders.api.router")
    api.add_router("/payments/", "highland.payments.api.router")


register_routers()
