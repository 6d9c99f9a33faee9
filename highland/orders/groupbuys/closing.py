"""The cut-off: items that missed their minimum drop out, the rest become purchases."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import DomainError, ValidationFailed
from highland.core.models import User
from highland.core.permissions import require
from highland.orders import services
from highland.orders.groupbuys.terms import (
    LINES_IN_ORDER,
    LIVE,
    CloseResult,
    _lock,
    transition,
)
from highland.orders.models import (
    ConsolidatedPurchase,
    ConsolidatedPurchaseLine,
    GroupBuy,
    GroupBuyItem,
    GroupBuyOrder,
    GroupBuyStatus,
    ItemOutcome,
    Order,
    OrderLine,
    OrderStatus,
)
from highland.orders.paying import lock_payments_of
from highland.payments import refunds

logger = logging.getLogger(__name__)

# --- the cut-off ----------------------------------------------------------------------------


def _drop_order(order: Order, *, reason: str, actor: User | None, group_buy: GroupBuy) -> None:
    """Cancel a group-buy order the group buy cannot deliver: stock back, money back.

    Call inside the action's transaction with the order locked. It is `cancel_order`
    without the caller's permission check: the scheduled close has no person.
    """
    was_paid = order.status != OrderStatus.PENDING_PAYMENT
    fields = services.transition(order, OrderStatus.CANCELLED)
    order.save(update_fields=fields)
    services._release(order)
    if was_paid:
        refunds.request_refund(
            order.payment,
            order.items_fen
            + order.shipping_fen
            + order.adjustment_fen
            + services._allowance_left(order),
            reason=reason,
            reason_key=f"order:{order.pk}:cancelled",
            actor=actor,
            debit_lines=services._refund_lines_for(order),
        )
    else:
        services._cancel_payment_if_unpaid(order.payment, actor=actor)
    GroupBuyOrder.objects.filter(order=order).update(dropped_reason=reason[:200])
    audit.record(
        actor,
        "orders.order.cancelled",
        order,
        {"reason": reason, "refunded": was_paid, "group_buy": group_buy.pk},
        on_behalf_of=order.buyer if actor is not None else None,
    )


def _purchase_number() -> str:
    stamp = timezone.localtime().strftime("%y%m%d")
    return f"CP{stamp}{secrets.randbelow(10**10):010d}"


def _consolidate(group_buy: GroupBuy, orders: list[Order]) -> list[ConsolidatedPurchase]:
    """One purchase per seller: each SKU's units and goods value over the live orders."""
    by_seller: dict[int, dict[int, list[OrderLine]]] = defaultdict(lambda: defaultdict(list))
    for order in orders:
        for line in order.lines.all():
            by_seller[order.seller_id][line.sku_id].append(line)
    purchases = []
    for seller_id, by_sku in sorted(by_seller.items()):
        purchase = ConsolidatedPurchase.objects.create(
            county=group_buy.county,
            group_buy=group_buy,
            seller_id=seller_id,
            number=_purchase_number(),
            amount_fen=sum(line.line_fen for lines in by_sku.values() for line in lines),
        )
        ConsolidatedPurchaseLine.objects.bulk_create(
            ConsolidatedPurchaseLine(
                purchase=purchase,
                sku_id=sku_id,
                product_name_zh=lines[0].product_name_zh,
                product_name_bo=lines[0].product_name_bo,
                product_name_en=lines[0].product_name_en,
                sku_label_zh=lines[0].sku_label_zh,
                sku_label_bo=lines[0].sku_label_bo,
                sku_label_en=lines[0].sku_label_en,
                quantity=sum(line.quantity for line in lines),
                amount_fen=sum(line.line_fen for line in lines),
            )
            for sku_id, lines in sorted(by_sku.items())
        )
        purchases.append(purchase)
    return purchases


