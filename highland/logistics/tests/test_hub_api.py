"""The hub's API: zones, where a lot is, put-away / move / pick with an Idempotency-Key,
parcels received, order parcels, carriers and totes; who may call what; query budgets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from highland.logistics.models import LotMovement, Parcel, ParcelKind
from highland.orders import services as order_services
from highland.orders.models import Order

API = "/api/v1/logistics/hub"


def post(client: Any, path: str, data: dict[str, Any], key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        f"{API}{path}", data=json.dumps(data), content_type="application/json", **headers
    )


def test_zones_list_what_lies_where(client_as, demo, hub):
    lot = hub.demo_lot("LT-SRF-500")
    [(code, quantity)] = hub.placed(lot).items()

    response = client_as(demo.user("dispatcher")).get(f"{API}/zones")

    assert response.status_code == 200
    zones = {zone["code"]: zone for zone in response.json()}
    assert set(zones) == {"A", "C", "F"}
    assert zones["F"]["temperature_class"] == "frozen"
    location = next(spot for spot in zones["F"]["locations"] if spot["code"] == code)
    assert location["lots"] == [
        {
            "lot_id": lot.pk,
            "lot_code": lot.code,
            "product": lot.sku.product.name_en,
            "quantity": quantity,
        }
    ]


def test_where_is_a_lot_by_its_code(client_as, demo, hub):
    lot = hub.demo_lot("LT-SR-W")
    [(code, quantity)] = hub.placed(lot).items()

    response = client_as(demo.user("official")).get(f"{API}/lots", {"code": lot.code.lower()})

    assert response.status_code == 200
    [found] = response.json()
    assert found["code"] == lot.code
    assert (found["unit"], found["on_hand"], found["not_yet_put_away"]) == ("g", quantity, 0)
    assert found["placements"] == [
        {
            "location_code": code,
            "zone_code": "C",
            "temperature_class": "chilled",
            "quantity": quantity,
        }
    ]


def test_put_away_is_recorded_once_per_key(client_as, demo, hub):
    lot = hub.new_lot("LT-YY-6", 8)
    client = client_as(demo.user("operator"))
    body = {"location_code": "f-01", "quantity": 8}

    first = post(client, f"/lots/{lot.pk}/put-away", body, key="scan-put-0001")
    again = post(client, f"/lots/{lot.pk}/put-away", body, key="scan-put-0001")
    other = post(client, f"/lots/{lot.pk}/put-away", body | {"quantity": 1}, key="scan-put-0001")

    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert again.json() == first.json() | {"created": False}
    assert other.status_code == 409
    assert first.json()["to_location"] == "F-01"
    assert hub.placed(lot) == {"F-01": 8}


def test_put_away_needs_an_idempotency_key(client_as, demo, hub):
    lot = hub.new_lot("LT-YY-6", 8)

    response = post(
        client_as(demo.user("operator")),
        f"/lots/{lot.pk}/put-away",
        {"location_code": "F-01", "quantity": 8},
    )

    assert response.status_code == 422
    assert hub.placed(lot) == {}


def test_put_away_too_warm_is_a_422_naming_both_classes(client_as, demo, hub):
    lot = hub.new_lot("LT-SRF-500", 3)

    response = post(
        client_as(demo.user("operator")),
        f"/lots/{lot.pk}/put-away",
        {"location_code": "C-01", "quantity": 3},
        key="scan-put-0002",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "too_warm"
    assert "frozen" in response.json()["detail"] and "chilled" in response.json()["detail"]
    assert hub.placed(lot) == {}


def test_move_and_pick_through_the_api(client_as, demo, hub, order_factory):
    lot = hub.new_lot("LT-ZC-500", 10)
    client = client_as(demo.user("operator"))
    post(
        client,
        f"/lots/{lot.pk}/put-away",
        {"location_code": "A-01", "quantity": 10},
        key="k-put-0003",
    )

    moved = post(
        client,
        f"/lots/{lot.pk}/move",
        {"from_location_code": "A-01", "to_location_code": "A-02", "quantity": 4},
        key="k-move-0001",
    )
    order = order_factory.paid((("LT-ZC-500", 2),))
    picked = post(
        client,
        f"/lots/{lot.pk}/pick",
        {"location_code": "A-02", "quantity": 2, "order_number": order.number},
        key="k-pick-0001",
    )

    assert (moved.status_code, picked.status_code) == (201, 201)
    assert picked.json()["order_number"] == order.number
    assert hub.placed(lot) == {"A-01": 6, "A-02": 2}
    assert LotMovement.objects.filter(lot=lot).count() == 3


@pytest.mark.parametrize("who", ["dispatcher", "official"])
def test_readers_of_the_hub_cannot_move_goods(client_as, demo, hub, who):
    lot = hub.new_lot("LT-ZC-500", 2)

    response = post(
        client_as(demo.user(who)),
        f"/lots/{lot.pk}/put-away",
        {"location_code": "A-01", "quantity": 2},
        key="k-put-0004",
    )

    assert response.status_code == 403
    assert hub.placed(lot) == {}


@pytest.mark.parametrize("who", ["buyer", "agent", "driver"])
def test_people_outside_the_hub_cannot_read_it(client_as, demo, who):
    assert client_as(demo.user(who)).get(f"{API}/zones").status_code == 403


def test_anonymous_callers_are_unauthorised(client_as, demo):
    assert client_as(None).get(f"{API}/zones").status_code == 401


def test_another_countys_lot_is_not_found(client_as, hub, other_county):
    lot = hub.demo_lot("LT-ZC-500")

    client = client_as(other_county.operator)

    assert client.get(f"{API}/lots/{lot.pk}").status_code == 404
    assert client.get(f"{API}/lots", {"code": lot.code}).json() == []
    moved = post(
        client,
        f"/lots/{lot.pk}/put-away",
        {"location_code": "A-01", "quantity": 1},
        key="k-put-0005",
    )
    assert moved.status_code == 404


def test_receive_a_parcel_through_the_api(client_as, demo, parcel_factory):
    parcel = parcel_factory.collection("LT-S01-V02", temperature_class="frozen")

    response = post(
        client_as(demo.user("operator")),
        f"/parcels/{parcel.sscc}/receive",
        {"location_code": "F-02"},
        key="dev-recv-0001",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["received"]["kind"], body["put_away"]["location_code"]) == (
        "put_away",
        "received_at_hub",
        "F-02",
    )


def test_a_bad_sscc_check_digit_is_refused(client_as, demo, parcel_factory):
    parcel = parcel_factory.collection()
    wrong = parcel.sscc[:-1] + str((int(parcel.sscc[-1]) + 1) % 10)

    response = post(
        client_as(demo.user("operator")), f"/parcels/{wrong}/receive", {}, key="dev-recv-0002"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "bad_sscc"


def test_goods_received_through_the_api(client_as, demo, hub):
    response = post(
        client_as(demo.user("operator")),
        "/goods",
        {
            "sku_code": "LT-YJ-100",
            "quantity": 30,
            "location_code": "A-05",
            "best_before": "2027-06-30",
        },
        key="goods-key-0001",
    )

    assert response.status_code == 201, response.content
    assert response.json()["to_location"] == "A-05"


def test_ship_and_totes_through_the_api(client_as, demo, order_factory, parcel_factory):
    client = client_as(demo.user("operator"))
    address_order = order_factory.paid((("LT-ZC-500", 1),))
    order_services.pack_order(address_order, {}, actor=demo.user("seller"))
    pickup_order = parcel_factory.packed_order("LT-S01-V01")

    shipped = post(
        client,
        f"/orders/{address_order.pk}/ship",
        {"carrier": "ems", "tracking_number": "EA123456789CN"},
    )
    waiting = client.get(f"{API}/totes/waiting").json()
    totes = post(client, "/totes", {"point_code": "LT-S01-V01"})

    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["carrier_tracking_number"] == "EA123456789CN"
    assert Order.objects.get(pk=address_order.pk).status == "shipped"
    assert waiting == [
        {
            "point_code": "LT-S01-V01",
            "point_name": demo.point("LT-S01-V01").name_en,
            "waiting_by_class": {},
            "orders_without_parcel": 1,
            "open_totes": [],
        }
    ]
    assert totes.status_code == 200, totes.content
    tote = Parcel.objects.get(kind=ParcelKind.TOTE)
    assert totes.json()["totes"] == [
        {
            "sscc": tote.sscc,
            "point_code": "LT-S01-V01",
            "temperature_class": "ambient",
            "weight_g": 520,
            "added": [Parcel.objects.get(order=pickup_order).sscc],
        }
    ]


def test_the_zones_endpoint_keeps_its_query_budget(client_as, demo, hub):
    client = client_as(demo.user("operator"))
    client.get(f"{API}/zones")
    with CaptureQueriesContext(connection) as before:
        client.get(f"{API}/zones")
    for code in ("A-02", "C-03"):
        lot = hub.new_lot("LT-ZC-500", 2)
        from highland.logistics.services.hub import put_away

        put_away(lot, location=hub.location(code), quantity=2, actor=hub.operator)
    with CaptureQueriesContext(connection) as after:
        client.get(f"{API}/zones")

    assert len(after) == len(before)
