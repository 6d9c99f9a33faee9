"""Commission is fixed at checkout, with the prices, and charged on the packed weight
(ADR 0006)."""

from __future__ import annotations

import importlib

import pytest

from highland.catalog.models import Category
from highland.core.models import AuditRecord
from highland.ledger import accounts
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.orders import services
from highland.orders.models import Order, OrderLine
from highland.orders.services import CheckoutLine

MATSUTAKE = "LT-SR-W"  # fresh matsutake, ¥298.00 per 500 g, sold by weight


def set_rate(shop, code: str, rate_bp: int) -> None:
    Category.objects.filter(products__skus__code=code).update(commission_bp=rate_bp)


def place(shop, delivery, grams: int):
    buyer = shop.buyer()
    return services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku(MATSUTAKE).pk, grams)],
        buyer=buyer,
        actor=buyer,
        delivery=delivery,
        payment_method="bank_transfer",
    )


def pay(shop, result) -> None:
    services.confirm_bank_transfer(
        result.payment, actor=shop.demo.user("operator"), bank_reference="ICBC-005"
    )


def test_a_rate_changed_between_checkout_and_payment_does_not_change_the_commission(
    shop, chengdu_address
):
    # given 1 kg ordered (¥596.00) while the category's rate is 3.33 %
    set_rate(shop, MATSUTAKE, 333)
    result = place(shop, chengdu_address, 1000)
    line = result.orders[0].lines.get()
    assert (line.line_fen, line.commission_bp, line.commission_fen) == (59600, 333, 1985)

    # when the rate goes up to 10 % before the transfer is confirmed
    set_rate(shop, MATSUTAKE, 1000)
    pay(shop, result)

    # then the order pays the commission of its checkout: 3.33 % of ¥596.00 = ¥19.85
    order = Order.objects.get(pk=result.orders[0].pk)
    assert order.commission_fen == 1985
    totals = balances(shop.demo.county)
    assert totals[accounts.COMMISSION] == -1985
    assert totals[accounts.seller_payable(order.seller_id)] == -(59600 - 1985)
    assert verify_ledger(shop.demo.county) == []


@pytest.mark.parametrize(
    ("packed_grams", "adjustment_fen", "commission_change_fen"),
    [
        # 30 g more: ¥17.88 more; commission on ¥613.88 is ¥20.44, so +¥0.59. Rounding
        # the adjustment's commission on its own (¥0.5954 → ¥0.60) would charge ¥20.45,
        # more than 3.33 % of what the buyer paid.
        (1030, 1788, 59),
        # 30 g less: ¥17.88 less; commission on ¥578.12 is ¥19.25, so −¥0.60.
        (970, -1788, -60),
    ],
)
def test_packing_heavier_or_lighter_moves_the_commission_with_the_packed_amount(
    shop, chengdu_address, packed_grams, adjustment_fen, commission_change_fen
):
    # given 1 kg ordered and paid at 3.33 % (¥19.85 of commission)
    set_rate(shop, MATSUTAKE, 333)
    result = place(shop, chengdu_address, 1000)
    pay(shop, result)
    order = result.orders[0]
    line = order.lines.get()
    # (a rate changed after checkout changes nothing here either)
    set_rate(shop, MATSUTAKE, 1000)

    # when the seller packs a different weight
    services.pack_order(order, {line.pk: packed_grams}, actor=shop.demo.user("seller"))

    # then the commission is the rate on the packed amount, moved by the exact change
    order = Order.objects.get(pk=order.pk)
    line.refresh_from_db()
    assert order.adjustment_fen == adjustment_fen
    assert order.commission_fen == 1985 + commission_change_fen
    assert line.commission_fen == 1985 + commission_change_fen
    assert (
        AuditRecord.objects.get(action="orders.order.packed").changes["commission_change_fen"]
        == commission_change_fen
    )
    # and the ledger follows: the seller is owed goods + adjustment − commission
    totals = balances(shop.demo.county)
    assert totals[accounts.COMMISSION] == -(1985 + commission_change_fen)
    assert totals[accounts.seller_payable(order.seller_id)] == -(
        59600 + adjustment_fen - (1985 + commission_change_fen)
    )
    assert totals[accounts.BUYER_CLEARING] == 0
    assert verify_ledger(shop.demo.county) == []


def test_the_migration_fixes_existing_lines_at_todays_rate_and_can_run_again(shop, chengdu_address):
    # given a paid, packed line and an unpaid one, as they were before lines kept a rate
    from django.apps import apps

    migration = importlib.import_module(
        "highland.orders.migrations.0007_order_line_commission_fixed_at_checkout"
    )
    set_rate(shop, MATSUTAKE, 333)
    packed = place(shop, chengdu_address, 1000)
    pay(shop, packed)
    line = packed.orders[0].lines.get()
    services.pack_order(packed.orders[0], {line.pk: 1030}, actor=shop.demo.user("seller"))
    unpaid = place(shop, chengdu_address, 500)
    OrderLine.objects.update(commission_bp=0, commission_fen=0)
    Order.objects.filter(pk=unpaid.orders[0].pk).update(commission_fen=0)

    # when the data migration runs, twice
    for _run in range(2):
        migration.fix_commission_per_line(apps, None)

    # then each line has today's rate and the commission on its packed amount, and the
    # unpaid order its commission: 3.33 % of ¥613.88 and of ¥298.00
    assert sorted(OrderLine.objects.values_list("commission_bp", "commission_fen")) == [
        (333, 992),
        (333, 2044),
    ]
    assert Order.objects.get(pk=unpaid.orders[0].pk).commission_fen == 992
