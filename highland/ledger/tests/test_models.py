"""Ledger models: account paths, derived kinds, append-only rows and database backstops."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from highland.ledger.models import Account, AppendOnlyError, Entry, Posting, account_kind
from highland.ledger.services import post_entry
from highland.ledger.tests.helpers import ledger_state


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("Assets:Bank", "assets"),
        ("Assets:Cash:Point:LT-S01", "assets"),
        ("Liabilities:BuyerClearing", "liabilities"),
        ("Liabilities:SellerPayable:S12", "liabilities"),
        ("Income:Commission", "income"),
        ("Income:Shipping", "income"),
        ("Expenses:Refunds", "expenses"),
        ("Expenses:CatchWeight", "expenses"),
        ("Equity:Opening", "equity"),
        ("Assets:2025-Grant", "assets"),
    ],
)
def test_account_kind_is_the_root_of_the_path(code, kind):
    assert account_kind(code) == kind


@pytest.mark.parametrize(
    "code",
    [
        "",
        "Assets",
        "Bank:Assets",
        "assets:Bank",
        "Assets:bank",
        "Assets::Bank",
        "Assets:Bank:",
        "Assets:Cash Box",
        "Assets:Cash_Box",
        "Assets:-Cash",
        "Assets:现金",
        "Assets:" + "A" * 200,
    ],
)
def test_account_paths_that_beancount_would_refuse_are_refused(code):
    with pytest.raises(ValidationError) as raised:
        account_kind(code)

    assert raised.value.code == "bad_account"


def test_saving_an_account_stores_the_kind_of_its_root(demo):
    account = Account(county=demo.county, code="Liabilities:SellerPayable:S7", kind="assets")

    account.save()

    assert Account.objects.get(pk=account.pk).kind == "liabilities"


def test_the_database_refuses_a_kind_that_contradicts_the_root(demo):
    account = Account(county=demo.county, code="Assets:Bank")
    account.kind = "income"

    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.bulk_create([account])


def test_the_database_refuses_a_zero_posting(demo):
    entry = post_entry(
        demo.county,
        kind="ledger.test.posted",
        description="",
        lines=[("Assets:Bank", 100), ("Equity:Opening", -100)],
        actor=None,
    )
    account = Account.objects.get(county=demo.county, code="Assets:Bank")

    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.bulk_create([Posting(entry=entry, account=account, amount_fen=0)])


def _posted(demo) -> Entry:
    return post_entry(
        demo.county,
        kind="ledger.test.posted",
        description="Test",
        lines=[("Assets:Bank", 100), ("Equity:Opening", -100)],
        actor=demo.user("operator"),
    )


def test_an_entry_cannot_be_changed(demo):
    entry = _posted(demo)
    before = ledger_state()
    entry.description = "Changed"

    with pytest.raises(AppendOnlyError, match=r"append-only: ledger.Entry #\d+ cannot be changed"):
        entry.save()

    assert ledger_state() == before


def test_a_posting_cannot_be_changed(demo):
    posting = _posted(demo).postings.first()
    assert posting is not None
    before = ledger_state()
    posting.amount_fen = 1

    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        posting.save(update_fields=["amount_fen"])

    assert ledger_state() == before


def test_entries_and_postings_cannot_be_deleted(demo):
    entry = _posted(demo)
    posting = entry.postings.first()
    assert posting is not None
    before = ledger_state()

    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        entry.delete()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        posting.delete()

    assert ledger_state() == before


def test_bulk_updates_and_deletes_are_refused(demo):
    _posted(demo)
    before = ledger_state()

    with pytest.raises(AppendOnlyError, match=r"ledger\.Entry rows cannot be updated"):
        Entry.objects.filter(county=demo.county).update(description="Changed")
    with pytest.raises(AppendOnlyError, match=r"ledger\.Posting rows cannot be updated"):
        Posting.objects.all().update(amount_fen=1)
    with pytest.raises(AppendOnlyError, match=r"ledger\.Entry rows cannot be deleted"):
        Entry.objects.all().delete()
    with pytest.raises(AppendOnlyError, match=r"ledger\.Posting rows cannot be deleted"):
        Posting.objects.all().delete()

    assert ledger_state() == before


def test_a_new_row_with_an_existing_primary_key_is_not_an_update(demo):
    entry = _posted(demo)
    before = ledger_state()
    copy = Entry(pk=entry.pk, county=demo.county, kind="ledger.test.forged", description="Forged")

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()

    assert ledger_state() == before
