"""Tracking events move orders through the order services: shipped when loaded or handed
to a bus, delivered when picked up; forward only, once, in whatever order events arrive;
a tote's events reach the orders inside it; the buyer hears when their parcel arrives."""

from __future__ import annotations

import pytest

from highland.core.errors import ValidationFailed
from highland.core.models import AuditRecord
from highland.logistics.models import Parcel, ParcelKind, TrackingEvent
from highland.logistics.services.parcels import create_parcel
from highland.logistics.tests.tracking_helpers import (
    bus,
    jpeg_upload,
    minutes_ago,
    record,
    van,
)
from highland.logistics.tracking_texts import PARCEL_ARRIVED
from highland.messaging.models import TextMessage
from highland.orders.models import Order
from highland.orders.services import cancel_order

ZHAGA = "LT-S01-V01"


def order_of(parcel: Parcel) -> Order:
    return Order.objects.get(pk=parcel.order_id)


def test_loading_ships_the_order_with_the_countys_own_delivery(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    recorded = record(parcel, "loaded", demo.user("driver"), vehicle=van(demo))
    order = order_of(parcel)
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "county", "")
    assert order.shipped_at is not None
    assert recorded.event.order_status == "shipped"
    assert recorded.event.order_held_code == ""
    shipped = AuditRecord.objects.get(action="orders.order.shipped", object_id=str(order.pk))
    assert shipped.actor == demo.user("driver")


