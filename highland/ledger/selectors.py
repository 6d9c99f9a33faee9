"""Reads of the ledger, always scoped to one county. Balances are derived, never stored."""

from __future__ import annotations

from typing import NamedTuple

from django.db import models
from django.db.models import F, Prefetch, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce

from highland.core.models import County
from highland.ledger.models import Account, Entry, Posting, reference_of

# The order postings take effect in: by time, then as posted.
POSTING_ORDER = ("entry__occurred_at", "entry_id", "id")


class TrialBalanceRow(NamedTuple):
    code: str
    kind: str
    debit_fen: int
    credit_fen: int


def _prefix_filter(prefix: str) -> Q:
    """'Assets' and 'Assets:' both match Assets:Bank but not AssetsX:Bank."""
    if not prefix:
        return Q()
    if prefix.endswith(":"):
        return Q(code__startswith=prefix)
    return Q(code=prefix) | Q(code__startswith=f"{prefix}:")


def balance(county: County, code: str) -> int:
    """The balance of one account in fen (debits positive); 0 for an unused code."""
    total = Posting.objects.filter(account__county=county, account__code=code).aggregate(
        total=Coalesce(Sum("amount_fen"), Value(0))
    )["total"]
    return int(total)


def balances(county: County, prefix: str = "") -> dict[str, int]:
    """Every account's balance in fen by code, in code order, in one aggregate query."""
    rows = (
        Account.objects.filter(_prefix_filter(prefix), county=county)
        .annotate(total=Coalesce(Sum("postings__amount_fen"), Value(0)))
        .order_by("code")
        .values_list("code", "total")
    )
    return {code: int(total) for code, total in rows}


def trial_balance(county: County) -> list[TrialBalanceRow]:
    """Each account's balance in the debit or the credit column; the columns' totals agree."""
    rows = (
        Account.objects.filter(county=county)
        .annotate(total=Coalesce(Sum("postings__amount_fen"), Value(0)))
        .order_by("code")
        .values_list("code", "kind", "total")
    )
    return [
        TrialBalanceRow(code, kind, max(int(total), 0), max(-int(total), 0))
        for code, kind, total in rows
    ]


def _with_postings(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return entries.select_related("created_by").prefetch_related(
        Prefetch("postings", queryset=Posting.objects.select_related("account").order_by("id"))
    )


def county_entries(county: County) -> QuerySet[Entry]:
    """The county's entries, newest first, with postings and accounts prefetched."""
    return _with_postings(Entry.objects.filter(county=county)).order_by("-occurred_at", "-id")


def entries_for(county: County, reference: models.Model) -> QuerySet[Entry]:
    """The entries posted about `reference` (an order, a payment ...), oldest first."""
    reference_type, reference_id = reference_of(reference)
    return _with_postings(
        Entry.objects.filter(
            county=county, reference_type=reference_type, reference_id=reference_id
        )
    ).order_by("occurred_at", "id")


def account_statement(account: Account) -> QuerySet[Posting]:
    """The account's postings, newest first, each with `balance_fen`: the balance after it.

    The running balance is a window over the time order, so it stays right on every page.
    """
    return (
        Posting.objects.filter(account=account)
        .select_related("entry")
        .annotate(
            balance_fen=Window(
                Sum("amount_fen"), order_by=[F(field).asc() for field in POSTING_ORDER]
            )
        )
        .order_by(*(f"-{field}" for field in POSTING_ORDER))
    )
