"""Text messages of orders: receipts for assisted orders, warnings before a hold runs out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from highland.catalog.models import Sku
from highland.messaging.models import TextMessage
from highland.orders import services, texts
from highland.orders.models import Order
from highland.orders.services import CheckoutLine, DeliveryDetails
from highland.testing import OrderFactory


def _assisted_order(shop: Any, villager: Any) -> Any:
    return services.place_order(
        shop.demo.county,
        [CheckoutLine(Sku.objects.get(code="LT-ZC-500").pk, 2)],
        buyer=villager,
        actor=shop.demo.user("village_agent"),
        delivery=DeliveryDetails(
            method="pickup", recipient_name="Dolma", pickup_point=shop.demo.point("LT-S01-V01")
        ),
        payment_method="cash_at_point",
    )


@pytest.mark.django_db
def test_an_assisted_order_texts_the_villager_a_receipt(shop: Any) -> None:
    villager = shop.villager("dolma")
    villager.phone = "13912345678"
    villager.preferred_language = "en"
    villager.save(update_fields=["phone", "preferred_language"])

    result = _assisted_order(shop, villager)

    order = Order.objects.get(pk=result.orders[0].pk)
    message = TextMessage.objects.get(dedupe_key=f"orders.receipt:{order.number}")
    until = timezone.localtime(order.reserved_until).strftime("%m-%d %H:%M")
    point = shop.demo.point("LT-S01-V01").name_en
    lines = texts._short_lines(order)
    assert message.body == (
        f"Highland order {order.number}: {lines}. Total ¥100.00. Pick it up at {point} "
        f"with pickup code {order.pickup_code}. The goods are held until {until}."
    )
    assert message.phone == "13912345678"
    assert message.recipient == villager
    assert message.sender == shop.demo.user("village_agent")


@pytest.mark.django_db
def test_no_receipt_without_a_phone_or_when_buyers_order_themselves(shop: Any) -> None:
    _assisted_order(shop, shop.villager("dolma"))  # no phone
    OrderFactory(shop.demo).place()  # the buyer ordered alone

    assert not TextMessage.objects.filter(kind__startswith="orders.receipt").exists()


@pytest.mark.django_db
def test_one_expiry_warning_per_payment_before_the_hold_ends(shop: Any, settings: Any) -> None:
    settings.ORDER_EXPIRY_WARNING_HOURS = 3
    result = OrderFactory(shop.demo).place()  # bank transfer: held 48 hours
    order = result.orders[0]

    too_early = texts.warn_of_expiring_orders(now=order.reserved_until - dt.timedelta(hours=4))
    due = order.reserved_until - dt.timedelta(hours=2)
    warned = texts.warn_of_expiring_orders(now=due)
    again = texts.warn_of_expiring_orders(now=due + dt.timedelta(minutes=15))

    assert (too_early, warned, again) == (0, 1, 0)
    message = TextMessage.objects.get(kind=texts.EXPIRY_WARNING)
    assert message.phone == "13800000013"
    assert message.dedupe_key == f"orders.expiry_warning:{result.payment.out_trade_no}"
    assert order.number in message.body
    assert "¥" in message.body


@pytest.mark.django_db
def test_no_warning_for_a_paid_order(shop: Any) -> None:
    order = OrderFactory(shop.demo).paid()

    assert texts.warn_of_expiring_orders(now=order.reserved_until - dt.timedelta(hours=1)) == 0