def test_handed_to_a_bus_ships_the_order(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    record(parcel, "handed_to_bus", demo.user("driver"), bus_line=bus(demo))
    assert order_of(parcel).status == "shipped"


def test_a_second_loading_does_not_ship_twice(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    record(parcel, "loaded", demo.user("driver"), vehicle=van(demo), at=minutes_ago(10))
    record(parcel, "loaded", demo.user("driver"), vehicle=van(demo), at=minutes_ago(5))
    shipped = AuditRecord.objects.filter(
        action="orders.order.shipped", object_id=str(parcel.order_id)
    )
    assert shipped.count() == 1


def test_picked_up_with_the_code_delivers_the_order(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    record(parcel, "loaded", demo.user("driver"), vehicle=van(demo), at=minutes_ago(10))
    code = order_of(parcel).pickup_code
    recorded = record(
        parcel, "picked_up", demo.user("village_agent"), point=demo.point(ZHAGA), pickup_code=code
    )
    order = order_of(parcel)
    assert order.status == "delivered"
    assert order.picked_up_at is not None
    assert recorded.event.pickup_code_checked is True
    assert recorded.event.order_status == "delivered"
    assert Parcel.objects.get(pk=parcel.pk).status == "picked_up"


def test_a_wrong_pickup_code_is_refused_and_nothing_changes(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    record(parcel, "loaded", demo.user("driver"), vehicle=van(demo), at=minutes_ago(10))
    right = order_of(parcel).pickup_code
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(ValidationFailed) as refused:
        record(
            parcel,
            "picked_up",
            demo.user("village_agent"),
            point=demo.point(ZHAGA),
            pickup_code=wrong,
        )
    assert (refused.value.code, refused.value.field) == ("wrong_pickup_code", "pickup_code")
    assert order_of(parcel).status == "shipped"
    assert Parcel.objects.get(pk=parcel.pk).status == "loaded"
    assert TrackingEvent.objects.filter(parcel=parcel).count() == 1


def test_the_agents_confirmation_with_a_photo_delivers_the_order(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    record(parcel, "loaded", demo.user("driver"), vehicle=van(demo), at=minutes_ago(10))
    recorded = record(
        parcel,
        "picked_up",
        demo.user("village_agent"),
        point=demo.point(ZHAGA),
        photo=jpeg_upload(),
    )
    assert order_of(parcel).status == "delivered"
    assert recorded.event.pickup_code_checked is False
    assert recorded.event.photo.name.endswith(".webp")


def test_picked_up_arriving_before_loaded_ships_then_delivers(demo, parcel_factory) -> None:
    # given the agent's phone uploads first, the driver's (an hour earlier) later
    parcel = parcel_factory.order_parcel()
    code = order_of(parcel).pickup_code
    record(
        parcel,
        "picked_up",
        demo.user("village_agent"),
        point=demo.point(ZHAGA),
        pickup_code=code,
        at=minutes_ago(2),
    )
    assert order_of(parcel).status == "delivered"
    late = record(parcel, "loaded", demo.user("driver"), vehicle=van(demo), at=minutes_ago(20))
    # then the order is delivered, shipped once, and the parcel stays picked up
    order = order_of(parcel)
    assert order.status == "delivered"
    assert (
        AuditRecord.objects.filter(action="orders.order.shipped", object_id=str(order.pk)).count()
        == 1
    )
    assert late.event.order_status == "delivered" and late.event.order_held_code == ""
    assert Parcel.objects.get(pk=parcel.pk).status == "picked_up"


def test_a_cancelled_orders_event_is_kept_and_says_why_the_order_did_not_move(
    demo, parcel_factory
) -> None:
    parcel = parcel_factory.order_parcel()
    cancel_order(order_of(parcel), actor=demo.user("operator"), reason="买家取消")
    recorded = record(parcel, "loaded", demo.user("driver"), vehicle=van(demo))
    assert recorded.created
    assert order_of(parcel).status == "cancelled"
    assert recorded.event.order_status == "cancelled"
    assert recorded.event.order_held_code == "bad_transition"
    assert "cannot become" in recorded.event.order_held_detail
    assert Parcel.objects.get(pk=parcel.pk).status == "loaded"
    audit = AuditRecord.objects.get(action="logistics.parcel.event_recorded")
    assert audit.changes["order_held"] == "bad_transition"


def test_a_driver_confirming_a_pickup_by_photo_records_it_but_cannot_deliver(
    demo, parcel_factory
) -> None:
    parcel = parcel_factory.order_parcel()
    recorded = record(
        parcel, "picked_up", demo.user("driver"), point=demo.point(ZHAGA), photo=jpeg_upload()
    )
    # the driver may ship (county delivery) but delivering is the point's agent's to confirm
    assert order_of(parcel).status == "shipped"
    assert recorded.event.order_held_code == "permission_denied"


def test_a_collection_has_no_order_to_move(demo, parcel_factory) -> None:
    parcel = parcel_factory.collection()
    recorded = record(parcel, "loaded", demo.user("driver"), vehicle=van(demo))
    assert recorded.event.order_status == ""


# --- totes ----------------------------------------------------------------------------------


def _tote_with(demo, parcels: list[Parcel]) -> Parcel:
    tote = create_parcel(
        demo.county,
        kind=ParcelKind.TOTE,
        destination_point=demo.point(ZHAGA),
        weight_g=sum(parcel.weight_g for parcel in parcels) + 500,
        temperature_class="ambient",
        actor=demo.user("operator"),
    )
    Parcel.objects.filter(pk__in=[parcel.pk for parcel in parcels]).update(tote=tote)
    return tote


def test_a_totes_loading_is_recorded_for_the_parcels_inside(demo, parcel_factory) -> None:
    inside = [parcel_factory.order_parcel(), parcel_factory.order_parcel()]
    tote = _tote_with(demo, inside)
    recorded = record(tote, "loaded", demo.user("driver"), vehicle=van(demo), key="van-1:000042")
    # then each parcel inside has its own event, tied to the tote's, and its order shipped
    for parcel in inside:
        event = TrackingEvent.objects.get(parcel=parcel)
        assert (event.kind, event.via_tote_event_id) == ("loaded", recorded.event.pk)
        assert event.occurred_at == recorded.event.occurred_at
        assert event.vehicle == van(demo)
        assert Parcel.objects.get(pk=parcel.pk).status == "loaded"
        assert order_of(parcel).status == "shipped"
    audits = AuditRecord.objects.filter(action="logistics.parcel.event_recorded")
    assert audits.count() == 1
    assert sorted(audits.get().changes["contents"]) == sorted(p.sscc for p in inside)


def test_a_retried_tote_event_records_nothing_twice(demo, parcel_factory) -> None:
    inside = [parcel_factory.order_parcel(), parcel_factory.order_parcel()]
    tote = _tote_with(demo, inside)
    when = minutes_ago(3)
    record(tote, "loaded", demo.user("driver"), vehicle=van(demo), key="van-1:000042", at=when)
    again = record(
        tote, "loaded", demo.user("driver"), vehicle=van(demo), key="van-1:000042", at=when
    )
    assert again.created is False
    assert TrackingEvent.objects.count() == 3


def test_a_tote_arriving_tells_each_buyer_once(demo, parcel_factory) -> None:
    inside = [parcel_factory.order_parcel(), parcel_factory.order_parcel()]
    tote = _tote_with(demo, inside)
    agent = demo.user("village_agent")
    record(tote, "arrived_at_point", agent, point=demo.point(ZHAGA), at=minutes_ago(5))
    record(tote, "arrived_at_point", agent, point=demo.point(ZHAGA), at=minutes_ago(4))
    texts = TextMessage.objects.filter(kind=PARCEL_ARRIVED).order_by("pk")
    assert texts.count() == 2
    first = order_of(inside[0])
    assert first.number in texts[0].body and first.pickup_code in texts[0].body
    assert "扎嘎村" in texts[0].body or "Zhaga" in texts[0].body


def test_no_arrival_text_after_the_pickup(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    code = order_of(parcel).pickup_code
    agent = demo.user("village_agent")
    record(parcel, "picked_up", agent, point=demo.point(ZHAGA), pickup_code=code, at=minutes_ago(2))
    record(parcel, "arrived_at_point", agent, point=demo.point(ZHAGA), at=minutes_ago(10))
    assert not TextMessage.objects.filter(kind=PARCEL_ARRIVED).exists()


def test_the_arrival_text_is_in_the_buyers_language_and_names_the_point(
    demo, parcel_factory
) -> None:
    parcel = parcel_factory.order_parcel()
    order = order_of(parcel)
    order.buyer.preferred_language = "zh-hans"
    order.buyer.save(update_fields=["preferred_language"])
    record(parcel, "arrived_at_point", demo.user("village_agent"), point=demo.point(ZHAGA))
    text = TextMessage.objects.get(kind=PARCEL_ARRIVED)
    assert "扎嘎村" in text.body
    assert order.pickup_code in text.body
    assert text.params == {}  # confidential: the code is not kept beside the message


# --- the order service tracking uses ---------------------------------------------------------


def test_the_countys_own_delivery_ships_pickup_orders_only_for_those_who_carry_them(
    demo, parcel_factory, order_factory
) -> None:
    from highland.core.errors import PermissionDenied
    from highland.orders.fulfilment import ship_with_county_delivery
    from highland.orders.services import pack_order

    pickup = order_of(parcel_factory.order_parcel())
    for outsider in ("buyer", "seller"):
        with pytest.raises(PermissionDenied):
            ship_with_county_delivery(pickup, actor=demo.user(outsider))
    assert order_of(parcel_factory.order_parcel()).status == "packed"
    shipped = ship_with_county_delivery(pickup, actor=demo.user("driver"))
    assert (shipped.status, shipped.carrier) == ("shipped", "county")
    to_chengdu = order_factory.paid()
    pack_order(to_chengdu, {}, actor=demo.user("seller"))
    with pytest.raises(ValidationFailed) as refused:
        ship_with_county_delivery(to_chengdu, actor=demo.user("operator"))
    assert refused.value.code == "not_pickup"
    assert Order.objects.get(pk=to_chengdu.pk).status == "packed"


def test_an_address_orders_parcel_is_tracked_without_shipping_its_order(
    demo, order_factory
) -> None:
    from highland.orders.services import pack_order

    to_chengdu = order_factory.paid()
    pack_order(to_chengdu, {}, actor=demo.user("seller"))
    parcel = create_parcel(
        demo.county,
        kind=ParcelKind.ORDER,
        order_id=to_chengdu.pk,
        weight_g=600,
        temperature_class="ambient",
        actor=demo.user("operator"),
    )
    recorded = record(parcel, "loaded", demo.user("driver"), vehicle=van(demo))
    assert recorded.event.order_held_code == "address_order"
    assert Order.objects.get(pk=to_chengdu.pk).status == "packed"
