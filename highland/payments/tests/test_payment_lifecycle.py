"""Payments own their lifecycle: the state machines, the postings, one refund per reason,
and no import of what a payment pays for."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.core.errors import Conflict, ValidationFailed
from highland.ledger import accounts
from highland.ledger.models import Entry
from highland.payments import postings
from highland.payments.models import (
    PAYMENT_MACHINE,
    REFUND_MACHINE,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from highland.payments.refunds import request_refund

PAYMENTS = Path(__file__).resolve().parents[1]


def test_payments_does_not_import_what_payments_pay_for():
    importers = []
    for path in PAYMENTS.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(name.startswith("highland.orders") for name in names):
                importers.append(path.relative_to(PAYMENTS).as_posix())
    assert importers == []


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (PaymentStatus.PENDING, PaymentStatus.PAID, True),
        (PaymentStatus.PENDING, PaymentStatus.EXPIRED, True),
        (PaymentStatus.EXPIRED, PaymentStatus.PAID, True),
        (PaymentStatus.CANCELLED, PaymentStatus.PAID, True),
        (PaymentStatus.PAID, PaymentStatus.REFUNDED, True),
        (PaymentStatus.PAID, PaymentStatus.PENDING, False),
        (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED, False),
        (PaymentStatus.REFUNDED, PaymentStatus.PAID, False),
        (PaymentStatus.PENDING, PaymentStatus.REFUNDED, False),
    ],
)
def test_payment_moves(current, new, allowed):
    payment = Payment(status=current)
    if allowed:
        PAYMENT_MACHINE.move(payment, new)
        assert payment.status == new
    else:
        with pytest.raises(ValidationFailed) as refusal:
            PAYMENT_MACHINE.move(payment, new)
        assert refusal.value.code == "bad_transition"
        assert payment.status == current


def test_a_refund_is_paid_or_fails_once():
    refund = Refund(status=RefundStatus.REQUESTED)
    assert REFUND_MACHINE.move(refund, RefundStatus.PAID) == ["status", "paid_at"]
    with pytest.raises(ValidationFailed):
        REFUND_MACHINE.move(refund, RefundStatus.FAILED)
    assert refund.status == RefundStatus.PAID


amounts = st.integers(min_value=1, max_value=10**12)


@given(amount=amounts, parts=st.lists(amounts, min_size=1, max_size=4))
def test_payment_postings_balance(amount, parts):
    debit_lines = [(accounts.seller_payable(n), part) for n, part in enumerate(parts)]
    for lines in (
        postings.received(accounts.GATEWAY, amount),
        postings.refund_requested(debit_lines, sum(parts)),
        postings.refund_paid(accounts.cash_at_point("LT-S01-V01"), amount),
    ):
        assert sum(value for _account, value in lines) == 0


def test_refund_lines_must_cover_the_refund():
    with pytest.raises(ValueError):
        postings.refund_requested([(accounts.BUYER_CLEARING, 100)], 101)


def test_one_refund_per_payment_and_reason(demo, cash_sale):
    agent = demo.user("village_agent")
    lines = [(accounts.BUYER_CLEARING, 500)]

    first = request_refund(
        cash_sale, 500, reason="goodwill", reason_key="goodwill:1", actor=agent, debit_lines=lines
    )
    again = request_refund(
        cash_sale, 500, reason="goodwill", reason_key="goodwill:1", actor=agent, debit_lines=lines
    )
    with pytest.raises(Conflict):
        request_refund(
            cash_sale,
            400,
            reason="goodwill",
            reason_key="goodwill:1",
            actor=agent,
            debit_lines=[(accounts.BUYER_CLEARING, 400)],
        )
    second = request_refund(
        cash_sale,
        300,
        reason="more",
        reason_key="goodwill:2",
        actor=agent,
        debit_lines=[(accounts.BUYER_CLEARING, 300)],
    )

    assert again.pk == first.pk
    assert [r.out_refund_no for r in Refund.objects.order_by("pk")] == [
        f"R{cash_sale.out_trade_no[1:]}N01",
        f"R{cash_sale.out_trade_no[1:]}N02",
    ]
    assert second.out_refund_no.endswith("N02")
    cash_sale.refresh_from_db()
    assert (cash_sale.refunded_fen, cash_sale.status) == (800, PaymentStatus.PARTIALLY_REFUNDED)
    assert Entry.objects.filter(kind="payments.refund.requested").count() == 2


# --- a bank transfer that arrives after the hold ------------------------------------------------


def _expired_transfer(demo, quantity=1):
    import datetime as dt

    from django.utils import timezone

    from highland.orders import services as order_services
    from highland.testing import OrderFactory

    result = OrderFactory(demo).place((("LT-ZC-500", quantity),))
    order_services.expire_reservations(now=timezone.now() + dt.timedelta(hours=49))
    result.payment.refresh_from_db()
    assert result.payment.status == "expired"
    return result


def test_a_late_transfer_is_received_and_its_order_honoured_while_stock_lasts(demo):
    from highland.ledger.invariants import verify_ledger
    from highland.orders.models import Order, OrderStatus
    from highland.payments.services import confirm_bank_transfer

    result = _expired_transfer(demo)

    confirm_bank_transfer(result.payment, actor=demo.user("operator"), bank_reference="ICBC-L1")

    result.payment.refresh_from_db()
    assert result.payment.status == "paid"
    assert Order.objects.get(pk=result.orders[0].pk).status == OrderStatus.PAID
    assert verify_ledger(demo.county) == []


def test_a_late_transfer_for_goods_now_gone_is_refunded_in_full(demo):
    from highland.catalog.models import Sku
    from highland.ledger.invariants import verify_ledger
    from highland.payments.models import Refund, RefundStatus
    from highland.payments.services import confirm_bank_transfer

    result = _expired_transfer(demo)
    Sku.objects.filter(code="LT-ZC-500").update(stock=0)

    confirm_bank_transfer(result.payment, actor=demo.user("operator"), bank_reference="ICBC-L2")

    refund = Refund.objects.get(payment=result.payment)
    assert refund.amount_fen == result.payment.amount_fen
    assert refund.status == RefundStatus.REQUESTED
    assert verify_ledger(demo.county) == []


def test_a_transfer_is_confirmed_once(demo):
    from highland.core.errors import ValidationFailed
    from highland.payments.services import confirm_bank_transfer

    result = _expired_transfer(demo)
    operator = demo.user("operator")
    confirm_bank_transfer(result.payment, actor=operator, bank_reference="ICBC-L3")

    with pytest.raises(ValidationFailed) as refusal:
        confirm_bank_transfer(result.payment, actor=operator, bank_reference="ICBC-L3")

    assert refusal.value.code == "not_pending"
