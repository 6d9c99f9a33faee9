"""After checkout: paying, packing with catch weight, shipping, cancelling with refunds."""

from __future__ import annotations

import pytest

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.orders import services
from highland.orders.models import Order, OrderStatus
from highland.orders.services import CheckoutLine
from highland.payments.models import PaymentStatus, Refund, RefundStatus
from highland.payments.refunds import confirm_refund_paid


def place_and_pay(shop, lines, delivery, *, buyer=None):
    buyer = buyer or shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku(code).pk, qty) for code, qty in lines],
        buyer=buyer,
        actor=buyer,
        delivery=delivery,
        payment_method="bank_transfer",
    )
    services.confirm_bank_transfer(
        result.payment, actor=shop.demo.user("operator"), bank_reference="ICBC-001"
    )
    return result


def test_bank_transfer_is_confirmed_by_an_operator_only(shop, chengdu_address):
    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )

    with pytest.raises(PermissionDenied):
        services.confirm_bank_transfer(
            result.payment, actor=shop.demo.user("agent"), bank_reference="x"
        )
    with pytest.raises(ValidationFailed):
        services.confirm_bank_transfer(
            result.payment, actor=shop.demo.user("operator"), bank_reference=" "
        )
    result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.PENDING

    services.confirm_bank_transfer(
        result.payment, actor=shop.demo.user("operator"), bank_reference="ICBC-9"
    )
    result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.PAID
    with pytest.raises(ValidationFailed):
        services.confirm_bank_transfer(
            result.payment, actor=shop.demo.user("operator"), bank_reference="again"
        )


def test_commission_is_fixed_at_payment(shop, chengdu_address):
    result = place_and_pay(shop, [("LT-ZC-500", 2)], chengdu_address)

    order = Order.objects.get(pk=result.orders[0].pk)
    # Tea: ¥48.00 × 2 at 6 %
    assert order.items_fen == 9600
    assert order.commission_fen == 576
    totals = balances(shop.demo.county)
    assert totals["Income:Commission"] == -576
    assert totals["Assets:Bank"] == result.payment.amount_fen


def test_packed_weight_within_tolerance_settles_against_the_allowance(shop, chengdu_address):
    result = place_and_pay(shop, [("LT-SR-W", 1000)], chengdu_address)
    order = result.orders[0]
    line = order.lines.get()
    assert order.weight_allowance_fen == 2980  # 5 % of ¥596.00
    seller = shop.demo.user("seller")

    services.pack_order(order, {line.pk: 1030}, actor=seller)

    order.refresh_from_db()
    # 30 g more at ¥298 per 500 g = ¥17.88, charged from the allowance; ¥11.92 goes back
    assert order.adjustment_fen == 1788
    assert order.status == OrderStatus.PACKED
    refund = Refund.objects.get(payment=result.payment)
    assert (refund.amount_fen, refund.status) == (2980 - 1788, RefundStatus.REQUESTED)
    totals = balances(shop.demo.county)
    assert totals["Liabilities:BuyerClearing"] == 0
    assert totals["Liabilities:RefundsDue"] == -1192
    payable = order.items_fen - order.commission_fen + 1788
    assert totals[f"Liabilities:SellerPayable:S{order.seller_id}"] == -payable
    assert verify_ledger(shop.demo.county) == []

    # The transfer back is a task for the centre: confirmed, it leaves the bank.
    confirm_refund_paid(refund, actor=shop.demo.user("operator"), reference="ICBC-back-1")

    refund.refresh_from_db()
    assert refund.status == RefundStatus.PAID
    totals = balances(shop.demo.county)
    assert totals["Liabilities:RefundsDue"] == 0
    assert totals["Assets:Bank"] == result.payment.amount_fen - 1192
    assert verify_ledger(shop.demo.county) == []


def test_lighter_parcel_refunds_the_shortfall_too(shop, chengdu_address):
    result = place_and_pay(shop, [("LT-SR-W", 1000)], chengdu_address)
    order, line = result.orders[0], result.orders[0].lines.get()

    services.pack_order(order, {line.pk: 960}, actor=shop.demo.user("seller"))

    order.refresh_from_db()
    assert order.adjustment_fen == -2384
    assert Refund.objects.get(payment=result.payment).amount_fen == 2980 + 2384


