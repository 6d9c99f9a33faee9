"""The ledger lines of the money events of orders, as pure functions: allocating a payment
to its orders, settling catch weight at packing, refunding an order in full, paying a
seller out.

Each returns (account code, fen) lines, debits positive, that sum to zero; the service
that books the event passes them to `highland.ledger.services.post_entry`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from highland.ledger import accounts
from highland.ledger.memos import Memo

Line = tuple[str, int]

# Payouts leave from the account that holds the money: the service centre's bank.
PAYOUT_SOURCE = accounts.BANK


def payout_lines(*, seller_id: int, amount_fen: int) -> list[Line]:
    """A payout: the seller's payable is debited (less owed), the bank pays."""
    if amount_fen <= 0:
        raise ValueError("a payout is more than zero")
    return [(accounts.seller_payable(seller_id), amount_fen), (PAYOUT_SOURCE, -amount_fen)]


def payout_returned_lines(*, seller_id: int, amount_fen: int) -> list[Line]:
    """The bank sent a payout back: the money is in the bank again and the seller is owed
    it again (the reverse of `payout_lines`)."""
    return [(PAYOUT_SOURCE, amount_fen), (accounts.seller_payable(seller_id), -amount_fen)]


def merged(lines: Iterable[Line]) -> list[Line]:
    """The lines with one line per account and no zero lines, in first-seen order."""
    totals: dict[str, int] = defaultdict(int)
    for account, amount in lines:
        totals[account] += amount
    return [(account, amount) for account, amount in totals.items() if amount]


def allocation_lines(
    *, seller_id: int, items_fen: int, commission_fen: int, shipping_fen: int
) -> list[Line]:
    """A paid order's share of buyer clearing goes to who earned it: the seller the goods
    less commission, the platform the commission and the shipping."""
    return merged(
        [
            (accounts.BUYER_CLEARING, items_fen + shipping_fen),
            (accounts.seller_payable(seller_id), -(items_fen - commission_fen)),
            (accounts.COMMISSION, -commission_fen),
            (accounts.SHIPPING, -shipping_fen),
        ]
    )


def catch_weight_lines(
    *, seller_id: int, adjustment_fen: int, commission_change_fen: int
) -> list[Line]:
    """Packing by weight: the allowance held in buyer clearing pays the seller the extra
    weight's price (or takes back the shortfall) less the commission on it, and the
    platform that commission. What is left of the allowance is refunded separately."""
    return merged(
        [
            (accounts.BUYER_CLEARING, adjustment_fen),
            (accounts.seller_payable(seller_id), -(adjustment_fen - commission_change_fen)),
            (accounts.COMMISSION, -commission_change_fen),
        ]
    )


def full_refund_sources(
    *,
    seller_id: int,
    items_fen: int,
    commission_fen: int,
    shipping_fen: int,
    adjustment_fen: int,
    unsettled_allowance_fen: int,
) -> list[Line]:
    """Whose balances a full refund of an order comes out of: the reverse of its allocation
    and catch weight, and the allowance still in buyer clearing (the debit side of the
    refund's request; the refund credits RefundsDue with their sum)."""
    return merged(
        [
            (accounts.seller_payable(seller_id), items_fen - commission_fen + adjustment_fen),
            (accounts.COMMISSION, commission_fen),
            (accounts.SHIPPING, shipping_fen),
            (accounts.BUYER_CLEARING, unsettled_allowance_fen),
        ]
    )


# --- memos: what each entry of orders is for, rendered in the reader's language ---------

MEMO_PAYMENT_ALLOCATED = "orders.payment.allocated"
MEMO_CATCH_WEIGHT = "orders.order.catch_weight"
MEMO_PAYOUT_PAID = "orders.payout.paid"
MEMO_PAYOUT_RETURNED = "orders.payout.returned"

MEMOS = {
    MEMO_PAYMENT_ALLOCATED: Memo(_("Orders of payment %(payment)s paid"), ("payment",)),
    MEMO_CATCH_WEIGHT: Memo(_("Catch weight of order %(order)s"), ("order",)),
    MEMO_PAYOUT_PAID: Memo(
        _("Payout %(payout)s to %(seller)s, orders paid out: %(count)s"),
        ("payout", "seller", "count"),
    ),
    MEMO_PAYOUT_RETURNED: Memo(
        _("Payout %(payout)s to %(seller)s returned by the bank"), ("payout", "seller")
    ),
}
