"""verify_ledger: a sound ledger passes; corruption written around post_entry is found."""

from __future__ import annotations

import pytest
from django.core.management import ManagementUtility, call_command
from django.db import connections

from highland.ledger import invariants
from highland.ledger.invariants import register_invariant, verify_ledger
from highland.ledger.models import Account, Entry, Posting
from highland.ledger.tests.helpers import ledger_invariants_only, post_sale_day


@pytest.fixture(autouse=True)
def _ledger_checks_only(monkeypatch):
    monkeypatch.setattr(invariants.ledger_invariants, "_items", ledger_invariants_only())


def corrupt_entry(county, lines):
    """An entry written around post_entry, as a bug or a hand edit in the database would."""
    entry = Entry.objects.bulk_create(
        [Entry(county=county, kind="ledger.test.corrupted", description="Hand-made")]
    )[0]
    accounts = {
        code: Account.objects.get_or_create(county=account_county, code=code)[0]
        for account_county, code, _amount in lines
    }
    Posting.objects.bulk_create(
        Posting(entry=entry, account=accounts[code], amount_fen=amount)
        for _account_county, code, amount in lines
    )
    return entry


def run_verify_command(monkeypatch, *arguments):
    """Run `manage.py verify_ledger ...` in this process; return its exit status."""
    # The command closes connections when it ends; the test's transaction needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "verify_ledger", *arguments]).execute()
        raise SystemExit(0)
    return exited.value.code


def test_a_ledger_written_by_post_entry_passes(demo):
    post_sale_day(demo.county, demo.user("operator"))

    assert verify_ledger(demo.county) == []


def test_an_unbalanced_entry_is_found(demo):
    post_sale_day(demo.county, None)
    entry = corrupt_entry(
        demo.county,
        [(demo.county, "Assets:Bank", 10_000), (demo.county, "Liabilities:BuyerClearing", -9_995)],
    )

    assert verify_ledger(demo.county) == [
        f"ledger.entries_balance: Entry #{entry.pk} does not balance: its postings sum to ¥0.05."
    ]


def test_an_entry_with_one_posting_is_found(demo):
    entry = corrupt_entry(demo.county, [(demo.county, "Assets:Bank", 500)])

    assert verify_ledger(demo.county) == [
        f"ledger.entries_balance: Entry #{entry.pk} does not balance: its postings sum to ¥5.00.",
        f"ledger.entries_have_two_postings: Entry #{entry.pk} has 1 postings; "
        "an entry needs at least two.",
    ]


def test_an_entry_without_postings_is_found(demo):
    entry = corrupt_entry(demo.county, [])

    assert verify_ledger(demo.county) == [
        f"ledger.entries_have_two_postings: Entry #{entry.pk} has 0 postings; "
        "an entry needs at least two.",
    ]


def test_a_posting_on_another_countys_account_is_found(demo, other_county):
    entry = corrupt_entry(
        demo.county,
        [(demo.county, "Assets:Bank", 300), (other_county.county, "Income:Shipping", -300)],
    )
    stray = entry.postings.get(account__county=other_county.county)

    assert verify_ledger(demo.county) == [
        f"ledger.postings_stay_in_county: Posting #{stray.pk} of entry #{entry.pk} is on "
        "Income:Shipping of another county."
    ]
    assert verify_ledger(other_county.county) == []


def test_the_balance_check_is_one_query(demo, django_assert_num_queries):
    post_sale_day(demo.county, None)

    with django_assert_num_queries(1):
        assert invariants.entries_balance(demo.county) == []


def test_other_apps_register_their_checks(demo, monkeypatch):
    def paid_orders_posted(county):
        return [f"Order LT-0009 of {county.code} was paid but has no entry."]

    register_invariant("orders.paid_orders_posted", paid_orders_posted)
    register_invariant("orders.paid_orders_posted", paid_orders_posted)  # again: no change

    assert verify_ledger(demo.county) == [
        "orders.paid_orders_posted: Order LT-0009 of 513334 was paid but has no entry."
    ]
    with pytest.raises(ValueError, match=r"'orders\.paid_orders_posted' is already registered"):
        register_invariant("orders.paid_orders_posted", lambda county: [])


def test_the_command_passes_a_sound_ledger(demo, monkeypatch, capsys):
    post_sale_day(demo.county, None)

    status = run_verify_command(monkeypatch, "--county", "513334")

    assert status == 0
    assert capsys.readouterr().out == "513334: ledger OK\n"


def test_the_command_exits_non_zero_on_a_problem(demo, other_county, monkeypatch, capsys):
    entry = corrupt_entry(
        demo.county, [(demo.county, "Assets:Bank", 2), (demo.county, "Income:Shipping", -1)]
    )

    status = run_verify_command(monkeypatch)

    assert status == 1
    output = capsys.readouterr()
    assert output.out == (
        f"513233: ledger OK\n"
        f"513334: ledger.entries_balance: Entry #{entry.pk} does not balance: "
        "its postings sum to ¥0.01.\n"
    )
    assert output.err == "CommandError: 1 ledger problems found.\n"


def test_the_command_refuses_an_unknown_county(demo):
    with pytest.raises(Exception, match=r"No county with the code 999999\."):
        call_command("verify_ledger", "--county", "999999")
