"""The lines of cash and gateway settlements: balanced, on real accounts, never zero."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.ledger import accounts
from highland.ledger.models import account_kind
from highland.payments.postings import (
    cash_handover_lines,
    cash_overage_lines,
    cash_shortage_lines,
    gateway_settlement_lines,
)

FEN = st.integers(min_value=1, max_value=10**15)
POINT_CODES = st.from_regex(r"[A-Z]{2}-S[0-9]{2}(-V[0-9]{2})?", fullmatch=True)


def assert_postable(lines):
    assert sum(amount for _code, amount in lines) == 0
    assert all(amount != 0 for _code, amount in lines)
    assert len(lines) >= 2
    for code, _amount in lines:
        account_kind(code)  # a valid account path, or this raises


@given(point_code=POINT_CODES, amount=FEN)
def test_cash_lines_balance_and_move_the_amount(point_code, amount):
    drawer = accounts.cash_at_point(point_code)

    shortage = cash_shortage_lines(point_code=point_code, shortage_fen=amount)
    overage = cash_overage_lines(point_code=point_code, overage_fen=amount)
    handover = cash_handover_lines(point_code=point_code, amount_fen=amount)

    for lines in (shortage, overage, handover):
        assert_postable(lines)
    assert dict(shortage) == {accounts.CASH_SHORTAGE: amount, drawer: -amount}
    assert dict(overage) == {drawer: amount, accounts.CASH_OVERAGE: -amount}
    assert dict(handover) == {accounts.BANK: amount, drawer: -amount}


@given(
    gross=st.integers(min_value=0, max_value=10**12),
    fee=st.integers(min_value=0, max_value=10**10),
    refunds=st.integers(min_value=0, max_value=10**12),
)
def test_gateway_settlement_lines_balance(gross, fee, refunds):
    lines = gateway_settlement_lines(gross_fen=gross, fee_fen=fee, refund_fen=refunds)

    if gross - refunds == 0 and fee == 0:
        assert lines == []
        return
    assert_postable(lines)
    moved = dict(lines)
    assert moved.get(accounts.BANK, 0) == gross - fee - refunds
    assert moved.get(accounts.GATEWAY_FEES, 0) == fee
    assert moved.get(accounts.GATEWAY, 0) == -(gross - refunds)


def test_a_day_of_receipts_less_fees_and_refunds_reaches_the_bank():
    assert gateway_settlement_lines(gross_fen=100_000, fee_fen=600, refund_fen=4_800) == [
        (accounts.BANK, 94_600),
        (accounts.GATEWAY_FEES, 600),
        (accounts.GATEWAY, -95_200),
    ]


@pytest.mark.parametrize("amount", [0, -1])
def test_cash_lines_refuse_nothing_or_less(amount):
    for make in (
        lambda: cash_shortage_lines(point_code="LT-S01", shortage_fen=amount),
        lambda: cash_overage_lines(point_code="LT-S01", overage_fen=amount),
        lambda: cash_handover_lines(point_code="LT-S01", amount_fen=amount),
    ):
        with pytest.raises(ValueError):
            make()
    with pytest.raises(ValueError):
        gateway_settlement_lines(gross_fen=amount - 1, fee_fen=0, refund_fen=0)
