"""The hub's layout: zones and locations added, closed and opened through audited
services; a place holding goods is not closed; inbound goods and parcels put away."""

from __future__ import annotations

import pytest
from django.utils import timezone

from highland.catalog.models import StockLot
from highland.core.errors import Conflict, PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.logistics.models import HubLocation, HubZone, TrackingEvent
from highland.logistics.services.hub import (
    add_location,
    add_zone,
    deactivate_location,
    deactivate_zone,
    reactivate_location,
    reactivate_zone,
    receive_goods_at_hub,
    receive_parcel_at_hub,
)
from highland.orders.stock_invariants import verify_stock


def test_the_centre_adds_a_zone_and_its_locations(demo):
    operator = demo.user("operator")

    zone = add_zone(
        demo.county,
        code="f2",
        temperature_class="frozen",
        name_zh="二号冷冻库",
        name_bo="འཁྱགས་ཉར་ཁང་གཉིས་པ།",
        name_en="Freezer 2",
        actor=operator,
    )
    location = add_location(zone, code="f2-01", actor=operator)

    assert (zone.code, zone.temperature_class, zone.active) == ("F2", "frozen", True)
    assert (location.code, location.zone, location.county) == ("F2-01", zone, demo.county)
    assert AuditRecord.objects.get(action="logistics.zone.added").changes == {
        "code": "F2",
        "temperature_class": "frozen",
        "name_zh": "二号冷冻库",
        "name_bo": "འཁྱགས་ཉར་ཁང་གཉིས་པ།",
        "name_en": "Freezer 2",
    }
    assert AuditRecord.objects.get(action="logistics.location.added").changes == {
        "code": "F2-01",
        "zone": "F2",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "A"}, "code"),
        ({"code": "冷冻"}, "code"),
        ({"temperature_class": "warm"}, "temperature_class"),
        ({"name_zh": " "}, "name_zh"),
    ],
)
def test_a_bad_zone_is_refused_and_nothing_is_stored(demo, changes, field):
    given = {"code": "Z", "temperature_class": "chilled", "name_zh": "新区", **changes}

    with pytest.raises(ValidationFailed) as refused:
        add_zone(demo.county, actor=demo.user("operator"), **given)

    assert field in refused.value.errors
    assert HubZone.objects.filter(county=demo.county).count() == 3


def test_a_location_code_is_unique_in_the_county(demo):
    zone = HubZone.objects.get(county=demo.county, code="C")

    with pytest.raises(ValidationFailed) as refused:
        add_location(zone, code="c-01", actor=demo.user("operator"))

    assert refused.value.message == "Location C-01 already exists."
    assert HubLocation.objects.filter(county=demo.county, code="C-01").count() == 1


@pytest.mark.parametrize("who", ["dispatcher", "official", "agent", "buyer"])
def test_only_the_centre_changes_the_hub(demo, who):
    with pytest.raises(PermissionDenied):
        add_zone(
            demo.county,
            code="X",
            temperature_class="ambient",
            name_zh="杂物区",
            actor=demo.user(who),
        )
    assert not HubZone.objects.filter(code="X").exists()


def test_an_operator_of_another_county_cannot_add_to_ours(demo, other_county):
    zone = HubZone.objects.get(county=demo.county, code="A")

    with pytest.raises(PermissionDenied):
        add_location(zone, code="A-99", actor=other_county.operator)

    assert not HubLocation.objects.filter(code="A-99").exists()


def test_a_location_holding_goods_is_not_closed(demo, hub):
    lot = hub.demo_lot("LT-SRF-500")
    [(code, _quantity)] = hub.placed(lot).items()
    location = hub.location(code)

    with pytest.raises(Conflict) as refused:
        deactivate_location(location, actor=demo.user("operator"))

    assert refused.value.message == f"Location {code} still holds goods; move them out first."
    location.refresh_from_db()
    assert location.active


def test_closing_a_zone_closes_its_empty_locations_and_refuses_put_away(demo, hub):
    operator = demo.user("operator")
    zone = add_zone(
        demo.county, code="Q", temperature_class="chilled", name_zh="检疫区", actor=operator
    )
    for code in ("Q-01", "Q-02"):
        add_location(zone, code=code, actor=operator)

    deactivate_zone(zone, actor=operator)

    assert list(
        HubLocation.objects.filter(zone=zone).order_by("code").values_list("code", "active")
    ) == [("Q-01", False), ("Q-02", False)]
    lot = hub.new_lot("LT-YY-6", 2)
    from highland.logistics.services.hub import put_away

    with pytest.raises(ValidationFailed) as refused:
        put_away(lot, location=hub.location("Q-01"), quantity=2, actor=operator)
    assert refused.value.code == "location_closed"

    reactivate_zone(zone, actor=operator)
    reactivate_location(hub.location("Q-01"), actor=operator)
    put_away(lot, location=hub.location("Q-01"), quantity=2, actor=operator)
    assert hub.placed(lot) == {"Q-01": 2}