@transaction.atomic
def close_group_buy(
    group_buy: GroupBuy, *, actor: User | None, now: dt.datetime | None = None
) -> CloseResult:
    """Cut-off: drop what cannot go ahead, then one purchase per seller from what is left.

    Unpaid orders are dropped unless villagers pay at pickup; orders holding an item
    below its minimum are dropped, repeatedly, until every item left reached its
    minimum. `actor` None is the scheduled run, which closes only once the cut-off passed;
    an organiser may close early.
    """
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    if actor is not None:
        require(actor, "orders.manage_group_buy", group_buy)
    elif group_buy.closes_at > now:
        raise ValidationFailed(_("The cut-off has not come yet."), code="not_due")
    fields = transition(group_buy, GroupBuyStatus.CLOSED, now=now)
    # The money paths' lock order: payments before their orders.
    lock_payments_of(Order.objects.filter(LIVE, group_buy_link__group_buy=group_buy))
    live = list(
        Order.objects.select_for_update(of=("self",))
        .filter(LIVE, group_buy_link__group_buy=group_buy)
        .select_related("payment", "buyer")
        .prefetch_related(LINES_IN_ORDER)
        .order_by("pk")
    )
    cancelled: dict[str, str] = {}

    def drop(order: Order, reason: str) -> None:
        _drop_order(order, reason=reason, actor=actor, group_buy=group_buy)
        cancelled[order.number] = reason

    if not group_buy.pay_on_pickup:
        for order in [order for order in live if order.status == OrderStatus.PENDING_PAYMENT]:
            drop(order, _("Not paid by the group buy's cut-off."))
            live.remove(order)

    items = {item.sku_id: item for item in group_buy.items.select_related("sku__product")}
    below: set[int] = set()
    while True:
        totals = _totals(live)
        short = {
            sku_id
            for sku_id, item in items.items()
            if item.min_quantity and totals.get(sku_id, 0) < item.min_quantity
        }
        below |= short
        hit = [order for order in live if any(line.sku_id in short for line in order.lines.all())]
        if not hit:
            break
        for order in hit:
            item = items[next(line.sku_id for line in order.lines.all() if line.sku_id in short)]
            drop(
                order,
                _(
                    "%(product)s did not reach the group buy's minimum of %(minimum)d "
                    "(%(ordered)d ordered)."
                )
                % {
                    "product": item.sku.product.name_zh,
                    "minimum": item.min_quantity,
                    "ordered": totals.get(item.sku_id, 0),
                },
            )
            live.remove(order)
    totals = _totals(live)
    for sku_id, item in items.items():
        item.outcome = (
            ItemOutcome.BELOW_MINIMUM
            if sku_id in below
            else ItemOutcome.GOING_AHEAD
            if totals.get(sku_id)
            else ItemOutcome.NO_ORDERS
        )
    GroupBuyItem.objects.bulk_update(items.values(), ["outcome"])
    purchases = _consolidate(group_buy, live)
    group_buy.save(update_fields=fields)
    audit.record(
        actor,
        "orders.group_buy.closed",
        group_buy,
        {
            "scheduled": actor is None,
            "cancelled": cancelled,
            "purchases": {purchase.number: purchase.amount_fen for purchase in purchases},
            "quantities": {str(sku_id): quantity for sku_id, quantity in sorted(totals.items())},
        },
    )
    return CloseResult(group_buy=group_buy, cancelled=cancelled, purchases=purchases)


def _totals(orders: Sequence[Order]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for order in orders:
        for line in order.lines.all():
            totals[line.sku_id] += line.quantity
    return dict(totals)


def close_due_group_buys(*, now: dt.datetime | None = None) -> int:
    """Close every open group buy whose cut-off passed, each in its own transaction."""
    now = now or timezone.now()
    closed = 0
    due = GroupBuy.objects.filter(status=GroupBuyStatus.OPEN, closes_at__lte=now)
    for group_buy in due.order_by("closes_at", "pk"):
        try:
            close_group_buy(group_buy, actor=None, now=now)
        except DomainError:
            # Closed by hand meanwhile, or refused: the next run sees the fresh state.
            logger.exception("group buy %s was not closed", group_buy.pk)
        else:
            closed += 1
    return closed
