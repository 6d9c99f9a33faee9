"""Property: whatever balanced entries are posted, the books stay in balance."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.ledger import selectors
from highland.ledger.services import post_entry
from highland.ledger.tests.helpers import ledger_invariants_only

CODES = [
    "Assets:Bank",
    "Assets:Cash:Point:LT-S01",
    "Liabilities:BuyerClearing",
    "Liabilities:SellerPayable:S12",
    "Income:Commission",
    "Expenses:CatchWeight",
    "Equity:Opening",
]
AMOUNTS = st.integers(min_value=-(10**12), max_value=10**12).filter(bool)


@st.composite
def balanced_lines(draw):
    """One to five random lines, plus a line on a random account that balances them."""
    lines = draw(st.lists(st.tuples(st.sampled_from(CODES), AMOUNTS), min_size=1, max_size=5))
    rest = -sum(amount for _code, amount in lines)
    if rest:
        lines.append((draw(st.sampled_from(CODES)), rest))
    return lines


class Rollback(Exception):
    """Raised at the end of each example to roll its entries back."""


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(balanced_lines(), min_size=1, max_size=8))
def test_balanced_entries_keep_the_books_in_balance(demo, entries):
    before = selectors.balances(demo.county)
    expected = Counter(before)
    # Each example starts from the same ledger: it ends by rolling its entries back.
    with pytest.raises(Rollback), transaction.atomic():
        for lines in entries:
            post_entry(
                demo.county,
                kind="ledger.test.posted",
                description="Random",
                lines=lines,
                actor=None,
            )
            for code, amount in lines:
                expected[code] += amount

        after = selectors.balances(demo.county)
        rows = selectors.trial_balance(demo.county)

        assert sum(after.values()) == 0
        assert after == {code: expected[code] for code in after}
        assert set(after) == set(expected)
        assert sum(row.debit_fen for row in rows) == sum(row.credit_fen for row in rows)
        assert [
            problem for check in ledger_invariants_only().values() for problem in check(demo.county)
        ] == []
        raise Rollback
