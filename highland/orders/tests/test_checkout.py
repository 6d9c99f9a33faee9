"""Checkout: one payment, one order per seller, stock reserved atomically, never oversold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from highland.catalog.models import Sku
from highland.core.errors import NotFound, PermissionDenied, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import AuditRecord
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.orders import services
from highland.orders.models import Order, OrderLine, OrderStatus
from highland.orders.services import CheckoutLine, DeliveryDetails
from highland.payments.models import Payment, PaymentStatus
from highland.testing import run_concurrently


def state() -> tuple[Any, ...]:
    """What a checkout could change, to assert a refusal changed nothing."""
    return (
        sorted(Sku.objects.values_list("code", "stock")),
        Order.objects.count(),
        Payment.objects.count(),
        AuditRecord.objects.count(),
    )


def place(shop, lines, delivery, *, buyer=None, actor=None, method="bank_transfer", key=""):
    buyer = buyer or shop.buyer()
    checkout_lines = [CheckoutLine(shop.sku(code).pk, qty) for code, qty in lines]
    return services.place_order(
        shop.demo.county,
        checkout_lines,
        buyer=buyer,
        actor=actor or buyer,
        delivery=delivery,
        payment_method=method,
        idempotent_request=IdempotentRequest.of(
            key,
            {"lines": checkout_lines, "buyer": buyer, "delivery": delivery, "method": method},
        )
        if key
        else None,
    )


def test_two_sellers_make_one_payment_and_two_orders(shop, chengdu_address):
    jerky, matsutake = shop.sku("LT-YJ-100"), shop.sku("LT-SR-W")

    result = place(shop, [("LT-YJ-100", 3), ("LT-SR-W", 500)], chengdu_address)

    assert result.created
    assert len(result.orders) == 2
    by_seller = {order.seller_id: order for order in result.orders}
    jerky_order = by_seller[jerky.product.seller_id]
    matsutake_order = by_seller[matsutake.product.seller_id]
    assert jerky_order.items_fen == 3 * 3980
    # 500 g of fresh matsutake at ¥298.00 per 500 g, plus a 5 % weight allowance
    assert matsutake_order.items_fen == 29800
    assert matsutake_order.weight_allowance_fen == 1490
    # Sichuan, ambient 360 g -> ¥8.00; chilled 500 g -> ¥18.00
    assert jerky_order.shipping_fen == 800
    assert matsutake_order.shipping_fen == 1800
    assert (
        result.payment.amount_fen
        == sum(order.total_fen for order in result.orders)
        == 11940 + 800 + 29800 + 1490 + 1800
    )
    assert shop.sku("LT-YJ-100").stock == jerky.stock - 3
    assert shop.sku("LT-SR-W").stock == matsutake.stock - 500
    assert all(order.status == OrderStatus.PENDING_PAYMENT for order in result.orders)
    record = AuditRecord.objects.get(action="orders.checkout.placed")
    assert record.actor == shop.buyer()
    assert record.on_behalf_of is None


def test_idempotency_key_returns_the_first_checkout(shop, chengdu_address):
    first = place(shop, [("LT-YJ-100", 1)], chengdu_address, key="buy-0001")
    before = state()

    again = place(shop, [("LT-YJ-100", 1)], chengdu_address, key="buy-0001")

    assert again.created is False
    assert again.payment.pk == first.payment.pk
    assert state() == before


def test_idempotency_key_returns_the_first_checkout_after_the_stock_ran_out(shop, chengdu_address):
    # The key is looked up only when the checkout fails; a repeat that now meets an
    # empty shelf still gets its own first result, not "out of stock".
    first = place(shop, [("LT-YJ-100", 1)], chengdu_address, key="buy-0002")
    Sku.objects.filter(code="LT-YJ-100").update(stock=0)
    before = state()

    again = place(shop, [("LT-YJ-100", 1)], chengdu_address, key="buy-0002")

    assert again.created is False
    assert again.payment.pk == first.payment.pk
    assert [order.pk for order in again.orders] == [order.pk for order in first.orders]
    assert state() == before
    with pytest.raises(ValidationFailed) as refusal:
        place(shop, [("LT-YJ-100", 1)], chengdu_address, key="buy-0003")
    assert refusal.value.code == "out_of_stock"


def test_checkout_answers_with_its_lines_without_reading_them_back(shop, chengdu_address):
    result = place(shop, [("LT-YJ-100", 2), ("LT-SR-W", 500)], chengdu_address)

    with CaptureQueriesContext(connection) as queries:
        lines = [
            (line.pk, line.sku_id, line.quantity) for o in result.orders for line in o.lines.all()
        ]

    assert len(queries) == 0
    assert sorted(lines) == sorted(
        OrderLine.objects.filter(order__payment=result.payment).values_list(
            "pk", "sku_id", "quantity"
        )
    )


@pytest.mark.parametrize(
    ("lines", "error", "field"),
    [
        ([], ValidationFailed, "lines"),
        ([("LT-YJ-100", 0)], ValidationFailed, "quantity"),
        ([("LT-YJ-100", -2)], ValidationFailed, "quantity"),
        ([("LT-SR-W", 10)], ValidationFailed, "quantity"),
        ([("LT-GM-4", 1)], ValidationFailed, "quantity"),  # out of stock
        ([("LT-TK-M", 2)], ValidationFailed, "quantity"),  # only one left
    ],
)
def test_bad_lines_are_refused_and_change_nothing(shop, chengdu_address, lines, error, field):
    before = state()

    with pytest.raises(error) as refusal:
        place(shop, lines, chengdu_address)

    assert field in refusal.value.errors
    assert state() == before


def test_unknown_sku_is_not_found(shop, chengdu_address):
    before = state()

    with pytest.raises(NotFound):
        services.place_order(
            shop.demo.county,
            [CheckoutLine(999999, 1)],
            buyer=shop.buyer(),
            actor=shop.buyer(),
            delivery=chengdu_address,
            payment_method="bank_transfer",
        )

    assert state() == before


def test_sku_of_another_county_is_not_found(shop, other_county_catalogue, chengdu_address):
    foreign = other_county_catalogue
    before = state()

    with pytest.raises(NotFound):
        services.place_order(
            shop.demo.county,
            [CheckoutLine(foreign.pk, 1)],
            buyer=shop.buyer(),
            actor=shop.buyer(),
            delivery=chengdu_address,
            payment_method="bank_transfer",
        )

    assert state() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "0836-1234567"}, "phone"),
        ({"phone": "12800000000"}, "phone"),
        ({"recipient_name": " "}, "recipient_name"),
        ({"detail": ""}, "detail"),
    ],
)
def test_bad_address_is_refused(shop, chengdu_address, changes, field):
    from dataclasses import replace

    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        place(shop, [("LT-YJ-100", 1)], replace(chengdu_address, **changes))

    assert field in refusal.value.errors
    assert state() == before


def test_pickup_at_the_county_centre_is_refused(shop):
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        place(
            shop,
            [("LT-YJ-100", 1)],
            DeliveryDetails(
                method="pickup", recipient_name="格桑", pickup_point=shop.demo.point("LT-C")
            ),
        )

    assert refusal.value.errors == {"pickup_point": ["Parcels cannot be picked up at this point."]}
    assert state() == before


def test_cash_needs_pickup_at_a_point(shop, chengdu_address):
    with pytest.raises(ValidationFailed) as refusal:
        place(shop, [("LT-YJ-100", 1)], chengdu_address, method="cash_at_point")
    assert list(refusal.value.errors) == ["payment_method"]


def test_agent_orders_for_a_villager_and_collects_cash(shop, village_pickup):
    agent, villager = shop.demo.user("village_agent"), shop.demo.user("member")

    result = place(
        shop,
        [("LT-CD-20K", 1)],
        village_pickup,
        buyer=villager,
        actor=agent,
        method="cash_at_point",
    )
    order = result.orders[0]
    assert order.placed_by == agent
    assert len(order.pickup_code) == 6
    assert AuditRecord.objects.get(action="orders.checkout.placed").on_behalf_of == villager

    services.collect_cash(result.payment, agent=agent, point=shop.demo.point("LT-S01-V01"))

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    # ¥129.00 goods + ¥3.00 local pickup; 5 % commission on household goods? see category
    totals = balances(shop.demo.county)
    assert totals["Assets:Cash:Point:LT-S01-V01"] == result.payment.amount_fen
    assert totals["Liabilities:BuyerClearing"] == 0
    assert totals[f"Liabilities:SellerPayable:S{order.seller_id}"] == -(
        order.items_fen - order.commission_fen
    )
    assert totals["Income:Shipping"] == -order.shipping_fen
    assert verify_ledger(shop.demo.county) == []


def test_agent_of_another_point_cannot_collect(shop, village_pickup):
    villager = shop.demo.user("member")
    result = place(
        shop,
        [("LT-CD-20K", 1)],
        village_pickup,
        buyer=villager,
        actor=shop.demo.user("village_agent"),
        method="cash_at_point",
    )

    with pytest.raises(PermissionDenied):
        services.collect_cash(
            result.payment, agent=shop.demo.user("agent"), point=shop.demo.point("LT-S01-V01")
        )

    result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.PENDING


def test_a_buyer_cannot_order_for_someone_else(shop, chengdu_address):
    with pytest.raises(PermissionDenied):
        place(
            shop,
            [("LT-YJ-100", 1)],
            chengdu_address,
            buyer=shop.demo.user("member"),
            actor=shop.buyer(),
        )


def test_expired_reservation_gives_the_stock_back(shop, chengdu_address):
    stock = shop.sku("LT-YJ-250").stock
    result = place(shop, [("LT-YJ-250", 2)], chengdu_address)
    assert shop.sku("LT-YJ-250").stock == stock - 2

    # A bank transfer is waited for 48 hours (the county's setting), not 30 minutes.
    assert services.expire_reservations(now=timezone.now() + dt.timedelta(hours=47)) == 0
    expired = services.expire_reservations(now=timezone.now() + dt.timedelta(hours=48, minutes=1))

    assert expired == 1
    assert shop.sku("LT-YJ-250").stock == stock
    result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.EXPIRED
    assert Order.objects.get(pk=result.orders[0].pk).status == OrderStatus.CANCELLED


def test_reservation_within_its_hold_is_kept(shop, chengdu_address):
    place(shop, [("LT-YJ-250", 2)], chengdu_address, method="gateway")
    assert services.expire_reservations(now=timezone.now() + dt.timedelta(minutes=29)) == 0
    assert services.expire_reservations(now=timezone.now() + dt.timedelta(minutes=31)) == 1


def test_the_payment_page_shows_the_transfer_account_and_how_long_the_goods_wait(
    shop, chengdu_address, client_as
):
    result = place(shop, [("LT-YJ-250", 1)], chengdu_address)

    html = client_as(shop.buyer()).get(f"/orders/payments/{result.payment.pk}/").content.decode()

    assert "6228 4800 0000 0513 334" in html
    assert result.payment.out_trade_no in html
    held = timezone.localtime(result.orders[0].reserved_until).strftime("%Y-%m-%d %H:%M")
    assert held in html


# --- the race for the last units ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_race_for_the_last_ten_units(shop, chengdu_address):
    """Real threads on the real database (SQLite file or PostgreSQL, whichever runs)."""
    sku = shop.sku("LT-YJ-250S")
    Sku.objects.filter(pk=sku.pk).update(stock=10)
    buyers = [shop.new_buyer(f"racer{index:02d}") for index in range(50)]

    def buy(buyer):
        try:
            services.place_order(
                shop.demo.county,
                [CheckoutLine(sku.pk, 1)],
                buyer=buyer,
                actor=buyer,
                delivery=chengdu_address,
                payment_method="bank_transfer",
            )
        except ValidationFailed as refusal:
            return refusal.code
        return "sold"

    outcomes = run_concurrently(buy, [(buyer,) for buyer in buyers])

    assert sorted(set(outcomes)) == ["out_of_stock", "sold"]
    assert outcomes.count("sold") == 10
    assert outcomes.count("out_of_stock") == 40
    assert shop.sku("LT-YJ-250S").stock == 0
    assert Order.objects.filter(lines__sku=sku).count() == 10


def test_a_phone_typed_as_people_type_it_is_accepted_and_stored_as_eleven_digits(
    shop, chengdu_address
):
    import dataclasses

    delivery = dataclasses.replace(chengdu_address, phone="+86 139-1234 5678")

    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1)],
        buyer=shop.buyer(),
        actor=shop.buyer(),
        delivery=delivery,
        payment_method="bank_transfer",
    )

    assert result.orders[0].recipient_phone == "13912345678"
