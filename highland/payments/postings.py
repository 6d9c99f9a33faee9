"""The ledger lines of each money event of a payment: pure functions, tested for balance.

Accounts come from `highland.ledger.accounts`; `post_entry` posts what these return.
"""

from __future__ import annotations

from collections.abc import Sequence

from highland.ledger import accounts

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
