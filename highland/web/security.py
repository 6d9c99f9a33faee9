"""The Content-Security-Policy header, built once from settings and set on every response.

A few lines instead of django-csp: that library rebuilds the header on every response
(a deep copy of its settings and dataclass conversions), measured at about 50-70 µs per
response here, some 8 % of the bare benchmark page's CPU; this costs a header
assignment. The pages need no nonces or per-view policies, which is what the library
adds. A view that needs another policy sets the header itself and is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse


def policy_header(directives: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"], ...}` as `default-src 'self'; ...`, in the given order."""
    return "; ".join(
        " ".join([name, *sources]) if sources else name for name, sources in directives.items()
    )


@cache
def site_header() -> str:
    """The header of `settings.CONTENT_SECURITY_POLICY`, built once (again if it changes)."""
    return policy_header(settings.CONTENT_SECURITY_POLICY)


@receiver(setting_changed)
def _policy_changed(*, setting: str, **kwargs: Any) -> None:
    # A test that points the payment gateway elsewhere changes the policy's form-action,
    # also for a live server whose middleware was built before.
    if setting == "CONTENT_SECURITY_POLICY":
        site_header.cache_clear()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", site_header())
        return response
