"""Cold-chain pages: who sees them, what they show, acknowledging from a page, budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.core.models import AuditRecord
from highland.logistics.models import ColdChainAlert, HubZone
from highland.logistics.services.coldchain import register_sensor
from highland.logistics.tests.coldchain_setup import make_cold_setup, store

BOARD = "/logistics/cold-chain/"


def recent(minutes_ago: float, celsius: float) -> dict:
    moment = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return {"measured_at": moment.isoformat(), "celsius": celsius}


@pytest.fixture
def cold(demo):
    cold = make_cold_setup(demo)
    now = timezone.now()
    store("T-C1", *(recent(minutes, 3.0) for minutes in range(300, 60, -10)), received_at=now)
    # Out of 0–4 °C for the last hour: an open excursion.
    store("T-C1", *(recent(minutes, 7.5) for minutes in range(60, 0, -5)), received_at=now)
    store("T-F1", *(recent(minutes, -20.0) for minutes in range(120, 0, -10)), received_at=now)
    return cold


@pytest.fixture
def alert(cold) -> ColdChainAlert:
    return ColdChainAlert.objects.get(sensor=cold.chilled, kind="excursion")


def test_the_board_shows_each_place_its_last_reading_mkt_and_open_alerts(
    cold, alert, demo, client_as
) -> None:
    HubZone.objects.create(
        county=demo.county, code="D", temperature_class="chilled", name_zh="新冷库", name_en="New"
    )

    response = client_as(demo.user("operator")).get(BOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Chilled (C)" in page and "T-C1" in page
    assert "7.5 °C" in page  # the newest reading of T-C1
    assert "0.0–4.0 °C" in page and "≤ -18.0 °C" in page
    assert "1 open alert" in page
    assert f"/logistics/cold-chain/alerts/{alert.pk}/acknowledge/" in page
    assert "<polyline" in page  # the sparkline
    assert "川R·L3341" in page  # the refrigerated van has a card
    assert "No sensor watches this place." in page  # the new zone D has none
    assert len(response.content) < 50_000


def test_the_boards_queries_do_not_grow_with_sensors(
    cold, demo, client_as, django_assert_max_num_queries
) -> None:
    client = client_as(demo.user("operator"))
    client.get(BOARD)
    with django_assert_max_num_queries(30) as before:
        client.get(BOARD)
    for code in ("T-A1", "T-A2", "T-A3"):
        zone_a = HubZone.objects.get(county=demo.county, code="A")
        register_sensor(demo.county, code=code, zone=zone_a, actor=demo.user("operator"))
        store(code, recent(30, 12.0), recent(10, 13.0))

    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(BOARD)

    assert "T-A3" in response.content.decode()


@pytest.mark.parametrize("username", ["buyer", "driver", "agent"])
def test_people_without_the_cold_chain_get_a_404(cold, demo, client_as, username) -> None:
    assert client_as(demo.user(username)).get(BOARD).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(cold, client_as) -> None:
    response = client_as(None).get(BOARD)

    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_another_countys_operator_sees_their_own_county_only(
    cold, alert, other_county, client_as
) -> None:
    client = client_as(other_county.operator)

    board = client.get(BOARD)
    detail = client.get(f"/logistics/cold-chain/alerts/{alert.pk}/")

    assert board.status_code == 200
    assert "T-C1" not in board.content.decode()
    assert detail.status_code == 404


def test_the_alert_page_shows_its_readings_and_acknowledging_records_who(
    alert, demo, client_as
) -> None:
    client = client_as(demo.user("dispatcher"))

    page = client.get(f"/logistics/cold-chain/alerts/{alert.pk}/")
    posted = client.post(
        f"/logistics/cold-chain/alerts/{alert.pk}/acknowledge/",
        {"note": "Compressor restarted.", "next": BOARD},
    )

    assert page.status_code == 200
    assert "first out of range" in page.content.decode()
    assert posted.status_code == 302 and posted["Location"] == BOARD
    alert.refresh_from_db()
    assert alert.acknowledged_by == demo.user("dispatcher")
    assert alert.acknowledgement_note == "Compressor restarted."
    board = client.get(BOARD).content.decode()
    assert "Acknowledged by" in board and "Compressor restarted." in board


def test_an_official_sees_alerts_but_may_not_acknowledge_them(alert, demo, client_as) -> None:
    client = client_as(demo.user("official"))

    page = client.get(f"/logistics/cold-chain/alerts/{alert.pk}/")
    posted = client.post(f"/logistics/cold-chain/alerts/{alert.pk}/acknowledge/", {"note": "x"})

    assert page.status_code == 200
    assert "/acknowledge/" not in page.content.decode()
    assert posted.status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AuditRecord.objects.filter(action="logistics.cold_alert.acknowledged").exists()


def test_the_alert_list_and_sensor_list(cold, alert, demo, client_as) -> None:
    client = client_as(demo.user("official"))

    open_list = client.get("/logistics/cold-chain/alerts/")
    every = client.get("/logistics/cold-chain/alerts/?all=1")
    sensors = client.get("/logistics/cold-chain/sensors/")

    assert open_list.status_code == every.status_code == sensors.status_code == 200
    assert f"/logistics/cold-chain/alerts/{alert.pk}/" in open_list.content.decode()
    assert "T-V1" in sensors.content.decode()
    assert "Stored" in sensors.content.decode()  # the intake's counters


def test_the_parcel_exposure_page(cold, demo, parcel_factory, client_as) -> None:
    parcel = parcel_factory.collection(temperature_class="chilled")

    response = client_as(demo.user("operator")).get(f"/logistics/cold-chain/parcels/{parcel.sscc}/")

    assert response.status_code == 200
    assert "Temperature on the way" in response.content.decode()
    assert (
        client_as(demo.user("buyer"))
        .get(f"/logistics/cold-chain/parcels/{parcel.sscc}/")
        .status_code
        == 404
    )


def test_the_menu_shows_the_cold_chain_with_its_open_alerts(alert, demo, client_as) -> None:
    page = client_as(demo.user("operator")).get(BOARD).content.decode()

    assert 'href="/logistics/cold-chain/">Cold chain <span class="badge">1</span>' in page