@pytest.mark.parametrize("grams", [949, 1051])
def test_packed_weight_outside_tolerance_is_refused(shop, chengdu_address, grams):
    result = place_and_pay(shop, [("LT-SR-W", 1000)], chengdu_address)
    order, line = result.orders[0], result.orders[0].lines.get()

    with pytest.raises(ValidationFailed) as refusal:
        services.pack_order(order, {line.pk: grams}, actor=shop.demo.user("seller"))

    assert refusal.value.code == "weight_out_of_tolerance"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not Refund.objects.exists()


def test_only_the_seller_packs(shop, chengdu_address):
    result = place_and_pay(shop, [("LT-ZC-500", 1)], chengdu_address)

    with pytest.raises(PermissionDenied):
        services.pack_order(result.orders[0], {}, actor=shop.demo.user("coop_manager"))


def test_cancelling_a_paid_order_refunds_in_full_and_returns_stock(shop, chengdu_address):
    stock = shop.sku("LT-ZC-500").stock
    result = place_and_pay(shop, [("LT-ZC-500", 2)], chengdu_address)
    order = result.orders[0]

    services.cancel_order(order, actor=shop.buyer(), reason="买错了")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert shop.sku("LT-ZC-500").stock == stock
    result.payment.refresh_from_db()
    assert result.payment.status == PaymentStatus.REFUNDED
    assert result.payment.refunded_fen == result.payment.amount_fen
    amount = result.payment.amount_fen
    totals = balances(shop.demo.county)
    # Owed back until the centre confirms the transfer to the buyer.
    assert {code: value for code, value in totals.items() if value} == {
        "Assets:Bank": amount,
        "Liabilities:RefundsDue": -amount,
    }
    assert verify_ledger(shop.demo.county) == []

    confirm_refund_paid(
        Refund.objects.get(), actor=shop.demo.user("operator"), reference="ICBC-back-2"
    )

    totals = balances(shop.demo.county)
    assert {code: value for code, value in totals.items() if value} == {}
    assert verify_ledger(shop.demo.county) == []


def test_shipped_order_cannot_be_cancelled(shop, chengdu_address):
    result = place_and_pay(shop, [("LT-ZC-500", 1)], chengdu_address)
    order, seller = result.orders[0], shop.demo.user("seller")
    services.pack_order(order, {}, actor=seller)
    services.advance_order(order, OrderStatus.SHIPPED, actor=seller)

    with pytest.raises(ValidationFailed) as refusal:
        services.cancel_order(order, actor=shop.buyer(), reason="too slow")

    assert refusal.value.code == "bad_transition"
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_pickup_needs_the_right_code(shop, village_pickup):
    agent, villager = shop.demo.user("village_agent"), shop.demo.user("member")
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-CD-20K").pk, 1)],
        buyer=villager,
        actor=agent,
        delivery=village_pickup,
        payment_method="cash_at_point",
    )
    services.collect_cash(result.payment, agent=agent, point=shop.demo.point("LT-S01-V01"))
    order, seller = result.orders[0], shop.demo.user("seller")
    services.pack_order(order, {}, actor=seller)
    services.advance_order(order, OrderStatus.SHIPPED, actor=seller)

    with pytest.raises(ValidationFailed):
        services.record_pickup(
            order, agent=agent, pickup_code="000000" if order.pickup_code != "000000" else "1"
        )
    services.record_pickup(order, agent=agent, pickup_code=order.pickup_code)

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert AuditRecord.objects.get(action="orders.order.picked_up").on_behalf_of == villager


def test_state_machine_refuses_skipping(shop, chengdu_address):
    result = place_and_pay(shop, [("LT-ZC-500", 1)], chengdu_address)

    with pytest.raises(ValidationFailed):
        services.advance_order(
            result.orders[0], OrderStatus.DELIVERED, actor=shop.demo.user("operator")
        )


def test_verify_ledger_catches_a_payment_paid_behind_its_back(shop, chengdu_address):
    from django.utils import timezone

    from highland.payments.models import Payment

    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )
    Payment.objects.filter(pk=result.payment.pk).update(status="paid", paid_at=timezone.now())
    Order.objects.filter(pk=result.orders[0].pk).update(status="paid", paid_at=timezone.now())

    problems = verify_ledger(shop.demo.county)

    assert (
        f"orders.paid_payments_posted: Paid payment #{result.payment.pk} has no ledger entry."
        in problems
    )
    # ¥48.00 of goods less the 6 % commission fixed at checkout.
    assert (
        f"orders.order_entries_match_statement: Order {result.orders[0].number}: the ledger "
        "credits its seller ¥0.00 but the statement says ¥45.12."
    ) in problems
