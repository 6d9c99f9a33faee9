"""In Chromium, the pages run under their Content-Security-Policy without a violation.

The live server runs in another thread, so the demo data must be committed:
hence `django_db(transaction=True)`.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from conftest import Demo, need_server
from highland.testing_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

ANONYMOUS_PAGES = ["/", "/shop/", "/accounts/login/", "/admin/login/", "/api/v1/docs"]
AGENT_PAGES = ["/network/points/", "/network/map/", "/orders/cart/"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_without_policy_violations(
    demo: Demo, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_server(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM}")
    playwright_api = pytest.importorskip("playwright.sync_api")
    playwright_api.expect.set_options(timeout=WAIT_MS)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    violations: list[str] = []

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-GB")
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            page.on(
                "console",
                lambda message: (
                    violations.append(f"{page.url}: {message.text}")
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            for path in ANONYMOUS_PAGES:
                page.goto(f"{base}{path}", wait_until="networkidle")
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "agent")
            page.fill("#id_password", "highland-demo")
            page.locator("main form [type=submit]").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            for path in AGENT_PAGES:
                page.goto(f"{base}{path}", wait_until="networkidle")

            # htmx still works: changing a filter swaps the table without a page load.
            page.goto(f"{base}/network/points/", wait_until="networkidle")
            with page.expect_response(lambda response: "/network/points/" in response.url):
                page.select_option("#id_tier", index=1)
            playwright_api.expect(page).to_have_url(re.compile(r"tier="))
        finally:
            browser.close()

    assert violations == []
