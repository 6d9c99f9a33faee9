"""A Content-Security-Policy on every page, and templates that need no inline code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import highland

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self' http://127.0.0.1:8765",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    """The policy as {directive: sources}."""
    pairs = (part.strip().split(" ", 1) for part in header.split(";"))
    return {name: sources for name, sources in pairs}


TEMPLATE_ROOT = Path(highland.__file__).parent
INLINE_CODE = {
    "inline <script>": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    ),
    "<style> element": re.compile(r"<style\b"),
    "style= attribute": re.compile(r"\sstyle\s*="),
    "on*= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_templates_need_no_inline_script_or_style():
    offenders = [
        f"{path.relative_to(TEMPLATE_ROOT)}: {name}"
        for path in sorted(TEMPLATE_ROOT.glob("*/templates/**/*.html"))
        for name, pattern in INLINE_CODE.items()
        if pattern.search(path.read_text())
    ]

    assert offenders == []


@pytest.mark.parametrize(
    "url", ["/", "/shop/", "/accounts/login/", "/admin/login/", "/api/v1/docs", "/no-such-page/"]
)
def test_anonymous_pages_send_the_policy(demo, client_as, url):
    response = client_as(None).get(url)

    assert directives(response["Content-Security-Policy"]) == POLICY


@pytest.mark.parametrize("url", ["/tokens/", "/network/points/", "/orders/cart/", "/api/v1/me"])
def test_signed_in_pages_and_the_api_send_the_policy(demo, client_as, url):
    response = client_as(demo.user("operator")).get(url)

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(demo, client_as):
    page = client_as(demo.user("operator")).get("/network/points/").content.decode()

    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false, "allowScriptTags": false}\'>'
    ) in page


def test_the_header_keeps_the_settings_order():
    from highland.web.security import policy_header

    header = policy_header({"default-src": ["'self'"], "img-src": ["'self'", "data:"]})

    assert header == "default-src 'self'; img-src 'self' data:"


def test_a_view_that_sets_its_own_policy_keeps_it(rf):
    from django.http import HttpResponse

    from highland.web.security import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))

    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_a_built_middleware_follows_a_changed_policy(rf, settings):
    """A test that points the gateway elsewhere changes form-action, also for a live server
    whose middleware was built before."""
    from django.http import HttpResponse

    from highland.web.security import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("x"))
    middleware(rf.get("/"))
    settings.CONTENT_SECURITY_POLICY = {
        "default-src": ["'self'"],
        "form-action": ["'self'", "http://127.0.0.1:9"],
    }

    response = middleware(rf.get("/"))

    assert response["Content-Security-Policy"] == (
        "default-src 'self'; form-action 'self' http://127.0.0.1:9"
    )
