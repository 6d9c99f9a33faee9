"""What a payment pays for: each purpose registers its hooks here from `AppConfig.ready()`.

`payments` owns a payment's lifecycle (created, expired, received, refunded, reconciled)
and calls these hooks at each step; it never imports the apps that register them. Every
hook runs inside the payments transaction, after the payment row was locked (the lock
order: payment first, then what it pays for, then stock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from highland.core.models import User
    from highland.network.models import ServicePoint
    from highland.payments.models import Payment


@dataclass(frozen=True)
class PaymentPurpose:
    name: str
    # Allocate the money to what it pays for; returns the fen it could not allocate
    # (refunded in full by payments).
    on_received: Callable[[Payment, User | None], int]
    # The hold ran out: cancel what the payment was for and give its stock back.
    on_expired: Callable[[Payment, dt.datetime], None]
    # Late money for an expired payment: take the hold again if stock allows (one
    # conditional UPDATE per line); True when honoured, False to refund in full.
    reinstate: Callable[[Payment], bool]
    # Ids of pending payments whose hold ran out at `now`.
    due_for_expiry: Callable[[dt.datetime], Iterable[int]]
    # Who may see the payment besides its payer.
    may_view: Callable[[User, Payment], bool]
    # Refuse (raise a DomainError) cash taken at `point` for this payment.
    check_cash_point: Callable[[Payment, ServicePoint], None]
    # The path on this site the gateway sends the payer back to after paying online.
    # It is part of the charge (the gateway refuses the same trade number with another
    # return address), so it must stay the same for a payment.
    return_path: Callable[[Payment], str] = lambda _payment: "/"


_purposes: dict[str, PaymentPurpose] = {}


def register_purpose(purpose: PaymentPurpose) -> None:
    """Register what a payment may pay for. Call from `AppConfig.ready()`."""
    if purpose.name in _purposes:
        raise ValueError(f"payment purpose {purpose.name!r} is registered already")
    _purposes[purpose.name] = purpose


def purpose_of(payment: Payment) -> PaymentPurpose:
    try:
        return _purposes[payment.purpose]
    except KeyError:
        raise LookupError(f"no payment purpose {payment.purpose!r} is registered") from None


def all_purposes() -> list[PaymentPurpose]:
    return list(_purposes.values())
