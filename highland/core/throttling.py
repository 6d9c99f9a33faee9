"""Login throttling with django-axes: by account and by address, on the login page and
in the admin. What axes is told (the address, the lockout page) and who is locked.

Device tokens never pass through a login, so they are not throttled here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from highland.core.models import County, User


def client_address(request: HttpRequest) -> str | None:
    """The address a login came from.

    Behind nginx (docs/deploy.md) every request arrives from nginx itself, which appends
    the address it saw to X-Forwarded-For: the last entry is the one to trust (entries
    before it are whatever the client sent). Without a proxy, REMOTE_ADDR.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """The page for a locked-out login, on the site and in the admin alike (429)."""
    response = render(request, "web/login_locked.html", {"minutes": lockout_minutes()}, status=429)
    # The longest wait: the lockout ends this long after the last failure.
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def _recent_failures() -> QuerySet[Any]:
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(attempt_time__gte=since)


def locked_people(county: County) -> QuerySet[User]:
    """People of `county` whose account is locked out now (by its own failed logins)."""
    locked_usernames = (
        _recent_failures()
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values("username")
    )
    return User.objects.filter(county=county, username__in=locked_usernames).order_by("username")


def forget_failed_logins(username: str) -> int:
    """Drop the failed logins recorded for `username`; the count dropped."""
    from axes.utils import reset

    return reset(username=username)


# --- Guessing at codes -----------------------------------------------------------------------
# A lookup by a printed code without logging in (an intake's check code) is a guess like a
# password is: each wrong code counts as a failed login of the pseudo-account
# "<scope>@<address>", so the same axes limit and lockout time hold, per address. The
# address's failed logins and wrong codes add up: an address guessing one is guessing.


def _lookup_credentials(request: HttpRequest, scope: str) -> dict[str, str]:
    return {"username": f"{scope}@{client_address(request) or '-'}"}


def lookups_refused(request: HttpRequest, scope: str) -> bool:
    """Whether this address has guessed wrong too often to be answered now."""
    from axes.handlers.proxy import AxesProxyHandler

    if not getattr(settings, "AXES_ENABLED", True):
        return False
    return not AxesProxyHandler.is_allowed(request, _lookup_credentials(request, scope))


def record_failed_lookup(request: HttpRequest, scope: str) -> None:
    """Count one wrong code from this address."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.user_login_failed(
        sender=record_failed_lookup,
        credentials=_lookup_credentials(request, scope),
        request=request,
    )
    # The caller answers "not found" (or "too many tries" next time) itself; axes'
    # middleware would otherwise swap in the login lockout page.
    request.axes_locked_out = False  # type: ignore[attr-defined]
