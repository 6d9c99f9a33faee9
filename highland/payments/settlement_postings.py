"""The ledger lines of money settling into the bank, as pure functions: a point's cash
counted and handed over at the end of the day, and the gateway paying a day's online
receipts into the bank.

Each returns (account code, fen) lines, debits positive, that sum to zero; the service
that books the event passes them to `highland.ledger.services.post_entry`. (Receiving and
refunding payments have their own postings with the payment lifecycle.)
"""

from __future__ import annotations

from highland.ledger import accounts

Line = tuple[str, int]


def _positive(amount_fen: int, what: str) -> None:
    if amount_fen <= 0:
        raise ValueError(f"{what} is more than zero")


def cash_shortage_lines(*, point_code: str, shortage_fen: int) -> list[Line]:
    """Less cash counted than the ledger expects: the difference is written off."""
    _positive(shortage_fen, "a shortage")
    return [
        (accounts.CASH_SHORTAGE, shortage_fen),
        (accounts.cash_at_point(point_code), -shortage_fen),
    ]


def cash_overage_lines(*, point_code: str, overage_fen: int) -> list[Line]:
    """More cash counted than the ledger expects: the difference is income."""
    _positive(overage_fen, "an overage")
    return [
        (accounts.cash_at_point(point_code), overage_fen),
        (accounts.CASH_OVERAGE, -overage_fen),
    ]


def cash_handover_lines(*, point_code: str, amount_fen: int) -> list[Line]:
    """Cash leaves the point's drawer and is paid into the service centre's bank."""
    _positive(amount_fen, "a handover")
    return [(accounts.BANK, amount_fen), (accounts.cash_at_point(point_code), -amount_fen)]


def gateway_settlement_lines(*, gross_fen: int, fee_fen: int, refund_fen: int) -> list[Line]:
    """The gateway pays a batch into the bank: what it received (`gross_fen`) less what it
    refunded leaves the gateway account; the bank gets that less the gateway's fees.

    Refunds were already taken out of the gateway account when they were paid, so the
    batch moves `gross − refunds` out of it. A batch whose refunds exceed its receipts
    leaves a negative net: the gateway takes it from the bank. Zero lines are left out;
    an empty list means there is nothing to post.
    """
    if gross_fen < 0 or fee_fen < 0 or refund_fen < 0:
        raise ValueError("settlement amounts are not negative")
    net_fen = gross_fen - fee_fen - refund_fen
    lines = [
        (accounts.BANK, net_fen),
        (accounts.GATEWAY_FEES, fee_fen),
        (accounts.GATEWAY, -(gross_fen - refund_fen)),
    ]
    return [(code, amount) for code, amount in lines if amount]
