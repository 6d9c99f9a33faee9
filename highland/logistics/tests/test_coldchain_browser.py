"""The cold-chain pages on a 360×740 phone in Chromium: they fit the screen, weigh at most
50 KB on a cold first load, and an alert is acknowledged from the board without
JavaScript doing anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from highland.logistics.models import ColdChainAlert
from highland.logistics.tests.coldchain_setup import make_cold_setup, store
from highland.testing_browser import ZH, assert_fits, assert_light, open_phone, submit, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def recent(minutes_ago: float, celsius: float) -> dict[str, Any]:
    moment = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return {"measured_at": moment.isoformat(), "celsius": celsius}


def test_the_cold_chain_pages_fit_a_phone_and_an_alert_is_acknowledged(
    phone_site: Any, chromium: Any, demo: Any
) -> None:
    make_cold_setup(demo)
    now = timezone.now()
    store("T-C1", *(recent(minutes, 3.0) for minutes in range(600, 60, -5)), received_at=now)
    store("T-C1", *(recent(minutes, 8.25) for minutes in range(60, 0, -5)), received_at=now)
    alert = ColdChainAlert.objects.get(sensor__code="T-C1")
    page = open_phone(chromium, phone_site, language=ZH, username="operator")
    screenshots = Path(settings.VAR_DIR) / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)

    for name, path in [
        ("alert", f"/logistics/cold-chain/alerts/{alert.pk}/"),
        ("alerts", "/logistics/cold-chain/alerts/?all=1"),
        ("sensors", "/logistics/cold-chain/sensors/"),
        ("board", "/logistics/cold-chain/"),
    ]:
        load = visit(page, f"{phone_site.url}{path}")
        assert load.status == 200, path
        page.screenshot(path=str(screenshots / f"phone-zh-operator-cold-{name}.png"), scale="css")
        assert_fits(page)
        assert_light(load)

    page.fill(f"#note-{alert.pk}", "冷库门已关好")
    load = submit(page, page.locator(f"form[action$='/alerts/{alert.pk}/acknowledge/'] button"))

    assert load.status == 200
    assert load.url.endswith("/logistics/cold-chain/")
    alert.refresh_from_db()
    assert alert.acknowledgement_note == "冷库门已关好"
    assert alert.acknowledged_by is not None and alert.acknowledged_by.username == "operator"
