"""A real browser (Debian's Chromium through Playwright) on the county map.

Logs in as the demo station agent, checks the inline SVG map has one marker per
active point, records what the map page weighs on a cold first load, switches
the interface to Tibetan with the header form and keeps a screenshot.

The live server runs in another thread, so the demo data must be committed:
hence `django_db(transaction=True)`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import Demo, need_server
from highland.network.models import ServicePoint
from highland.testing_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

MAP_PATH = "/network/map/"
# Generous bound for a staff page; storefront pages aim at 50 KB.
MAP_PAGE_BUDGET = 100_000
PAGE_RESOURCES = {"document", "stylesheet", "script", "image", "font", "media"}
TIBETAN = re.compile("[\u0f00-\u0fff]")


def _record_page_weight(path: str, size: int) -> None:
    """Merge {path: bytes} into var/page-weight.json (replaced atomically)."""
    target = Path(settings.VAR_DIR) / "page-weight.json"
    weights: dict[str, Any] = {}
    if target.exists():
        try:
            weights = json.loads(target.read_text(encoding="utf-8"))
        except ValueError:
            weights = {}
    weights[path] = size
    scratch = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    scratch.write_text(json.dumps(weights, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(scratch, target)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_sees_map_and_switches_to_tibetan(
    demo: Demo, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_server(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM}")
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    expect.set_options(timeout=WAIT_MS)

    # Playwright's sync API runs an asyncio loop in this thread; Django would then
    # refuse ORM calls made here while it runs.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    active_points = ServicePoint.objects.filter(county=demo.county, active=True).count()
    assert active_points > 0, "the demo county should have active points"

    base = live_server.url
    screenshots = Path(settings.VAR_DIR) / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Log in in one context, then measure the map in a fresh context that
            # carries only the session cookie: its HTTP cache is empty, so the CSS
            # the login page fetched counts again, as on a real first visit.
            login_context = browser.new_context(locale="zh-CN")
            login_context.set_default_timeout(WAIT_MS)
            login_page = login_context.new_page()
            login_page.goto(f"{base}/accounts/login/")
            login_page.fill("#id_username", "agent")
            login_page.fill("#id_password", "highland-demo")
            login_page.locator("main form [type=submit]").click()
            login_page.wait_for_url(lambda url: "/accounts/login/" not in url)
            # Logged in: the header now offers to log out.
            expect(login_page.locator("header.top form[action$='/logout/'] button")).to_be_visible()
            session = login_context.storage_state()
            login_context.close()

            context = browser.new_context(
                storage_state=session, locale="zh-CN", viewport={"width": 1024, "height": 900}
            )
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            responses: list[Any] = []
            page.on("response", lambda response: responses.append(response))
            page.goto(f"{base}{MAP_PATH}", wait_until="load")
            expect(page).to_have_url(f"{base}{MAP_PATH}")  # not bounced to the login page

            svg = page.locator("svg.county-map")
            expect(svg).to_be_visible()
            expect(svg.locator("a.map-point")).to_have_count(active_points)

            # Page weight: every body fetched for the first load (document,
            # stylesheets, scripts, images), as received by the browser.
            # The favicon probe (a 404 here) is the browser's business, not the page's.
            fetched = {
                r.url: len(r.body())
                for r in responses
                if r.request.resource_type in PAGE_RESOURCES and not 300 <= r.status < 400
            }
            weight = sum(fetched.values())
            # The browser's own account, for comparison: transferSize includes headers.
            transfer_size = page.evaluate(
                """() => performance.getEntriesByType('navigation')
                    .concat(performance.getEntriesByType('resource'))
                    .reduce((sum, entry) => sum + (entry.transferSize || 0), 0)"""
            )
            _record_page_weight(MAP_PATH, weight)
            print(
                f"\n{MAP_PATH}: {weight} body bytes over {len(fetched)} responses "
                f"({transfer_size} bytes transferred per the Performance API): "
                + ", ".join(f"{url.removeprefix(base)}={size}" for url, size in fetched.items())
            )
            assert any(url.startswith(f"{base}{MAP_PATH}") for url in fetched)
            assert weight < MAP_PAGE_BUDGET, f"{MAP_PATH} weighs {weight} bytes: {fetched}"

            # Switch to Tibetan with the header form; set_language redirects back here.
            page.select_option("#language-select", "bo")
            page.click("#language-submit")
            expect(page.locator("html")).to_have_attribute("lang", "bo")
            expect(page).to_have_url(f"{base}{MAP_PATH}")
            expect(page.locator("#language-select")).to_have_value("bo")
            expect(page.locator("nav.menu")).to_contain_text(TIBETAN)
            expect(page.locator("svg.county-map a.map-point")).to_have_count(active_points)
            page.screenshot(path=str(screenshots / "map-bo.png"), full_page=True)
            context.close()
        finally:
            browser.close()
