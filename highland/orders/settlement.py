"""Paying sellers: orders delivered at least a week ago become due, minus commission."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from highland.core import audit
from highland.core.models import County, User
from highland.core.permissions import require
from highland.ledger.services import post_entry
from highland.orders.models import (
    ACTIVE_AFTERSALE_STATUSES,
    AfterSale,
    AfterSaleStatus,
    Order,
    OrderStatus,
    Payout,
)
from highland.orders.services import seller_payable_account

SETTLEMENT_DELAY = dt.timedelta(days=7)
PAYOUT_ACCOUNT = "Assets:Bank"


def due_orders(county: County, *, as_of: dt.datetime) -> QuerySet[Order]:
    """Delivered or completed orders, delivered at least SETTLEMENT_DELAY before `as_of`,
    not yet paid out, and with no after-sale request in progress (it may refund the
    buyer out of what the seller would be paid)."""
    return (
        Order.objects.filter(
            county=county,
            status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED],
            delivered_at__lte=as_of - SETTLEMENT_DELAY,
            payout__isnull=True,
        )
        .exclude(aftersales__status__in=ACTIVE_AFTERSALE_STATUSES)
        .order_by("seller_id", "pk")
    )


@dataclass(frozen=True)
class SettlementRun:
    payouts: list[Payout]
    total_fen: int


@transaction.atomic
def settle_sellers(
    county: County, *, actor: User | None, as_of: dt.datetime | None = None
) -> SettlementRun:
    """Pay every seller what their due orders earned; one payout and one entry per seller.

    Idempotent by construction: a paid-out order carries its payout and is not due again.
    `actor` None is the scheduled run.
    """
    if actor is not None:
        require(actor, "orders.run_settlement", county)
    as_of = as_of or timezone.now()
    by_seller: dict[int, list[Order]] = defaultdict(list)
    for order in due_orders(county, as_of=as_of).select_for_update(of=("self",)):
        by_seller[order.seller_id].append(order)
    payouts = []
    for seller_id, orders in sorted(by_seller.items()):
        goods = sum(order.items_fen for order in orders)
        commission = sum(order.commission_fen for order in orders)
        adjustment = sum(order.adjustment_fen for order in orders)
        refunds = _aftersale_refunds([order.pk for order in orders])
        amount = goods - commission + adjustment - refunds
        if amount <= 0:
            continue
        payout = Payout.objects.create(
            county=county,
            seller_id=seller_id,
            amount_fen=amount,
            goods_fen=goods,
            commission_fen=commission,
            adjustment_fen=adjustment,
            refunds_fen=refunds,
            order_count=len(orders),
            due_before=as_of - SETTLEMENT_DELAY,
            created_by=actor,
        )
        Order.objects.filter(pk__in=[order.pk for order in orders]).update(payout=payout)
        post_entry(
            county,
            kind="orders.settlement.paid",
            description=f"Payout {payout.pk} to seller S{seller_id} for {len(orders)} orders",
            lines=[(seller_payable_account(seller_id), amount), (PAYOUT_ACCOUNT, -amount)],
            actor=actor,
            reference=payout,
        )
        audit.record(
            actor,
            "orders.payout.paid",
            payout,
            {
                "seller": seller_id,
                "amount_fen": amount,
                "orders": [order.number for order in orders],
            },
        )
        payouts.append(payout)
    return SettlementRun(payouts=payouts, total_fen=sum(payout.amount_fen for payout in payouts))


def seller_statement(
    county: County, seller_id: int, *, start: dt.date, end: dt.date
) -> dict[str, object]:
    """A seller's statement for [start, end]: their paid orders and payouts in the period."""
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    orders = list(
        Order.objects.filter(county=county, seller_id=seller_id, paid_at__range=(start_at, end_at))
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("paid_at")
    )
    payouts = list(
        Payout.objects.filter(
            county=county, seller_id=seller_id, created_at__range=(start_at, end_at)
        ).order_by("created_at")
    )
    return {
        "orders": orders,
        "payouts": payouts,
        "goods_fen": sum(order.items_fen for order in orders),
        "commission_fen": sum(order.commission_fen for order in orders),
        "adjustment_fen": sum(order.adjustment_fen for order in orders),
        "earned_fen": sum(
            order.items_fen - order.commission_fen + order.adjustment_fen for order in orders
        ),
        "paid_out_fen": sum(payout.amount_fen for payout in payouts),
    }


def _aftersale_refunds(order_ids: list[int]) -> int:
    """What after-sales already refunded on these orders: it came out of the seller's
    payable, so the payout leaves it out."""
    total = AfterSale.objects.filter(
        order_id__in=order_ids, status=AfterSaleStatus.REFUNDED
    ).aggregate(total=Sum("refund__amount_fen"))["total"]
    return int(total or 0)
