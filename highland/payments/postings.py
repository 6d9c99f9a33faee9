"""The ledger lines of each money event of payments: pure functions, tested for balance.

Receiving and refunding a payment, a point's cash counted and handed over at the end of
the day, and the gateway paying a day's online receipts into the bank. Each returns
(account code, fen) lines, debits positive, that sum to zero.

Accounts come from `highland.ledger.accounts`; `post_entry` posts what these return.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from highland.ledger import accounts
from highland.ledger.memos import Memo
from highland.payments.models import PaymentMethod

Line = tuple[str, int]


def received(money_account: str, amount_fen: int) -> list[Line]:
    """Money arrived: it sits in `money_account` and is owed to the buyer until allocated."""
    return [(money_account, amount_fen), (accounts.BUYER_CLEARING, -amount_fen)]


def refund_requested(debit_lines: Sequence[Line], amount_fen: int) -> list[Line]:
    """A refund was decided: whoever it comes out of owes it to the buyer now."""
    if sum(amount for _account, amount in debit_lines) != amount_fen:
        raise ValueError("refund debit lines must sum to the refund")
    return [*debit_lines, (accounts.REFUNDS_DUE, -amount_fen)]


def refund_paid(money_account: str, amount_fen: int) -> list[Line]:
    """The refund left the money account (gateway, a point's cash, the bank)."""
    return [(accounts.REFUNDS_DUE, amount_fen), (money_account, -amount_fen)]


# --- money settling into the bank ---------------------------------------------------------


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


# --- memos: what each entry of payments is for, rendered in the reader's language -------

MEMO_RECEIVED = "payments.payment.received"
MEMO_REFUND_REQUESTED = "payments.refund.requested"
MEMO_REFUND_PAID = "payments.refund.paid"
MEMO_CASH_SHORTAGE = "payments.cash.shortage"
MEMO_CASH_OVERAGE = "payments.cash.overage"
MEMO_CASH_HANDED_OVER = "payments.cash.handed_over"
MEMO_GATEWAY_SETTLEMENT = "payments.gateway_settlement.imported"

MEMOS = {
    MEMO_RECEIVED: Memo(
        _("Payment %(payment)s received (%(method)s)"),
        ("payment", "method"),
        {"method": PaymentMethod.choices},
    ),
    MEMO_REFUND_REQUESTED: Memo(
        _("Refund %(refund)s of payment %(payment)s: %(reason)s"), ("refund", "payment", "reason")
    ),
    MEMO_REFUND_PAID: Memo(_("Refund %(refund)s paid back"), ("refund",)),
    MEMO_CASH_SHORTAGE: Memo(_("Cash short at %(point)s"), ("point",)),
    MEMO_CASH_OVERAGE: Memo(_("Cash over at %(point)s"), ("point",)),
    MEMO_CASH_HANDED_OVER: Memo(_("Cash from %(point)s paid into the bank"), ("point",)),
    MEMO_GATEWAY_SETTLEMENT: Memo(
        _("Gateway settlement %(batch)s of %(date)s into the bank"), ("batch", "date")
    ),
}
