"""Helpers shared by the ledger tests."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from highland.core.models import AuditRecord, County, User
from highland.ledger import invariants
from highland.ledger.models import Account, Entry, Posting
from highland.ledger.services import post_entry

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ledger_state() -> tuple[Any, ...]:
    """Everything posting could change, to assert that a refusal changed nothing."""
    return (
        list(Account.objects.order_by("pk").values()),
        list(Entry.objects.order_by("pk").values()),
        list(Posting.objects.order_by("pk").values()),
        AuditRecord.objects.count(),
    )


def ledger_invariants_only() -> dict[str, invariants.InvariantCheck]:
    """The ledger's own checks: what verify_ledger runs in these tests (monkeypatch it in).

    Other apps' checks (orders, payments) judge their own records and are tested there.
    """
    return {
        name: check
        for name, check in invariants.registered_invariants().items()
        if name.startswith("ledger.")
    }


def at(day: str, time: str = "10:00") -> dt.datetime:
    """A Beijing-time moment: at('2025-05-01', '09:30')."""
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def post_sale_day(county: County, actor: User | None) -> list[Entry]:
    """A small but real day of trade: payments, commission, shipping, a payout, a refund."""
    return [
        post_entry(
            county,
            kind="ledger.opening.balance",
            description="Opening balance",
            lines=[("Assets:Bank", 1_000_000), ("Equity:Opening", -1_000_000)],
            actor=actor,
            occurred_at=at("2025-04-30", "08:00"),
        ),
        post_entry(
            county,
            kind="orders.payment.received",
            description='Order LT-0001 paid by "Chen Jing" 陈静',
            lines=[("Assets:Bank", 25_850), ("Liabilities:BuyerClearing", -25_850)],
            actor=actor,
            occurred_at=at("2025-05-01", "09:15"),
        ),
        post_entry(
            county,
            kind="orders.payment.received",
            description="Order LT-0002 paid in cash at the Bengge station",
            lines=[("Assets:Cash:Point:LT-S01", 12_005), ("Liabilities:BuyerClearing", -12_005)],
            actor=actor,
            occurred_at=at("2025-05-01", "23:59"),
        ),
        post_entry(
            county,
            kind="orders.order.completed",
            description="Order LT-0001 completed",
            lines=[
                ("Liabilities:BuyerClearing", 25_850),
                ("Liabilities:SellerPayable:S12", -22_000),
                ("Income:Commission", -2_200),
                ("Income:Shipping", -1_650),
            ],
            actor=actor,
            occurred_at=at("2025-05-03", "14:00"),
        ),
        post_entry(
            county,
            kind="payments.payout.sent",
            description="Payout to seller S12",
            lines=[("Liabilities:SellerPayable:S12", 22_000), ("Assets:Bank", -22_000)],
            actor=actor,
            occurred_at=at("2025-05-04", "00:01"),
        ),
        post_entry(
            county,
            kind="orders.order.refunded",
            description="Order LT-0002 refunded, 0.05 kept for catch weight",
            lines=[
                ("Liabilities:BuyerClearing", 12_005),
                ("Expenses:CatchWeight", 5),
                ("Assets:Cash:Point:LT-S01", -12_005),
                ("Income:Shipping", -5),
            ],
            actor=actor,
            occurred_at=at("2025-05-04", "11:30"),
        ),
    ]


# Balances after post_sale_day, by code, in fen.
SALE_DAY_BALANCES = {
    "Assets:Bank": 1_003_850,
    "Assets:Cash:Point:LT-S01": 0,
    "Equity:Opening": -1_000_000,
    "Expenses:CatchWeight": 5,
    "Income:Commission": -2_200,
    "Income:Shipping": -1_655,
    "Liabilities:BuyerClearing": 0,
    "Liabilities:SellerPayable:S12": 0,
}
