"""The JSON API at /api/v1/: session auth for pages, bearer tokens for station devices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
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


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "not_authenticated", "detail": "Log in or send a device token."},
        status=401,
    )


def register_routers() -> None:
    from highland.core.api import router as core_router
    from highland.network.api import router as network_router

    api.add_router("/", core_router)
    api.add_router("/network/", network_router)


register_routers()
