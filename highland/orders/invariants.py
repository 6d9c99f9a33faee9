"""What the ledger must say about orders, checked by `verify_ledger` (registered in apps.py)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _

from highland.core.models import County
from highland.core.money import format_fen
from highland.ledger import accounts
from highland.ledger.models import Entry, Posting
from highland.orders.models import AfterSale, AfterSaleStatus, Order, OrderStatus
from highland.payments.models import Payment

SELLER_PAYABLE_PREFIX = accounts.SELLER_PAYABLE_PREFIX


def paid_payments_posted(county: County) -> list[str]:
    """Every payment that was paid has its 'received' entry."""
    paid = set(
        Payment.objects.filter(county=county, paid_at__isnull=False).values_list("pk", flat=True)
    )
    posted = {
        int(reference_id)
        for reference_id in Entry.objects.filter(
            county=county, kind="payments.payment.received", reference_type="payments.payment"
        ).values_list("reference_id", flat=True)
    }
    return [
        _("Paid payment #%(payment)d has no ledger entry.") % {"payment": pk}
        for pk in sorted(paid - posted)
    ]


def seller_payables_match(county: County) -> list[str]:
    """Each seller's payable equals their live paid orders (goods − commission ± weight),
    less what after-sales refunded out of it, less payouts."""
    owed: dict[int, int] = defaultdict(int)
    for seller_id, items, commission, adjustment in (
        Order.objects.filter(county=county, paid_at__isnull=False)
        .exclude(status=OrderStatus.CANCELLED)
        .values_list("seller_id", "items_fen", "commission_fen", "adjustment_fen")
    ):
        owed[seller_id] += items - commission + adjustment
    for seller_id, refunded in (
        AfterSale.objects.filter(county=county, status=AfterSaleStatus.REFUNDED)
        .order_by()
        .values("order__seller_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("order__seller_id", "total")
    ):
        owed[seller_id] -= int(refunded)
    balances = {
        int(code.removeprefix(SELLER_PAYABLE_PREFIX)): -int(total)
        for code, total in Posting.objects.filter(
            entry__county=county, account__code__startswith=SELLER_PAYABLE_PREFIX
        )
        .values("account__code")
        .annotate(total=Sum("amount_fen"))
        .values_list("account__code", "total")
    }
    problems = []
    for seller_id in sorted(set(owed) | set(balances)):
        expected = owed.get(seller_id, 0) - _paid_out(county, seller_id)
        if balances.get(seller_id, 0) != expected:
            problems.append(
                _("Seller S%(seller)d: the ledger owes %(ledger)s but the orders say %(orders)s.")
                % {
                    "seller": seller_id,
                    "ledger": format_fen(balances.get(seller_id, 0)),
                    "orders": format_fen(expected),
                }
            )
    return problems


def _paid_out(county: County, seller_id: int) -> int:
    """What settlement already paid the seller (payout entries debit their payable)."""
    total = Posting.objects.filter(
        entry__county=county,
        entry__kind="orders.settlement.paid",
        account__code=f"{SELLER_PAYABLE_PREFIX}{seller_id}",
    ).aggregate(total=Sum("amount_fen"))["total"]
    return int(total or 0)
