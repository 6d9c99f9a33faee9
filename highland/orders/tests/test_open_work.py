"""A point with open work (cash to collect, parcels to hand over, a group buy running)
stays in service, and an inactive point takes no cash and hands out no parcels."""

from __future__ import annotations

from typing import Any

import pytest

from highland.core.errors import ValidationFailed
from highland.core.models import AuditRecord
from highland.ledger.models import Entry
from highland.network import services as network_services
from highland.network.models import ServicePoint
from highland.orders import groupbuys, services
from highland.orders.models import Order, OrderStatus
from highland.orders.services import CheckoutLine, DeliveryDetails
from highland.orders.tests.test_groupbuys import open_window
from highland.payments.models import PaymentStatus

POINT = "LT-S01-V01"


def cash_order(shop, point_code: str = POINT):
    agent, villager = shop.demo.user("village_agent"), shop.demo.user("member")
    return services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-CD-20K").pk, 1)],
        buyer=villager,
        actor=agent,
        delivery=DeliveryDetails(
            method="pickup", recipient_name="格桑", pickup_point=shop.demo.point(point_code)
        ),
        payment_method="cash_at_point",
    )


def deactivate(shop, point_code: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refusal:
        network_services.deactivate_service_point(
            shop.demo.point(point_code), actor=shop.demo.user("operator")
        )
    return refusal.value


def unchanged(shop) -> tuple[Any, ...]:
    return (
        sorted(ServicePoint.objects.values_list("code", "active")),
        AuditRecord.objects.count(),
        Entry.objects.count(),
        sorted(Order.objects.values_list("number", "status")),
    )


def test_a_point_with_cash_to_collect_stays_in_service(shop):
    cash_order(shop)
    before = unchanged(shop)

    refusal = deactivate(shop, POINT)

    assert refusal.code == "open_work"
    assert refusal.message == (
        "This point still has open work: 1 cash payment is still to be collected here."
    )
    assert unchanged(shop) == before


def test_a_point_with_parcels_waiting_stays_in_service(shop):
    result = cash_order(shop)
    agent, seller = shop.demo.user("village_agent"), shop.demo.user("seller")
    services.collect_cash(result.payment, agent=agent, point=shop.demo.point(POINT))
    services.pack_order(result.orders[0], {}, actor=seller)
    services.advance_order(result.orders[0], OrderStatus.SHIPPED, actor=seller)
    before = unchanged(shop)

    refusal = deactivate(shop, POINT)

    assert refusal.message == (
        "This point still has open work: 1 order is still to be picked up here."
    )
    assert unchanged(shop) == before

    # once the villager has collected it, the point may close
    services.record_pickup(result.orders[0], agent=agent, pickup_code=result.orders[0].pickup_code)
    network_services.deactivate_service_point(
        shop.demo.point(POINT), actor=shop.demo.user("operator")
    )
    assert not shop.demo.point(POINT).active


def test_a_village_point_of_a_running_group_buy_stays_in_service(shop):
    group_buy = open_window(shop)
    point_code = "LT-S01-V02"
    assert group_buy.points.filter(code=point_code).exists()
    before = unchanged(shop)

    refusal = deactivate(shop, point_code)

    assert refusal.message == (
        "This point still has open work: 1 group buy run here is not finished yet."
    )
    assert unchanged(shop) == before

    groupbuys.cancel_group_buy(group_buy, actor=shop.demo.user("agent"), reason="no stock")
    network_services.deactivate_service_point(
        shop.demo.point(point_code), actor=shop.demo.user("operator")
    )
    assert not shop.demo.point(point_code).active


def test_an_inactive_point_takes_no_cash_and_hands_out_no_parcel(shop):
    # given orders waiting at a point switched off before these checks existed
    unpaid = cash_order(shop)
    paid = cash_order(shop)
    agent, seller = shop.demo.user("village_agent"), shop.demo.user("seller")
    services.collect_cash(paid.payment, agent=agent, point=shop.demo.point(POINT))
    services.pack_order(paid.orders[0], {}, actor=seller)
    services.advance_order(paid.orders[0], OrderStatus.SHIPPED, actor=seller)
    ServicePoint.objects.filter(code=POINT).update(active=False)
    before = unchanged(shop)

    with pytest.raises(ValidationFailed) as cash:
        services.collect_cash(unpaid.payment, agent=agent, point=shop.demo.point(POINT))
    with pytest.raises(ValidationFailed) as parcel:
        services.record_pickup(paid.orders[0], agent=agent, pickup_code=paid.orders[0].pickup_code)

    assert (cash.value.code, parcel.value.code) == ("point_inactive", "point_inactive")
    assert unchanged(shop) == before
    unpaid.payment.refresh_from_db()
    assert unpaid.payment.status == PaymentStatus.PENDING
