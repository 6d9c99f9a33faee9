"""Checkout line sources and price rules: a group buy's prices and hold are applied while
checkout prices its lines, so nothing is rewritten after the order is written."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from highland.catalog.models import Sku
from highland.core.errors import ValidationFailed
from highland.core.models import AuditRecord
from highland.orders.linesources import CheckoutLine, PriceRule, price_lines
from highland.orders.models import Order
from highland.orders.tests.test_groupbuys import join, open_window


def test_a_group_buy_join_records_charges_and_writes_the_same_amount(shop):
    # given a window selling power banks (¥129.00) at a group price of ¥119.00
    group_buy = open_window(shop)

    # when an agent joins a villager for two power banks and a flask (no group price)
    with CaptureQueriesContext(connection) as queries:
        result = join(
            shop,
            group_buy,
            shop.demo.user("member"),
            "LT-S01-V01",
            [
                ("LT-CD-20K", 2),
                ("LT-BW-2L", 1),
            ],
        )

    # then the lines carry the group price, and the checkout's audit record, the payment
    # and the order all state the amount the lines add up to
    order = Order.objects.get(pk=result.orders[0].pk)
    lines = sorted(order.lines.values_list("sku_id", "unit_price_fen", "line_fen"))
    assert lines == sorted(
        [(shop.sku("LT-CD-20K").pk, 11900, 23800), (shop.sku("LT-BW-2L").pk, 8900, 8900)]
    )
    placed = AuditRecord.objects.get(action="orders.checkout.placed")
    joined = AuditRecord.objects.get(action="orders.group_buy.joined")
    assert order.items_fen == 23800 + 8900
    assert order.total_fen == order.items_fen + order.shipping_fen
    assert placed.changes["amount_fen"] == order.total_fen
    assert joined.changes["amount_fen"] == order.total_fen
    result.payment.refresh_from_db()
    assert result.payment.amount_fen == order.total_fen
    # held until the window's collection date from the moment it was written
    assert order.reserved_until == group_buy.collect_by
    # and nothing checkout wrote was rewritten afterwards
    rewrites = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith(
            ('UPDATE "orders_order"', 'UPDATE "orders_orderline"', 'UPDATE "payments_payment"')
        )
    ]
    assert rewrites == []


def test_a_sku_cheaper_than_its_group_price_is_sold_at_its_own_price(shop):
    group_buy = open_window(shop)
    Sku.objects.filter(code="LT-CD-20K").update(price_fen=11000)

    result = join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-CD-20K", 1)])

    assert list(result.orders[0].lines.values_list("unit_price_fen", "line_fen")) == [
        (11000, 11000)
    ]


def test_a_price_rule_only_ever_lowers_a_price(shop):
    power_bank = shop.sku("LT-CD-20K")
    rule = PriceRule(unit_prices_fen={power_bank.pk: 99999})

    [line] = price_lines(shop.demo.county, [CheckoutLine(power_bank.pk, 3)], rule)

    assert (line.unit_price_fen, line.line_fen) == (12900, 3 * 12900)


def test_an_unknown_kind_of_item_is_refused(shop):
    try:
        price_lines(shop.demo.county, [CheckoutLine(1, 1, source="room_night")])
    except ValidationFailed as refusal:
        assert (refusal.field, refusal.message) == ("lines", "Unknown kind of item.")
    else:
        raise AssertionError("an unregistered source was priced")
