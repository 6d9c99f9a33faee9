"""The lines of a payout: balanced, from the bank, on the seller's payable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.ledger import accounts
from highland.ledger.models import account_kind
from highland.orders.settlement_postings import payout_lines


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
