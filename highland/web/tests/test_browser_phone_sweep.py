"""Every main page, for each role, on a 360×740 phone in Chinese and in Tibetan.

Each page must fit the screen (no horizontal overflow of the page or of any table) and
weigh at most 50 KB transferred on a cold first load. Pages whose every string is already
translated must also show nothing in another language; those still waiting for
translations are listed in LANGUAGE_PENDING, to be emptied as the catalogues fill.
All problems of a sweep are reported together. Weights go to var/page-weight.json.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import Demo
from highland.testing import OrderFactory
from highland.testing_browser import (
    BO,
    ZH,
    assert_fits,
    assert_in_language,
    assert_light,
    open_phone,
    visit,
)

pytestmark = pytest.mark.browser

# Pages by who looks at them. A callable builds the path from the demo data.
PagePath = str | Callable[[Demo, Any], str]
PAGES: dict[str | None, list[PagePath]] = {
    None: ["/", "/shop/", "/shop/search/?q=mnrg", lambda demo, order: _product_path(demo), "/accounts/login/"],
    "buyer": [
        "/",
        "/orders/cart/",
        "/orders/checkout/",
        "/orders/",
        lambda demo, order: f"/orders/{order.pk}/",
        "/orders/group-buys/",
    ],
    "agent": [
        "/network/points/",
        lambda demo, order: f"/network/points/{demo.point('LT-S01').pk}/",
        "/network/map/",
        "/network/desk/",
        "/orders/",
        "/orders/group-buys/",
    ],
    "official": [
        "/ledger/",
        "/ledger/accounts/Assets:Bank/",
        "/audit/",
        "/network/points/",
        "/network/map/",
    ],
    "operator": ["/orders/settlements/", "/orders/", "/payments/gateway-settlements/"],
    "seller": ["/shop/manage/products/", "/orders/"],
}

# Pages that still show strings in another language (msgstr empty in locale/ today). The
# lead regenerates the catalogues after the merge; then these lists should shrink to nothing.
LANGUAGE_PENDING: dict[str, set[str]] = {ZH: set(), BO: set()}


def _product_path(demo: Demo) -> str:
    from highland.catalog.models import Product

    product = Product.objects.filter(county=demo.county, name_zh="牦牛肉干").first()
    assert product is not None
    return f"/shop/products/{product.pk}/"


def _record_page_weights(language: str, weights: dict[str, int]) -> None:
    target = Path(settings.VAR_DIR) / "page-weight.json"
    recorded: dict[str, Any] = {}
    if target.exists():
        try:
            recorded = json.loads(target.read_text(encoding="utf-8"))
        except ValueError:
            recorded = {}
    recorded.update({f"{path} [{language}, phone]": size for path, size in weights.items()})
    scratch = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    scratch.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(scratch, target)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [ZH, BO])
def test_every_main_page_fits_a_phone_and_is_light(
    language: str, phone_site: Any, chromium: Any, demo: Demo
) -> None:
    order = OrderFactory(demo).paid()
    problems: list[str] = []
    weights: dict[str, int] = {}
    for username, paths in PAGES.items():
        page = open_phone(chromium, phone_site, language=language, username=username)
        try:
            for entry in paths:
                path = entry if isinstance(entry, str) else entry(demo, order)
                load = visit(page, f"{phone_site.url}{path}")
                weights[path] = load.transferred
                who = username or "anonymous"
                if load.status != 200:
                    problems.append(f"{who} {path}: status {load.status}")
                    continue
                checks: list[Callable[[], None]] = [
                    lambda: assert_fits(page),
                    lambda: assert_light(load),
                ]
                if path not in LANGUAGE_PENDING[language]:
                    checks.append(lambda: assert_in_language(page, language))
                for check in checks:
                    try:
                        check()
                    except AssertionError as failure:
                        problems.append(f"{who} {path}: {str(failure).splitlines()[0]}")
        finally:
            page.context.close()
    _record_page_weights(language, weights)
    assert problems == [], "\n".join(problems)
