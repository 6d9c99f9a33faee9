"""The ledger as a Beancount file, so auditors can check it with bean-check and Fava."""

from __future__ import annotations

import io
from typing import Protocol
from zoneinfo import ZoneInfo

from django.db.models import Min, Prefetch

from highland.core.models import County
from highland.core.money import FEN_PER_YUAN
from highland.ledger.models import Account, Entry, Posting

CURRENCY = "CNY"
# Entries are dated as the county sees the calendar: all of China keeps Beijing time.
LEDGER_TIME_ZONE = ZoneInfo("Asia/Shanghai")
EXPORT_CHUNK_SIZE = 2000


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


def yuan(amount_fen: int) -> str:
    """12345 -> '123.45'; -5 -> '-0.05': exact, no floats."""
    sign = "-" if amount_fen < 0 else ""
    whole, fen = divmod(abs(amount_fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{fen:02d}"


def quoted(text: str) -> str:
    """A Beancount string literal on one line."""
    one_line = " ".join(text.splitlines())
    return '"' + one_line.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_beancount(county: County, out: Writer) -> None:
    """Write the county's ledger to `out`: options, an open per account, one txn per entry."""
    out.write(f"; Highland ledger of {county.name_en or county.name_zh} ({county.code})\n")
    out.write(f"option {quoted('title')} {quoted(f'{county.name_zh} ({county.code})')}\n")
    out.write(f'option "operating_currency" "{CURRENCY}"\n\n')

    accounts = (
        Account.objects.filter(county=county)
        .annotate(first_used_at=Min("postings__entry__occurred_at"))
        .filter(first_used_at__isnull=False)
        .order_by("first_used_at", "code")
    )
    for account in accounts:
        opened = account.first_used_at.astimezone(LEDGER_TIME_ZONE).date()
        out.write(f"{opened.isoformat()} open {account.code} {CURRENCY}\n")

    entries = (
        Entry.objects.filter(county=county)
        .prefetch_related(
            Prefetch("postings", queryset=Posting.objects.select_related("account").order_by("id"))
        )
        .order_by("occurred_at", "id")
    )
    for entry in entries.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        day = entry.occurred_at.astimezone(LEDGER_TIME_ZONE).date()
        out.write(f"\n{day.isoformat()} * {quoted(entry.description)}\n")
        out.write(f"  entry: {quoted(str(entry.pk))}\n")
        out.write(f"  kind: {quoted(entry.kind)}\n")
        if entry.reference_type:
            out.write(f"  reference: {quoted(f'{entry.reference_type}:{entry.reference_id}')}\n")
        for posting in entry.postings.all():
            out.write(f"  {posting.account.code}  {yuan(posting.amount_fen)} {CURRENCY}\n")


def export_beancount(county: County) -> str:
    """The county's ledger as Beancount text."""
    buffer = io.StringIO()
    write_beancount(county, buffer)
    return buffer.getvalue()
