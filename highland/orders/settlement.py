"""Paying sellers: orders delivered at least a week ago become due, minus commission."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import Seller
from highland.core import audit
from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.models import County, Role, User
from highland.core.permissions import allowed, require
from highland.ledger import accounts
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
PAYOUT_ACCOUNT = accounts.BANK


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


def may_see_seller_money(user: User, seller: Seller) -> bool:
    """Operators who run settlement, the agent representing a household seller, and the
    seller organisation's staff, managers and accountants."""
    if allowed(user, "orders.run_settlement", seller.county) or seller.represented_by_id == user.pk:
        return True
    if seller.organisation_id is None:
        return False
    return user.memberships.filter(
        organisation_id=seller.organisation_id,
        active=True,
        role__in=[Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER, Role.COOPERATIVE_ACCOUNTANT],
    ).exists()


def statement_for(
    actor: User, seller_id: int, *, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, object]:
    """The statement of a seller `actor` may see, for [start, end] (default: this month
    to today), with the seller and the period; a seller they may not see is not found."""
    county = home_county(actor)
    seller = Seller.objects.filter(pk=seller_id, county=county).select_related("county").first()
    if seller is None or not may_see_seller_money(actor, seller):
        raise NotFound(_("No such seller."), field="seller_id")
    today = timezone.localdate()
    start = start or today.replace(day=1)
    end = end or today
    if end < start:
        raise ValidationFailed(_("The start date is after the end date."), field="start")
    statement = seller_statement(county, seller.pk, start=start, end=end)
    return {"seller": seller, "start": start, "end": end, **statement}


def seller_statement(
    county: County, seller_id: int, *, start: dt.date, end: dt.date
) -> dict[str, object]:
    """A seller's statement for [start, end]: their paid orders and payouts in the period.

    Each order's after-sale refunds (refund only, or return and refund) come out of what
    the seller earned on it, as they come out of the payout: the statement's "earned"
    and the payouts for the same orders agree to the fen.
    """
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    orders = list(
        Order.objects.filter(county=county, seller_id=seller_id, paid_at__range=(start_at, end_at))
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(
            aftersale_refunds_fen=Coalesce(
                Sum(
                    "aftersales__refund__amount_fen",
                    filter=Q(aftersales__status=AfterSaleStatus.REFUNDED),
                ),
                0,
            )
        )
        .order_by("paid_at", "pk")
    )
    payouts = list(
        Payout.objects.filter(
            county=county, seller_id=seller_id, created_at__range=(start_at, end_at)
        ).order_by("created_at")
    )
    for order in orders:
        order.earned_fen = (  # type: ignore[attr-defined]
            order.items_fen
            - order.commission_fen
            + order.adjustment_fen
            - order.aftersale_refunds_fen
        )
    return {
        "orders": orders,
        "payouts": payouts,
        "goods_fen": sum(order.items_fen for order in orders),
        "commission_fen": sum(order.commission_fen for order in orders),
        "adjustment_fen": sum(order.adjustment_fen for order in orders),
        "refunds_fen": sum(order.aftersale_refunds_fen for order in orders),
        "earned_fen": sum(order.earned_fen for order in orders),  # type: ignore[attr-defined]
        "paid_out_fen": sum(payout.amount_fen for payout in payouts),
    }


def _aftersale_refunds(order_ids: list[int]) -> int:
    """What after-sales already refunded on these orders: it came out of the seller's
    payable, so the payout leaves it out."""
    total = AfterSale.objects.filter(
        order_id__in=order_ids, status=AfterSaleStatus.REFUNDED
    ).aggregate(total=Sum("refund__amount_fen"))["total"]
    return int(total or 0)
