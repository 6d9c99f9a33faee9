"""The tracking API: batches with a result per event (one bad event loses none of the
others), a parcel by SSCC with its events, and one event with a proof photo as multipart."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from highland.core import services as core_services
from highland.core.gs1 import sscc_check_digit
from highland.logistics.models import TrackingEvent
from highland.logistics.tests.tracking_helpers import jpeg_upload, minutes_ago
from highland.orders.models import Order

URL = "/api/v1/logistics/events"


def event(sscc: str, kind: str, key: str, **fields: Any) -> dict[str, Any]:
    return {
        "sscc": sscc,
        "kind": kind,
        "idempotency_key": key,
        "occurred_at": minutes_ago(3).isoformat(),
        **fields,
    }


def upload(client: Client, events: list[dict[str, Any]]) -> Any:
    return client.post(URL, data=json.dumps({"events": events}), content_type="application/json")


def wrong_check_digit(sscc: str) -> str:
    return sscc[:-1] + str((int(sscc[-1]) + 1) % 10)


def device(demo: Any, username: str) -> Client:
    issued = core_services.issue_api_token(
        demo.user(username), actor=demo.user("operator"), name="phone"
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}", HTTP_ACCEPT_LANGUAGE="en")


def test_a_batch_gives_a_result_for_each_event_and_keeps_the_good_ones(
    demo, parcel_factory
) -> None:
    parcel = parcel_factory.order_parcel()
    other = parcel_factory.order_parcel()
    unknown = "0" + "6999513" + "999999999"
    unknown += sscc_check_digit(unknown)
    client = device(demo, "driver")
    response = upload(
        client,
        [
            event(parcel.sscc, "loaded", "van-1:000001", vehicle_plate="川R·L2760"),
            event(unknown, "loaded", "van-1:000002", vehicle_plate="川R·L2760"),
            event(
                wrong_check_digit(other.sscc), "loaded", "van-1:000003", vehicle_plate="川R·L2760"
            ),
            event(other.sscc, "loaded", "van-1:000004", vehicle_plate="NO-SUCH"),
            {
                "sscc": other.sscc,
                "kind": "loaded",
                "idempotency_key": "van-1:000005",
                "occurred_at": "yesterday",
            },
            event(other.sscc, "loaded", "van-1:000006", vehicle_plate="川R·L2760"),
        ],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["duplicates"], body["refused"]) == (2, 0, 4)
    outcomes = [(r["index"], r["outcome"], (r["error"] or {}).get("code")) for r in body["results"]]
    assert outcomes == [
        (0, "created", None),
        (1, "refused", "not_found"),
        (2, "refused", "bad_sscc"),
        (3, "refused", "unknown_place"),
        (4, "refused", "validation_failed"),
        (5, "created", None),
    ]
    assert "check digit" in body["results"][2]["error"]["detail"]
    assert "occurred_at" in body["results"][4]["error"]["errors"]
    assert body["results"][0]["event"]["order_status"] == "shipped"
    assert body["results"][0]["event"]["vehicle_plate"] == "川R·L2760"
    assert TrackingEvent.objects.count() == 2


def test_a_batch_sent_again_answers_duplicates_and_a_reused_key_is_refused(
    demo, parcel_factory
) -> None:
    parcel = parcel_factory.order_parcel()
    client = device(demo, "driver")
    batch = [event(parcel.sscc, "loaded", "van-1:000001", vehicle_plate="川R·L2760")]
    first = upload(client, batch).json()
    again = upload(client, batch).json()
    changed = upload(client, [dict(batch[0], note="第二次")]).json()
    assert again["results"][0]["outcome"] == "duplicate"
    assert again["results"][0]["event"]["id"] == first["results"][0]["event"]["id"]
    assert changed["results"][0]["outcome"] == "refused"
    assert changed["results"][0]["error"]["code"] == "idempotency_key_reused"
    assert TrackingEvent.objects.count() == 1


def test_a_parcel_of_another_point_is_the_same_404_as_none(demo, parcel_factory) -> None:
    elsewhere = parcel_factory.order_parcel("LT-S02-V01")
    client = device(demo, "village_agent")
    body = upload(
        client, [event(elsewhere.sscc, "arrived_at_point", "agent:000001", point_code="LT-S02-V01")]
    ).json()
    assert body["results"][0]["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/logistics/parcels/{elsewhere.sscc}").status_code == 404


def test_an_anonymous_caller_is_refused(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    response = upload(Client(), [event(parcel.sscc, "loaded", "van-1:000001")])
    assert response.status_code == 401
    assert Client().get(f"/api/v1/logistics/parcels/{parcel.sscc}").status_code == 401
    assert not TrackingEvent.objects.exists()


def test_a_buyer_gets_a_refusal_per_event(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    body = upload(
        device(demo, "buyer"),
        [event(parcel.sscc, "loaded", "van-1:000001", vehicle_plate="川R·L2760")],
    ).json()
    assert body["results"][0]["error"]["code"] == "not_found"
    assert not TrackingEvent.objects.exists()


def test_a_batch_has_at_most_200_events(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    events = [
        event(parcel.sscc, "sorted", f"hub:{i:06d}", location_code="A-01") for i in range(201)
    ]
    assert upload(device(demo, "operator"), events).status_code == 422


def test_a_parcel_by_sscc_with_its_events_in_the_order_they_happened(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    client = device(demo, "operator")
    upload(
        client,
        [
            dict(
                event(parcel.sscc, "put_away", "hub:000002", location_code="A-02"),
                occurred_at=minutes_ago(5).isoformat(),
            ),
            dict(
                event(parcel.sscc, "received_at_hub", "hub:000001"),
                occurred_at=minutes_ago(9).isoformat(),
            ),
        ],
    )
    response = client.get(f"/api/v1/logistics/parcels/({'00'}){parcel.sscc}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sscc"] == parcel.sscc and body["status"] == "put_away"
    assert [e["kind"] for e in body["events"]] == ["received_at_hub", "put_away"]
    assert body["events"][1]["location_code"] == "A-02"
    assert body["order_number"] == Order.objects.get(pk=parcel.order_id).number


def test_a_malformed_sscc_names_its_check_digit(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    response = device(demo, "operator").get(
        f"/api/v1/logistics/parcels/{wrong_check_digit(parcel.sscc)}"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "bad_sscc"
    assert f"should end in {parcel.sscc[-1]}" in response.json()["detail"]


@pytest.mark.parametrize("repeat", [False, True])
def test_a_pickup_confirmed_with_a_photo_as_multipart(demo, parcel_factory, repeat) -> None:
    parcel = parcel_factory.order_parcel()
    client = device(demo, "village_agent")
    form = {
        "idempotency_key": "agent-7:000001",
        "kind": "picked_up",
        "occurred_at": minutes_ago(2).isoformat(),
        "point_code": "LT-S01-V01",
    }
    response = client.post(
        f"/api/v1/logistics/parcels/{parcel.sscc}/events", data={**form, "photo": jpeg_upload()}
    )
    assert response.status_code == 201, response.content
    assert response.json()["has_photo"] is True
    assert response.json()["order_status"] == "delivered"
    if repeat:
        again = client.post(
            f"/api/v1/logistics/parcels/{parcel.sscc}/events",
            data={**form, "photo": jpeg_upload()},
        )
        assert again.status_code == 200
        assert again.json()["id"] == response.json()["id"]
    assert TrackingEvent.objects.count() == 1
    assert Order.objects.get(pk=parcel.order_id).status == "delivered"


def test_a_pickup_without_proof_is_refused_as_multipart(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    response = device(demo, "village_agent").post(
        f"/api/v1/logistics/parcels/{parcel.sscc}/events",
        data={
            "idempotency_key": "agent-7:000002",
            "kind": "picked_up",
            "occurred_at": minutes_ago(2).isoformat(),
            "point_code": "LT-S01-V01",
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "needs_proof"
    assert not TrackingEvent.objects.exists()


def test_a_time_without_its_zone_is_refused(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    naive = minutes_ago(3).replace(tzinfo=None).isoformat()
    body = upload(
        device(demo, "driver"),
        [
            dict(
                event(parcel.sscc, "loaded", "van-1:000001", vehicle_plate="川R·L2760"),
                occurred_at=naive,
            )
        ],
    ).json()
    assert body["results"][0]["error"]["code"] == "naive_time"
    assert not TrackingEvent.objects.exists()
