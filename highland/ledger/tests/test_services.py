"""post_entry: balanced or refused, accounts on first use, idempotent, in the caller's atomic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from highland.core.errors import DomainError, ValidationFailed
from highland.core.models import AuditRecord
from highland.ledger.models import Account, Entry, Posting
from highland.ledger.selectors import balance
from highland.ledger.services import post_entry, post_reversal
from highland.ledger.tests.helpers import at, ledger_state

PAYMENT = [("Assets:Bank", 25_850), ("Liabilities:BuyerClearing", -25_850)]


def post_payment(demo, **overrides):
    arguments = {
        "kind": "orders.payment.received",
        "description": "Order LT-0001 paid",
        "lines": PAYMENT,
        "actor": demo.user("operator"),
    }
    arguments.update(overrides)
    return post_entry(demo.county, **arguments)


# --- posting ------------------------------------------------------------------------------


def test_a_balanced_entry_is_posted_with_its_lines_in_order(demo):
    operator = demo.user("operator")
    lines = [
        ("Liabilities:BuyerClearing", 25_850),
        ("Liabilities:SellerPayable:S12", -22_000),
        ("Income:Commission", -2_200),
        ("Income:Shipping", -1_650),
    ]

    entry = post_entry(
        demo.county,
        kind="orders.order.completed",
        description="  Order LT-0001 completed ",
        lines=lines,
        actor=operator,
        occurred_at=at("2025-05-03", "14:00"),
    )

    entry = Entry.objects.get(pk=entry.pk)
    assert entry.county == demo.county
    assert entry.kind == "orders.order.completed"
    assert entry.description == "Order LT-0001 completed"
    assert entry.created_by == operator
    assert entry.occurred_at == dt.datetime(2025, 5, 3, 6, 0, tzinfo=dt.UTC)
    assert entry.idempotency_key is None
    assert (entry.reference_type, entry.reference_id) == ("", "")
    assert [
        (posting.account.code, posting.amount_fen)
        for posting in entry.postings.select_related("account").order_by("pk")
    ] == lines


def test_accounts_are_opened_on_first_use_and_reused_after(demo):
    post_payment(demo)
    post_payment(demo, lines=[("Assets:Bank", 100), ("Income:Shipping", -100)])

    accounts = Account.objects.filter(county=demo.county).order_by("code")
    assert [(a.code, a.kind, a.name) for a in accounts] == [
        ("Assets:Bank", "assets", "Bank"),
        ("Income:Shipping", "income", "Shipping"),
        ("Liabilities:BuyerClearing", "liabilities", "BuyerClearing"),
    ]


def test_the_same_code_in_two_counties_is_two_accounts(demo, other_county):
    post_payment(demo)
    post_entry(
        other_county.county,
        kind="orders.payment.received",
        description="Hongyuan order paid",
        lines=[("Assets:Bank", 700), ("Liabilities:BuyerClearing", -700)],
        actor=other_county.operator,
    )

    assert balance(demo.county, "Assets:Bank") == 25_850
    assert balance(other_county.county, "Assets:Bank") == 700
    assert Account.objects.filter(code="Assets:Bank").count() == 2


def test_an_entry_names_its_reference(demo):
    station = demo.point("LT-S01")

    entry = post_payment(demo, reference=station)

    assert (entry.reference_type, entry.reference_id) == ("network.servicepoint", str(station.pk))


def test_a_system_entry_has_no_author(demo):
    entry = post_payment(demo, actor=None)

    assert entry.created_by is None


def test_posting_writes_no_audit_record(demo):
    before = AuditRecord.objects.count()

    post_payment(demo)

    assert AuditRecord.objects.count() == before


def test_the_entry_rolls_back_with_the_callers_transaction(demo):
    before = ledger_state()

    with pytest.raises(RuntimeError), transaction.atomic():
        post_payment(demo)
        raise RuntimeError("the business change failed after posting")

    assert ledger_state() == before


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        (
            {"lines": [("Assets:Bank", 100), ("Liabilities:BuyerClearing", -99)]},
            "unbalanced",
            "Debits and credits differ by ¥0.01; the entry does not balance.",
        ),
        (
            {"lines": [("Assets:Bank", 100), ("Liabilities:BuyerClearing", 100)]},
            "unbalanced",
            "Debits and credits differ by ¥2.00; the entry does not balance.",
        ),
        (
            {"lines": [("Assets:Bank", 100), ("Income:Shipping", 0), ("Equity:Opening", -100)]},
            "zero_amount",
            "The line on Income:Shipping has no amount; leave it out.",
        ),
        (
            {"lines": [("Assets:Bank", 0)]},
            "too_few_lines",
            "An entry needs at least two lines; it has 1.",
        ),
        ({"lines": []}, "too_few_lines", "An entry needs at least two lines; it has 0."),
        (
            {"lines": [("Assets:Bank", 1.5), ("Equity:Opening", -1.5)]},
            "bad_amount",
            "The amount on Assets:Bank is not a whole number of fen.",
        ),
        (
            {"lines": [("Assets:Bank", True), ("Equity:Opening", -1)]},
            "bad_amount",
            "The amount on Assets:Bank is not a whole number of fen.",
        ),
        (
            {"lines": [("Cash:Box", 100), ("Equity:Opening", -100)]},
            "bad_account",
            "“Cash:Box” does not start with Assets, Liabilities, Equity, Income or Expenses.",
        ),
        (
            {"lines": [("Assets:cash box", 100), ("Equity:Opening", -100)]},
            "bad_account",
            "“Assets:cash box” is not an account path: after the root, each part starts with a "
            "capital letter or a digit and has only letters, digits and hyphens.",
        ),
        (
            {"kind": "payment"},
            "bad_kind",
            "The entry kind “payment” is not of the form app.object.verb.",
        ),
        (
            {"occurred_at": dt.datetime(2025, 5, 1, 9, 0)},
            "naive_datetime",
            "The time of an entry must carry its time zone.",
        ),
        (
            {"idempotency_key": "   "},
            "bad_idempotency_key",
            "An idempotency key has 1 to 120 characters.",
        ),
    ],
)
def test_a_bad_entry_is_refused_and_nothing_is_written(demo, overrides, code, message):
    before = ledger_state()

    with pytest.raises(ValidationFailed) as refused:
        post_payment(demo, **overrides)

    assert (refused.value.code, refused.value.message) == (code, message)
    assert ledger_state() == before


def test_a_reference_in_another_county_is_refused(demo, other_county):
    before = ledger_state()

    with pytest.raises(ValidationFailed) as refused:
        post_payment(demo, reference=other_county.centre)

    assert refused.value.code == "bad_reference"
    assert refused.value.message == "The entry refers to an object of another county."
    assert ledger_state() == before


# --- idempotency --------------------------------------------------------------------------


def test_a_replay_with_the_same_key_returns_the_same_entry(demo):
    first = post_payment(demo, idempotency_key="payment:41")
    before = ledger_state()

    # The same lines in another order are the same entry.
    again = post_payment(demo, idempotency_key="payment:41", lines=list(reversed(PAYMENT)))

    assert again.pk == first.pk
    assert ledger_state() == before
    assert balance(demo.county, "Assets:Bank") == 25_850


@pytest.mark.parametrize(
    "overrides",
    [
        {"lines": [("Assets:Bank", 25_800), ("Liabilities:BuyerClearing", -25_800)]},
        {"lines": [("Assets:Gateway", 25_850), ("Liabilities:BuyerClearing", -25_850)]},
        {"lines": [*PAYMENT, *PAYMENT]},
        {"kind": "orders.payment.refunded"},
    ],
)
def test_a_replay_with_different_lines_is_refused(demo, overrides):
    first = post_payment(demo, idempotency_key="payment:41")
    before = ledger_state()

    with pytest.raises(DomainError) as refused:
        post_payment(demo, idempotency_key="payment:41", **overrides)

    assert refused.value.code == "idempotency_conflict"
    assert refused.value.status_code == 409
    assert refused.value.message == (
        f"Entry #{first.pk} was already posted with the key “payment:41” and a different kind, "
        "reference or lines; nothing was posted."
    )
    assert ledger_state() == before


def test_a_replay_about_another_reference_is_refused(demo):
    post_payment(demo, idempotency_key="payment:41", reference=demo.point("LT-S01"))
    before = ledger_state()

    with pytest.raises(DomainError) as refused:
        post_payment(demo, idempotency_key="payment:41", reference=demo.point("LT-S02"))

    assert refused.value.code == "idempotency_conflict"
    assert ledger_state() == before


def test_keys_are_per_county(demo, other_county):
    mine = post_payment(demo, idempotency_key="payment:1")

    theirs = post_entry(
        other_county.county,
        kind="orders.payment.received",
        description="Hongyuan order paid",
        lines=[("Assets:Bank", 700), ("Liabilities:BuyerClearing", -700)],
        actor=other_county.operator,
        idempotency_key="payment:1",
    )

    assert theirs.pk != mine.pk
    assert theirs.county == other_county.county


# --- reversal -----------------------------------------------------------------------------


def test_a_reversal_posts_the_opposite_lines_and_keeps_both(demo):
    entry = post_payment(demo)

    reversal = post_reversal(entry, actor=demo.user("operator"))

    assert reversal.kind == "ledger.entry.reversed"
    assert reversal.description == f"冲销第 {entry.pk} 号分录"  # stored in the default language
    assert (reversal.reference_type, reversal.reference_id) == ("ledger.entry", str(entry.pk))
    assert [
        (p.account.code, p.amount_fen) for p in reversal.postings.select_related("account")
    ] == [("Assets:Bank", -25_850), ("Liabilities:BuyerClearing", 25_850)]
    assert balance(demo.county, "Assets:Bank") == 0
    assert Entry.objects.filter(county=demo.county).count() == 2


def test_an_entry_is_reversed_once(demo):
    entry = post_payment(demo)
    reversal = post_reversal(entry, actor=None, idempotency_key="reverse:1")
    before = ledger_state()

    replayed = post_reversal(entry, actor=None, idempotency_key="reverse:1")
    with pytest.raises(ValidationFailed) as refused:
        post_reversal(entry, actor=None)

    assert replayed.pk == reversal.pk
    assert refused.value.code == "already_reversed"
    assert refused.value.message == f"Entry #{entry.pk} has already been reversed."
    assert ledger_state() == before
    assert Posting.objects.filter(entry__county=demo.county).count() == 4


def test_accounts_are_named_for_people_in_their_language():
    from django.utils import translation

    from highland.ledger import accounts

    assert accounts.describe(accounts.BANK) == "Service centre bank account"
    assert accounts.describe(accounts.seller_payable(7)) == "Owed to seller #7"
    assert accounts.describe(accounts.cash_at_point("LT-S01")) == "Cash held at point LT-S01"
    assert accounts.describe("Assets:Unknown") == "Assets:Unknown"
    assert accounts.seller_of(accounts.seller_payable(42)) == 42
    assert accounts.seller_of(accounts.BANK) is None
    with translation.override("zh-hans"):
        assert accounts.describe(accounts.BANK) != "Service centre bank account"
