"""The lines of the money events of orders: each balances, on real accounts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.ledger import accounts
from highland.ledger.models import account_kind
from highland.orders.postings import (
    allocation_lines,
    catch_weight_lines,
    full_refund_sources,
    payout_lines,
)


@given(
    seller_id=st.integers(min_value=1, max_value=2**63 - 1),
    amount=st.integers(min_value=1, max_value=10**15),
)
def test_a_payout_balances_and_leaves_from_the_bank(seller_id, amount):
    lines = payout_lines(seller_id=seller_id, amount_fen=amount)

    assert sum(value for _code, value in lines) == 0
    assert lines == [(accounts.seller_payable(seller_id), amount), (accounts.BANK, -amount)]
    for code, _value in lines:
        account_kind(code)


@pytest.mark.parametrize("amount", [0, -5])
def test_a_payout_of_nothing_is_refused(amount):
    with pytest.raises(ValueError):
        payout_lines(seller_id=1, amount_fen=amount)


fen = st.integers(min_value=0, max_value=10**12)


def _balanced(lines):
    assert sum(value for _code, value in lines) == 0
    assert all(value != 0 for _code, value in lines)
    for code, _value in lines:
        account_kind(code)


@given(items=fen, shipping=fen, rate_bp=st.integers(min_value=0, max_value=10_000))
def test_an_allocation_balances_and_pays_the_seller_goods_less_commission(items, shipping, rate_bp):
    commission = items * rate_bp // 10_000
    lines = allocation_lines(
        seller_id=3, items_fen=items, commission_fen=commission, shipping_fen=shipping
    )

    if items or shipping:
        _balanced(lines)
    assert dict(lines).get(accounts.seller_payable(3), 0) == -(items - commission)
    assert dict(lines).get(accounts.BUYER_CLEARING, 0) == items + shipping


@given(
    adjustment=st.integers(min_value=-(10**9), max_value=10**9),
    rate_bp=st.integers(min_value=0, max_value=10_000),
)
def test_catch_weight_balances_and_charges_commission_on_the_adjustment(adjustment, rate_bp):
    commission_change = adjustment * rate_bp // 10_000
    lines = catch_weight_lines(
        seller_id=3, adjustment_fen=adjustment, commission_change_fen=commission_change
    )

    if adjustment:
        _balanced(lines)
    assert dict(lines).get(accounts.COMMISSION, 0) == -commission_change


@given(items=fen, shipping=fen, allowance=fen, rate_bp=st.integers(min_value=0, max_value=10_000))
def test_a_full_refund_takes_back_what_allocation_gave(items, shipping, allowance, rate_bp):
    commission = items * rate_bp // 10_000
    sources = full_refund_sources(
        seller_id=3,
        items_fen=items,
        commission_fen=commission,
        shipping_fen=shipping,
        adjustment_fen=0,
        unsettled_allowance_fen=allowance,
    )
    given_out = allocation_lines(
        seller_id=3, items_fen=items, commission_fen=commission, shipping_fen=shipping
    )

    # The refund's sources undo the allocation, and add the allowance still held.
    undone = dict(given_out)
    for code, value in sources:
        undone[code] = undone.get(code, 0) + value
    assert {code: value for code, value in undone.items() if value} == (
        {accounts.BUYER_CLEARING: items + shipping + allowance}
        if items + shipping + allowance
        else {}
    )
