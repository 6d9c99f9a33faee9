"""The cold-chain API: uploading a logger's readings (per-reading results, idempotent,
bad values), alerts and their acknowledgement, a zone's MKT, a parcel's exposure."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from highland.core.models import AuditRecord
from highland.core.services import issue_api_token
from highland.logistics.models import ColdChainAlert, HubZone, Reading, TelemetryCounter
from highland.logistics.tests.coldchain_setup import T0, at, make_cold_setup, reading, store

UPLOAD = "/api/v1/logistics/telemetry/readings"


def post(client: Any, path: str, body: Any, **headers: Any):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def cold(demo):
    return make_cold_setup(demo)


def upload_body() -> dict:
    return {
        "sensors": [
            {
                "sensor": "T-V1",
                "readings": [
                    reading(0, 3.5, id="a-1"),
                    reading(10, 4.25),
                    reading(10, 4.25),  # the same reading twice
                    reading(20, 85.0),
                    {"measured_at": "2026-03-02 16:30", "celsius": 3},
                    {"measured_at": "1970-01-01T00:00:00Z", "celsius": 3},
                    {"celsius": 3},
                    "3.5",
                ],
            },
            {"sensor": "NO-SUCH", "readings": [reading(0, 3.0)]},
        ]
    }


def test_an_upload_answers_for_each_reading_and_stores_the_good_ones(cold, demo, client_as):
    client = client_as(demo.user("driver"))

    response = post(client, UPLOAD, upload_body())

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stored"], body["duplicate"], body["refused"]) == (2, 1, 6)
    van, unknown = body["sensors"]
    assert [(item["index"], item["outcome"]) for item in van["results"]] == [
        (0, "stored"),
        (1, "stored"),
        (2, "duplicate"),
        (3, "bad_value"),
        (4, "bad_time"),
        (5, "bad_time"),
        (6, "malformed"),
        (7, "malformed"),
    ]
    assert van["results"][0]["id"] == "a-1"
    assert van["results"][3]["detail"] == (
        "celsius is outside what a sensor can measure (−60 to 70 °C)."
    )
    assert van["results"][4]["detail"] == (
        "measured_at has no UTC offset: the device's clock zone cannot be known."
    )
    assert unknown["results"] == [
        {
            "index": 0,
            "outcome": "unknown_sensor",
            "detail": "No sensor in service has the device code NO-SUCH.",
            "id": "",
            "measured_at": None,
        }
    ]
    assert list(
        Reading.objects.filter(sensor=cold.van)
        .order_by("measured_at")
        .values_list("measured_at", "centi_celsius")
    ) == [(at(0), 350), (at(10), 425)]
    counts = dict(
        TelemetryCounter.objects.filter(county=demo.county, channel="upload").values_list(
            "outcome", "count"
        )
    )
    assert counts == {
        "stored": 2,
        "duplicate": 1,
        "bad_value": 1,
        "bad_time": 2,
        "malformed": 2,
        "unknown_sensor": 1,
    }
    record = AuditRecord.objects.get(action="logistics.readings.uploaded")
    assert record.actor == demo.user("driver")
    assert record.changes == {
        "readings_stored": 2,
        "readings_duplicate": 1,
        "readings_refused": 6,
        "sensor_codes": ["NO-SUCH", "T-V1"],
    }


def test_uploading_the_same_readings_again_stores_nothing_twice(cold, demo, client_as) -> None:
    client = client_as(demo.user("dispatcher"))
    body = {"sensors": [{"sensor": "T-F1", "readings": [reading(0, -20), reading(5, -19.5)]}]}

    first = post(client, UPLOAD, body)
    again = post(client, UPLOAD, body)

    assert (first.json()["stored"], first.json()["duplicate"]) == (2, 0)
    assert (again.json()["stored"], again.json()["duplicate"]) == (0, 2)
    assert Reading.objects.filter(sensor=cold.frozen).count() == 2


def test_an_uploaded_excursion_opens_and_closes_its_alert(cold, demo, client_as) -> None:
    body = {
        "sensors": [
            {
                "sensor": "T-V1",
                "readings": [reading(minute, 9.0) for minute in range(0, 50, 10)]
                + [reading(50, 3.0)],
            }
        ]
    }

    post(client_as(demo.user("driver")), UPLOAD, body)

    alert = ColdChainAlert.objects.get(sensor=cold.van)
    assert (alert.started_at, alert.ended_at) == (at(0), at(50))
    assert alert.closed_at is not None


def test_a_device_token_uploads_in_its_own_county(cold, demo, client_as) -> None:
    token = issue_api_token(demo.user("driver"), actor=demo.user("operator"), name="logger reader")
    body = {"sensors": [{"sensor": "T-V1", "readings": [reading(0, 3.0)]}]}

    response = post(client_as(None), UPLOAD, body, HTTP_AUTHORIZATION=f"Bearer {token.raw_key}")

    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 1


@pytest.mark.parametrize(("username", "status"), [("buyer", 403), ("official", 403), (None, 401)])
def test_who_may_not_upload_stores_nothing(cold, demo, client_as, username, status) -> None:
    user = demo.user(username) if username else None
    body = {"sensors": [{"sensor": "T-V1", "readings": [reading(0, 3.0)]}]}

    response = post(client_as(user), UPLOAD, body)

    assert response.status_code == status
    assert not Reading.objects.filter(sensor=cold.van).exists()
    assert not TelemetryCounter.objects.exists()


def test_an_outsiders_upload_finds_no_sensor_of_another_county(cold, other_county, client_as):
    body = {"sensors": [{"sensor": "T-V1", "readings": [reading(0, 3.0)]}]}

    response = post(client_as(other_county.operator), UPLOAD, body)

    assert response.status_code == 200
    assert response.json()["sensors"][0]["results"][0]["outcome"] == "unknown_sensor"
    assert not Reading.objects.filter(sensor=cold.van).exists()


def test_a_body_that_is_not_an_upload_is_a_422(cold, demo, client_as) -> None:
    client = client_as(demo.user("driver"))

    empty = post(client, UPLOAD, {"sensors": []})
    not_a_list = post(client, UPLOAD, {"sensors": [{"sensor": "T-V1", "readings": 5}]})

    assert empty.status_code == not_a_list.status_code == 422


# --- alerts ----------------------------------------------------------------------------------


@pytest.fixture
def alert(cold) -> ColdChainAlert:
    store("T-C1", reading(0, 9.0), reading(40, 9.5))
    return ColdChainAlert.objects.get(sensor=cold.chilled)


def test_alerts_are_listed_and_acknowledged_once(alert, demo, client_as) -> None:
    client = client_as(demo.user("operator"))

    listed = client.get("/api/v1/logistics/cold-chain/alerts")
    acknowledged = post(
        client, f"/api/v1/logistics/cold-chain/alerts/{alert.pk}/acknowledge", {"note": "Seen."}
    )
    again = post(client, f"/api/v1/logistics/cold-chain/alerts/{alert.pk}/acknowledge", {})

    assert listed.status_code == 200
    [item] = [item for item in listed.json() if item["id"] == alert.pk]
    assert (item["kind"], item["sensor"], item["range"]) == ("excursion", "T-C1", "0.0–4.0 °C")
    assert (item["lowest_celsius"], item["highest_celsius"]) == (9.0, 9.5)
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledgement_note"] == "Seen."
    assert acknowledged.json()["acknowledged_by"] == str(demo.user("operator"))
    assert again.status_code == 409
    assert again.json()["code"] == "already_acknowledged"


def test_a_driver_may_not_read_or_acknowledge_alerts(alert, demo, client_as) -> None:
    client = client_as(demo.user("driver"))

    listed = client.get("/api/v1/logistics/cold-chain/alerts")
    posted = post(client, f"/api/v1/logistics/cold-chain/alerts/{alert.pk}/acknowledge", {})

    assert listed.status_code == posted.status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_another_countys_alert_is_a_404(alert, other_county, client_as) -> None:
    client = client_as(other_county.operator)

    assert client.get(f"/api/v1/logistics/cold-chain/alerts/{alert.pk}").status_code == 404
    assert (
        post(client, f"/api/v1/logistics/cold-chain/alerts/{alert.pk}/acknowledge", {}).status_code
        == 404
    )


# --- MKT and exposure ------------------------------------------------------------------------


def test_a_zones_mkt_over_a_window(cold, demo, client_as) -> None:
    # Zone F: 2 hours at −20 °C, then 1 hour at −15 °C (readings every 10 minutes).
    store("T-F1", *(reading(minute, -20.0) for minute in range(0, 120, 10)))
    store("T-F1", *(reading(minute, -15.0) for minute in range(120, 190, 10)))
    zone = HubZone.objects.get(county=demo.county, code="F")
    start, end = at(0).isoformat(), at(180).isoformat()

    response = client_as(demo.user("official")).get(
        f"/api/v1/logistics/cold-chain/zones/{zone.pk}/mkt",
        {"start": start, "end": end},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    # e^(−9999.928/253.15) = 6.9904e-18 (2 h), e^(−9999.928/258.15) = 1.5024e-17 (1 h):
    # mean 9.6683e-18, −ln = 39.17768, T_mk = 9999.928 / 39.17768 = 255.2455 K = −17.90 °C.
    assert body["mkt_celsius"] == pytest.approx(-17.90, abs=0.005)
    assert (body["lowest_celsius"], body["highest_celsius"]) == (-20.0, -15.0)
    assert (body["minutes_out_of_range"], body["monitored_minutes"]) == (60.0, 180.0)
    assert (body["readings"], body["sensors"], body["range"]) == (18, ["T-F1"], "≤ -18.0 °C")


def test_a_window_longer_than_31_days_is_refused(cold, demo, client_as) -> None:
    zone = HubZone.objects.get(county=demo.county, code="F")

    response = client_as(demo.user("official")).get(
        f"/api/v1/logistics/cold-chain/zones/{zone.pk}/mkt",
        {"start": (T0 - dt.timedelta(days=40)).isoformat(), "end": T0.isoformat()},
    )

    assert response.status_code == 422


def test_a_parcels_exposure_through_the_api(cold, demo, parcel_factory, client_as) -> None:
    parcel = parcel_factory.collection(temperature_class="chilled")

    response = client_as(demo.user("operator")).get(
        f"/api/v1/logistics/cold-chain/parcels/{parcel.pk}/exposure"
    )
    buyer = client_as(demo.user("buyer")).get(
        f"/api/v1/logistics/cold-chain/parcels/{parcel.pk}/exposure"
    )

    assert response.status_code == 200
    assert response.json()["legs"] == [] and response.json()["sscc"] == parcel.sscc
    assert buyer.status_code == 404
