"""Outbound: an order's parcel made from what was packed, orders handed to national
carriers, and pickup orders consolidated into one tote per point and temperature class."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.logistics.models import Parcel, ParcelKind, TrackingEvent, Vehicle
from highland.logistics.services.hub import create_order_parcel, make_totes, ship_by_carrier
from highland.logistics.services.tracking import record_tracking_event
from highland.orders import services as order_services
from highland.orders.models import Carrier, Order, OrderStatus


def _packed_for_address(order_factory, demo, lines):
    order = order_factory.paid(lines)
    order_services.pack_order(order, {}, actor=demo.user("seller"))
    return Order.objects.get(pk=order.pk)


def test_an_order_parcel_weighs_its_goods_and_takes_the_coldest_class(parcel_factory, demo):
    order = parcel_factory.packed_order("LT-S01-V01", lines=(("LT-SRF-500", 1), ("LT-ZC-500", 2)))

    parcel = create_order_parcel(order, actor=demo.user("operator"))

    assert parcel.kind == ParcelKind.ORDER
    assert parcel.weight_g == 650 + 2 * 520
    assert parcel.temperature_class == "frozen"
    assert parcel.destination_point.code == "LT-S01-V01"
    # Asked again, the order keeps its one parcel
    assert create_order_parcel(order, actor=demo.user("operator")) == parcel
    assert Parcel.objects.filter(order=order).count() == 1


def test_an_order_sold_by_weight_weighs_its_packed_grams(parcel_factory, demo):
    order = parcel_factory.packed_order("LT-S01-V02", lines=(("LT-SR-W", 750),))

    parcel = create_order_parcel(order, actor=demo.user("operator"))

    assert (parcel.weight_g, parcel.temperature_class) == (750, "chilled")


def test_an_unpacked_order_has_no_parcel(order_factory, demo):
    order = order_factory.paid()

    with pytest.raises(ValidationFailed) as refused:
        create_order_parcel(order, actor=demo.user("operator"))

    assert refused.value.code == "order_not_packed"
    assert not Parcel.objects.filter(order=order).exists()


def test_orders_for_one_point_share_a_tote_other_points_and_classes_get_their_own(
    parcel_factory, demo
):
    # Given packed orders: two ambient and one chilled for V01, one ambient for V02
    first = parcel_factory.packed_order("LT-S01-V01", lines=(("LT-ZC-500", 2),))
    second = parcel_factory.packed_order("LT-S01-V01", lines=(("LT-QK-2500", 1),))
    chilled = parcel_factory.packed_order("LT-S01-V01", lines=(("LT-SR-W", 500),))
    other = parcel_factory.packed_order("LT-S01-V02", lines=(("LT-ZC-500", 1),))

    # When the hub makes totes
    run = make_totes(demo.county, actor=demo.user("operator"))

    # Then every order got its parcel, and the parcels went into three totes
    assert len(run.parcels_made) == 4
    assert len(run.totes_opened) == 3
    totes = {
        (tote.destination_point.code, tote.temperature_class): tote
        for tote in Parcel.objects.filter(kind=ParcelKind.TOTE).select_related("destination_point")
    }
    assert set(totes) == {
        ("LT-S01-V01", "ambient"),
        ("LT-S01-V01", "chilled"),
        ("LT-S01-V02", "ambient"),
    }

    def contents(key):
        return set(totes[key].contents.values_list("order_id", flat=True))

    assert contents(("LT-S01-V01", "ambient")) == {first.pk, second.pk}
    assert contents(("LT-S01-V01", "chilled")) == {chilled.pk}
    assert contents(("LT-S01-V02", "ambient")) == {other.pk}
    assert totes[("LT-S01-V01", "ambient")].weight_g == 2 * 520 + 2550
    assert totes[("LT-S01-V01", "ambient")].volume_ml == 2 * (2 * 520 + 2550)
    assert totes[("LT-S01-V01", "chilled")].weight_g == 500
    filled = AuditRecord.objects.get(
        action="logistics.tote.filled", object_id=str(totes[("LT-S01-V02", "ambient")].pk)
    )
    assert filled.changes == {
        "point": "LT-S01-V02",
        "parcels": [Parcel.objects.get(order=other).sscc],
        "weight_g": 520,
    }


def test_making_totes_again_adds_only_what_arrived_since(parcel_factory, demo):
    operator = demo.user("operator")
    parcel_factory.packed_order("LT-S01-V01", lines=(("LT-ZC-500", 1),))
    make_totes(demo.county, actor=operator)
    tote = Parcel.objects.get(kind=ParcelKind.TOTE)

    again = make_totes(demo.county, actor=operator)
    assert (again.parcels_made, again.totes_opened, again.filled) == ([], [], {})
    assert Parcel.objects.filter(kind=ParcelKind.TOTE).count() == 1

    later = parcel_factory.packed_order("LT-S01-V01", lines=(("LT-QK-2500", 1),))
    run = make_totes(demo.county, actor=operator)

    assert run.totes_opened == []
    assert run.filled == {tote.pk: [Parcel.objects.get(order=later).sscc]}
    tote.refresh_from_db()
    assert tote.contents.count() == 2
    assert tote.weight_g == 520 + 2550


def test_a_loaded_tote_takes_no_more_orders(parcel_factory, demo):
    operator = demo.user("operator")
    parcel_factory.packed_order("LT-S01-V01", lines=(("LT-ZC-500", 1),))
    make_totes(demo.county, actor=operator)
    loaded = Parcel.objects.get(kind=ParcelKind.TOTE)
    record_tracking_event(
        loaded,
        kind="loaded",
        occurred_at=timezone.now(),
        idempotency_key="van-load-0001",
        actor=operator,
        vehicle=Vehicle.objects.get(county=demo.county, plate="川R·L2760"),
    )

    parcel_factory.packed_order("LT-S01-V01", lines=(("LT-ZC-500", 1),))
    run = make_totes(demo.county, actor=operator)

    assert len(run.totes_opened) == 1
    assert run.totes_opened[0].pk != loaded.pk
    assert loaded.contents.count() == 1


def test_totes_filled_at_a_bay_record_sorted_events(parcel_factory, demo, hub):
    order = parcel_factory.packed_order("LT-S01-V03", lines=(("LT-ZC-500", 1),))
    when = timezone.now() - dt.timedelta(minutes=3)

    make_totes(
        demo.county, actor=demo.user("operator"), sorted_at=hub.location("A-06"), occurred_at=when
    )

    parcel = Parcel.objects.get(order=order)
    event = TrackingEvent.objects.get(parcel=parcel)
    assert (event.kind, event.location.code, event.occurred_at) == ("sorted", "A-06", when)
    assert event.note == f"Put in tote {parcel.tote.sscc}."
    assert parcel.status == "sorted"


def test_only_the_centre_makes_totes(parcel_factory, demo):
    parcel_factory.packed_order("LT-S01-V01")

    with pytest.raises(PermissionDenied):
        make_totes(demo.county, actor=demo.user("dispatcher"))

    assert not Parcel.objects.exists()


def test_an_address_order_goes_to_a_national_carrier_with_its_number(order_factory, demo):
    order = _packed_for_address(order_factory, demo, (("LT-QK-5000", 1),))

    parcel = ship_by_carrier(
        order, carrier=Carrier.SF, tracking_number="sf1234567890", actor=demo.user("operator")
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert (order.carrier, order.tracking_number) == (Carrier.SF, "SF1234567890")
    with translation.override("zh-hans"):
        assert parcel.carrier_name == str(Carrier.SF.label)
    assert parcel.carrier_tracking_number == "SF1234567890"
    assert (parcel.weight_g, parcel.destination_point) == (5080, None)
    assert (
        AuditRecord.objects.get(
            action="logistics.parcel.handed_to_carrier", object_id=str(parcel.pk)
        ).changes["tracking_number"]
        == "SF1234567890"
    )


def test_a_bad_tracking_number_ships_nothing(order_factory, demo):
    order = _packed_for_address(order_factory, demo, (("LT-ZC-500", 1),))

    with pytest.raises(ValidationFailed) as refused:
        ship_by_carrier(
            order, carrier=Carrier.EMS, tracking_number="12", actor=demo.user("operator")
        )

    assert "tracking_number" in refused.value.errors
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED
    assert not Parcel.objects.filter(order=order).exists()


def test_a_pickup_order_does_not_go_to_a_national_carrier(parcel_factory, demo):
    order = parcel_factory.packed_order("LT-S01-V01")

    with pytest.raises(ValidationFailed) as refused:
        ship_by_carrier(
            order, carrier=Carrier.SF, tracking_number="SF99999999", actor=demo.user("operator")
        )

    assert refused.value.code == "pickup_order"
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED
