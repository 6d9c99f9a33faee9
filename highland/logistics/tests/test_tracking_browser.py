"""The tracking pages on a 360×740 phone in Chinese and Tibetan: they fit the screen and
weigh at most 50 KB on a cold first load (the real browser, the production-like server)."""

from __future__ import annotations

from typing import Any

import pytest

from highland.logistics.tests.tracking_helpers import bus, minutes_ago, record, shelf
from highland.testing import OrderFactory
from highland.testing_browser import BO, ZH, assert_fits, assert_light, open_phone, visit

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", [ZH, BO])
def test_the_tracking_pages_fit_a_phone_and_are_light(
    language: str, phone_site: Any, chromium: Any, demo: Any
) -> None:
    from highland.logistics.testing import ParcelFactory

    parcel = ParcelFactory(demo, OrderFactory(demo)).order_parcel()
    record(parcel, "put_away", demo.user("operator"), at=minutes_ago(20), location=shelf(demo))
    record(parcel, "handed_to_bus", demo.user("driver"), at=minutes_ago(10), bus_line=bus(demo))
    record(
        parcel,
        "arrived_at_point",
        demo.user("village_agent"),
        at=minutes_ago(5),
        point=demo.point("LT-S01-V01"),
    )
    pages = {
        None: [f"/logistics/track/?number={parcel.sscc}", "/logistics/track/"],
        "village_agent": [
            "/logistics/my-point/parcels/",
            f"/logistics/parcels/{parcel.pk}/",
            "/logistics/events/record/",
        ],
    }
    problems: list[str] = []
    for username, paths in pages.items():
        page = open_phone(chromium, phone_site, language=language, username=username)
        try:
            for path in paths:
                load = visit(page, f"{phone_site.url}{path}")
                if load.status != 200:
                    problems.append(f"{path}: status {load.status}")
                    continue
                try:
                    assert_fits(page)
                    assert_light(load)
                except AssertionError as failure:
                    problems.append(f"{path}: {str(failure).splitlines()[0]}")
        finally:
            page.context.close()
    assert problems == []
