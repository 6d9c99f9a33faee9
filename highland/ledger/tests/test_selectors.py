"""Balances, trial balance, statements and entries by reference: all derived from postings."""

from __future__ import annotations

from highland.ledger import selectors
from highland.ledger.selectors import TrialBalanceRow
from highland.ledger.services import post_entry
from highland.ledger.tests.helpers import SALE_DAY_BALANCES, post_sale_day


def test_balances_are_derived_from_the_postings(demo):
    post_sale_day(demo.county, demo.user("operator"))

    assert selectors.balances(demo.county) == SALE_DAY_BALANCES
    assert selectors.balance(demo.county, "Assets:Bank") == 1_003_850
    assert selectors.balance(demo.county, "Income:Shipping") == -1_655
    assert selectors.balance(demo.county, "Assets:Unused") == 0


def test_balances_take_one_query(demo, django_assert_num_queries):
    post_sale_day(demo.county, None)

    with django_assert_num_queries(1):
        selectors.balances(demo.county)


def test_balances_by_prefix_match_whole_segments(demo):
    post_sale_day(demo.county, None)
    post_entry(
        demo.county,
        kind="ledger.test.posted",
        description="A look-alike root segment",
        lines=[("Liabilities:SellerPayable:S1", -3), ("Liabilities:SellerPayables", 3)],
        actor=None,
    )

    assert selectors.balances(demo.county, "Income") == {
        "Income:Commission": -2_200,
        "Income:Shipping": -1_655,
    }
    assert selectors.balances(demo.county, "Liabilities:SellerPayable") == {
        "Liabilities:SellerPayable:S1": -3,
        "Liabilities:SellerPayable:S12": 0,
    }
    assert selectors.balances(demo.county, "Assets:") == {
        "Assets:Bank": 1_003_850,
        "Assets:Cash:Point:LT-S01": 0,
    }


def test_balances_of_another_county_are_not_mixed_in(demo, other_county):
    post_sale_day(demo.county, None)

    assert selectors.balances(other_county.county) == {}
    assert selectors.trial_balance(other_county.county) == []


def test_trial_balance_puts_each_balance_in_one_column(demo):
    post_sale_day(demo.county, None)

    rows = selectors.trial_balance(demo.county)

    assert rows == [
        TrialBalanceRow("Assets:Bank", "assets", 1_003_850, 0),
        TrialBalanceRow("Assets:Cash:Point:LT-S01", "assets", 0, 0),
        TrialBalanceRow("Equity:Opening", "equity", 0, 1_000_000),
        TrialBalanceRow("Expenses:CatchWeight", "expenses", 5, 0),
        TrialBalanceRow("Income:Commission", "income", 0, 2_200),
        TrialBalanceRow("Income:Shipping", "income", 0, 1_655),
        TrialBalanceRow("Liabilities:BuyerClearing", "liabilities", 0, 0),
        TrialBalanceRow("Liabilities:SellerPayable:S12", "liabilities", 0, 0),
    ]
    assert sum(row.debit_fen for row in rows) == sum(row.credit_fen for row in rows) == 1_003_855


def test_entries_for_a_reference_are_in_time_order(demo):
    station, other = demo.point("LT-S01"), demo.point("LT-S02")
    sale_day = post_sale_day(demo.county, None)
    later = post_entry(
        demo.county,
        kind="ledger.test.posted",
        description="Later",
        lines=[("Assets:Bank", 1), ("Income:Shipping", -1)],
        actor=None,
        reference=station,
        occurred_at=sale_day[-1].occurred_at,
    )
    earlier = post_entry(
        demo.county,
        kind="ledger.test.posted",
        description="Earlier",
        lines=[("Assets:Bank", 2), ("Income:Shipping", -2)],
        actor=None,
        reference=station,
        occurred_at=sale_day[0].occurred_at,
    )
    post_entry(
        demo.county,
        kind="ledger.test.posted",
        description="Another point",
        lines=[("Assets:Bank", 3), ("Income:Shipping", -3)],
        actor=None,
        reference=other,
    )

    assert list(selectors.entries_for(demo.county, station)) == [earlier, later]


def test_an_account_statement_runs_the_balance_in_time_order(demo):
    entries = post_sale_day(demo.county, None)
    bank = entries[0].postings.get(account__code="Assets:Bank").account

    statement = list(selectors.account_statement(bank))

    # Newest first; each row carries the balance after it.
    assert [(p.entry_id, p.amount_fen, p.balance_fen) for p in statement] == [
        (entries[4].pk, -22_000, 1_003_850),
        (entries[1].pk, 25_850, 1_025_850),
        (entries[0].pk, 1_000_000, 1_000_000),
    ]


def test_a_statement_page_keeps_the_running_balance(demo):
    entries = post_sale_day(demo.county, None)
    bank = entries[0].postings.get(account__code="Assets:Bank").account

    second_page = list(selectors.account_statement(bank)[1:3])

    assert [p.balance_fen for p in second_page] == [1_025_850, 1_000_000]
