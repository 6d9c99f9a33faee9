"""A real browser on a 360 px phone screen: the shop fits, works without JavaScript, is light.

Debian's Chromium through Playwright, JavaScript switched off, anonymous visitor. For each
page: no horizontal scrolling at 360 px, and the weight of a cold first load (every body
the browser fetched) under the 50 KB storefront budget. Weights go to
var/page-weight.json and screenshots to var/screenshots/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import need_server
from highland.catalog.models import Product
from highland.testing_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS
from highland.web.tests.test_browser import PAGE_RESOURCES

pytestmark = [pytest.mark.urls("highland.catalog.tests.urls"), pytest.mark.browser]

SHOP_PAGE_BUDGET = 50_000
PHONE = {"width": 360, "height": 740}


def _record_page_weight(path: str, size: int) -> None:
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


@pytest.mark.django_db(transaction=True)
def test_the_shop_on_a_360_px_phone_without_javascript(
    shop: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_server(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM}")
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    expect.set_options(timeout=WAIT_MS)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    jerky = Product.objects.get(county=shop.county, name_zh="牦牛肉干")
    base = live_server.url
    screenshots = Path(settings.VAR_DIR) / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    pages = {
        "/shop/": "shop-home",
        "/shop/search/?q=mnrg": "shop-search",
        "/shop/categories/meat-dairy/": "shop-category",
        f"/shop/products/{jerky.pk}/": "shop-product",
    }

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path, name in pages.items():
                # A fresh context per page: an empty cache, as on a first visit.
                context = browser.new_context(
                    viewport=PHONE, java_script_enabled=False, locale="zh-CN"
                )
                context.set_default_timeout(WAIT_MS)
                page = context.new_page()
                responses: list[Any] = []
                page.on("response", lambda response, seen=responses: seen.append(response))
                page.goto(f"{base}{path}", wait_until="load")

                widest = page.evaluate("() => document.documentElement.scrollWidth")
                fetched = {
                    r.url: len(r.body())
                    for r in responses
                    if r.request.resource_type in PAGE_RESOURCES and not 300 <= r.status < 400
                }
                weight = sum(fetched.values())
                _record_page_weight(name, weight)
                page.screenshot(path=str(screenshots / f"{name}-360.png"), full_page=True)
                print(f"\n{path}: {weight} bytes in {len(fetched)} responses, {widest} px wide")
                context.close()

                assert widest <= PHONE["width"], f"{path} scrolls sideways: {widest} px"
                assert weight < SHOP_PAGE_BUDGET, f"{path} weighs {weight} bytes: {fetched}"

            # Without JavaScript the search form still works: type, submit, read.
            context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{base}/shop/")
            page.fill("form.search-box input[name=q]", "mao niu rou gan")
            page.locator("form.search-box button").click()
            expect(page.locator("ul.products li.product-card")).to_have_count(1)
            expect(page.locator("ul.products")).to_contain_text("牦牛肉干")
            context.close()
        finally:
            browser.close()
