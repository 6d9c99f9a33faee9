"""The ledger lines of settlement's money events, as pure functions.

Each returns (account code, fen) lines, debits positive, that sum to zero; the service
that books the event passes them to `highland.ledger.services.post_entry`.
"""

from __future__ import annotations

from highland.ledger import accounts

Line = tuple[str, int]

# Payouts leave from the account that holds the money: the service centre's bank.
PAYOUT_SOURCE = accounts.BANK


def payout_lines(*, seller_id: int, amount_fen: int) -> list[Line]:
    """A payout: the seller's payable is debited (less owed), the bank pays."""
    if amount_fen <= 0:
        raise ValueError("a payout is more than zero")
    return [(accounts.seller_payable(seller_id), amount_fen), (PAYOUT_SOURCE, -amount_fen)]