def test_a_zone_holding_goods_is_not_closed(demo):
    zone = HubZone.objects.get(county=demo.county, code="F")

    with pytest.raises(Conflict) as refused:
        deactivate_zone(zone, actor=demo.user("operator"))

    assert refused.value.message == "Zone F still holds goods at F-01; move them out first."
    zone.refresh_from_db()
    assert zone.active
    assert HubLocation.objects.filter(zone=zone, active=False).count() == 0


def test_a_sellers_goods_are_received_into_a_lot_and_put_away(demo, hub):
    from highland.catalog.models import Sku

    sku = Sku.objects.get(code="LT-SR-W")
    stock_before = sku.stock

    moved = receive_goods_at_hub(
        sku, quantity=3000, location=hub.location("F-04"), actor=hub.operator
    )

    lot = moved.movement.lot
    assert (lot.on_hand, lot.origin) == (3000, "seller")
    assert hub.placed(lot) == {"F-04": 3000}
    sku.refresh_from_db()
    assert sku.stock == stock_before + 3000
    assert verify_stock(demo.county) == []


def test_goods_received_for_a_location_too_warm_are_not_received_at_all(demo, hub):
    from highland.catalog.models import Sku

    sku = Sku.objects.get(code="LT-SRF-500")
    lots_before = StockLot.objects.filter(sku=sku).count()

    with pytest.raises(ValidationFailed) as refused:
        receive_goods_at_hub(sku, quantity=10, location=hub.location("C-04"), actor=hub.operator)

    assert refused.value.code == "too_warm"
    assert StockLot.objects.filter(sku=sku).count() == lots_before
    sku.refresh_from_db()
    assert sku.stock == 25


def test_a_collection_is_received_and_put_away_once(demo, hub, parcel_factory):
    parcel = parcel_factory.collection("LT-S01-V02", weight_g=12_000, temperature_class="chilled")
    when = timezone.now()

    first = receive_parcel_at_hub(
        parcel,
        idempotency_key="hub-recv-0001",
        location=hub.location("C-02"),
        actor=hub.operator,
        occurred_at=when,
    )
    again = receive_parcel_at_hub(
        parcel,
        idempotency_key="hub-recv-0001",
        location=hub.location("C-02"),
        actor=hub.operator,
        occurred_at=when,
    )

    assert (first.received.created, first.put_away.created) == (True, True)
    assert (again.received.created, again.put_away.created) == (False, False)
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 2
    parcel.refresh_from_db()
    assert parcel.status == "put_away"


def test_a_chilled_collection_is_not_put_away_in_the_ambient_zone(demo, hub, parcel_factory):
    parcel = parcel_factory.collection("LT-S01-V02", temperature_class="chilled")

    with pytest.raises(ValidationFailed) as refused:
        receive_parcel_at_hub(
            parcel,
            idempotency_key="hub-recv-0002",
            location=hub.location("A-01"),
            actor=hub.operator,
        )

    assert refused.value.message == (
        f"Parcel {parcel.sscc} is chilled and location A-01 is in zone A, which is ambient: "
        "too warm for it. Choose a colder location."
    )
    assert not TrackingEvent.objects.filter(parcel=parcel).exists()


def test_a_location_holding_a_parcel_is_not_closed(demo, hub, parcel_factory):
    # Given a new, empty location with a collection put away there
    zone = HubZone.objects.get(county=demo.county, code="A")
    add_location(zone, code="A-07", actor=hub.operator)
    parcel = parcel_factory.collection("LT-S01-V02")
    receive_parcel_at_hub(
        parcel, idempotency_key="hub-recv-0003", location=hub.location("A-07"), actor=hub.operator
    )

    # When the operator tries to close it
    with pytest.raises(Conflict) as refused:
        deactivate_location(hub.location("A-07"), actor=hub.operator)

    # Then it is refused until the parcel has left
    assert refused.value.message == "Location A-07 still holds goods; move them out first."
    assert hub.location("A-07").active
