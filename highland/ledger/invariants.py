"""Checks that the ledger still says what it must, run by `verify_ledger`.

Other apps register their own checks ("every paid order has its entries", "seller
payable matches orders minus payouts") from their AppConfig.ready(), so that every
process that runs `verify_ledger` has them:

    register_invariant("orders.paid_orders_posted", paid_orders_posted)

A check takes the county and returns a list of problems, each a sentence; [] means fine.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from highland.core.hooks import Hook
from highland.core.models import County
from highland.core.money import format_fen
from highland.ledger.models import Entry, Posting

InvariantCheck = Callable[[County], list[str]]

ledger_invariants: Hook[InvariantCheck] = Hook("ledger invariants")


def register_invariant(name: str, check: InvariantCheck) -> InvariantCheck:
    """Add a check under a unique name; registering the same check again changes nothing."""
    return ledger_invariants.register(name, check)


def registered_invariants() -> dict[str, InvariantCheck]:
    """The checks by name, in registration order."""
    return dict(ledger_invariants.items())


def verify_ledger(county: County) -> list[str]:
    """Every problem every registered check finds, each prefixed with the check's name."""
    return [
        f"{name}: {problem}"
        for name, check in ledger_invariants.items()
        for problem in check(county)
    ]


def entries_balance(county: County) -> list[str]:
    """Each entry's postings sum to zero (one GROUP BY query)."""
    unbalanced = (
        Posting.objects.filter(entry__county=county)
        .values("entry_id")
        .annotate(total=Sum("amount_fen"))
        .exclude(total=0)
        .order_by("entry_id")
    )
    return [
        _("Entry #%(entry)d does not balance: its postings sum to %(total)s.")
        % {"entry": row["entry_id"], "total": format_fen(row["total"])}
        for row in unbalanced
    ]


def entries_have_two_postings(county: County) -> list[str]:
    """Each entry has at least two postings."""
    short = (
        Entry.objects.filter(county=county)
        .annotate(posting_count=Count("postings"))
        .filter(posting_count__lt=2)
        .order_by("id")
        .values_list("id", "posting_count")
    )
    return [
        _("Entry #%(entry)d has %(count)d postings; an entry needs at least two.")
        % {"entry": entry_id, "count": posting_count}
        for entry_id, posting_count in short
    ]


def postings_stay_in_county(county: County) -> list[str]:
    """Each posting's account belongs to its entry's county."""
    strays = (
        Posting.objects.filter(entry__county=county)
        .exclude(account__county=county)
        .order_by("id")
        .values_list("id", "entry_id", "account__code")
    )
    return [
        _("Posting #%(posting)d of entry #%(entry)d is on %(account)s of another county.")
        % {"posting": posting_id, "entry": entry_id, "account": code}
        for posting_id, entry_id, code in strays
    ]


register_invariant("ledger.entries_balance", entries_balance)
register_invariant("ledger.entries_have_two_postings", entries_have_two_postings)
register_invariant("ledger.postings_stay_in_county", postings_stay_in_county)
