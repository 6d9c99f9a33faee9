"""Ordering from the suppliers, receiving the goods and handing them out at the points."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.permissions import require
from highland.orders import lot_allocation, services
from highland.orders.groupbuys.closing import _drop_order
from highland.orders.groupbuys.terms import LINES_IN_ORDER, LIVE, _lock, transition
from highland.orders.models import (
    ConsolidatedPurchase,
    GroupBuy,
    GroupBuyOrder,
    GroupBuyStatus,
    Order,
    OrderStatus,
)
from highland.orders.paying import lock_payments_of

# --- ordering, delivery and pickup -----------------------------------------------------------


@transaction.atomic
def order_from_suppliers(
    group_buy: GroupBuy, *, actor: User, now: dt.datetime | None = None
) -> GroupBuy:
    """The organiser sends the consolidated purchases; sellers see them from now on."""
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.manage_group_buy", group_buy)
    numbers = list(group_buy.purchases.order_by("pk").values_list("number", flat=True))
    if group_buy.status == GroupBuyStatus.CLOSED and not numbers:
        raise ValidationFailed(
            _("Nothing to order: no order went ahead. Cancel the group buy instead."),
            code="nothing_to_order",
        )
    fields = transition(group_buy, GroupBuyStatus.ORDERED, now=now)
    group_buy.save(update_fields=fields)
    audit.record(actor, "orders.group_buy.ordered", group_buy, {"purchases": numbers})
    return group_buy


def _arrive(order: Order) -> None:
    """A paid order's goods reached its point: packed (unless the seller packed it on its
    own page already) and shipped, ready for pickup."""
    fields = []
    if order.status == OrderStatus.PAID:
        # Packed here without the seller's page: its units come out of the lots first
        # expiry first, as `pack_order` would take them (ADR 0010).
        lot_allocation.allocate_lines(order, list(order.lines.order_by("pk")))
        fields += services.transition(order, OrderStatus.PACKED)
    fields += services.transition(order, OrderStatus.SHIPPED)
    order.save(update_fields=sorted(set(fields)))


@transaction.atomic
def receive_purchase(
    purchase: ConsolidatedPurchase, *, actor: User, now: dt.datetime | None = None
) -> ConsolidatedPurchase:
    """The seller's delivery reached the station and its points: paid orders are ready
    for pickup. When every purchase is in, the group buy is delivered."""
    now = now or timezone.now()
    group_buy = _lock(purchase.group_buy_id)
    require(actor, "orders.manage_group_buy", group_buy)
    purchase = ConsolidatedPurchase.objects.select_for_update().get(pk=purchase.pk)
    if group_buy.status != GroupBuyStatus.ORDERED:
        raise ValidationFailed(
            _("Only a purchase ordered from its supplier can be received."), code="not_ordered"
        )
    if purchase.delivered_at is not None:
        raise ValidationFailed(_("This delivery was already received."), code="already_received")
    purchase.delivered_at, purchase.received_by = now, actor
    purchase.save(update_fields=["delivered_at", "received_by"])
    ready = []
    for order in (
        Order.objects.select_for_update(of=("self",))
        .filter(group_buy_link__group_buy=group_buy, seller_id=purchase.seller_id)
        .filter(status__in=[OrderStatus.PAID, OrderStatus.PACKED])
        .order_by("pk")
    ):
        _arrive(order)
        ready.append(order.number)
    delivered = not group_buy.purchases.filter(delivered_at__isnull=True).exists()
    if delivered:
        group_buy.save(update_fields=transition(group_buy, GroupBuyStatus.DELIVERED, now=now))
    audit.record(
        actor,
        "orders.consolidated_purchase.received",
        purchase,
        {"ready_for_pickup": ready, "group_buy_delivered": delivered},
    )
    return purchase


@transaction.atomic
def hand_over(order: Order, *, agent: User, pickup_code: str) -> Order:
    """A villager collects a group-buy order at their point with the code on the receipt;
    an unpaid order is paid in cash there first."""
    link = GroupBuyOrder.objects.filter(order_id=order.pk).first()
    if link is None:
        raise ValidationFailed(_("This order is not part of a group buy."), code="not_group_buy")
    group_buy = _lock(link.group_buy_id)
    order = Order.objects.select_related("payment", "pickup_point").get(pk=order.pk)
    require(agent, "orders.collect_cash", order.pickup_point)
    delivered_sellers = set(
        group_buy.purchases.filter(delivered_at__isnull=False).values_list("seller_id", flat=True)
    )
    if order.seller_id not in delivered_sellers:
        raise ValidationFailed(_("The goods have not reached the point yet."), code="not_arrived")
    if not secrets.compare_digest(order.pickup_code.encode(), pickup_code.strip().encode()):
        raise ValidationFailed(_("The pickup code does not match."), field="pickup_code")
    cash_collected = order.status == OrderStatus.PENDING_PAYMENT
    if cash_collected:
        assert order.pickup_point is not None
        services.collect_cash(order.payment, agent=agent, point=order.pickup_point)
    # Paid just now, or at the desk after the delivery came in: the goods are here.
    for ready in Order.objects.select_for_update(of=("self",)).filter(
        payment_id=order.payment_id,
        status__in=[OrderStatus.PAID, OrderStatus.PACKED],
        group_buy_link__group_buy=group_buy,
        seller_id__in=delivered_sellers,
    ):
        _arrive(ready)
    order = services.record_pickup(order, agent=agent, pickup_code=pickup_code)
    audit.record(
        agent,
        "orders.group_buy.handed_over",
        group_buy,
        {"order": order.number, "cash_collected": cash_collected},
        on_behalf_of=order.buyer,
    )
    return order


@transaction.atomic
def cancel_group_buy(
    group_buy: GroupBuy, *, actor: User, reason: str, now: dt.datetime | None = None
) -> GroupBuy:
    """Call a group buy off before anything is ordered: every order is cancelled, paid ones
    refunded, and the stock goes back."""
    now = now or timezone.now()
    group_buy = _lock(group_buy.pk)
    require(actor, "orders.manage_group_buy", group_buy)
    if not reason.strip():
        raise ValidationFailed(_("Say why the group buy is cancelled."), field="reason")
    fields = transition(group_buy, GroupBuyStatus.CANCELLED, now=now)
    group_buy.cancel_reason = reason.strip()[:200]
    group_buy.save(update_fields=[*fields, "cancel_reason"])
    why = _("The group buy was cancelled: %(reason)s") % {"reason": reason.strip()}
    numbers = []
    lock_payments_of(Order.objects.filter(LIVE, group_buy_link__group_buy=group_buy))
    for order in (
        Order.objects.select_for_update(of=("self",))
        .filter(LIVE, group_buy_link__group_buy=group_buy)
        .select_related("payment", "buyer")
        .prefetch_related(LINES_IN_ORDER)
        .order_by("pk")
    ):
        _drop_order(order, reason=why, actor=actor, group_buy=group_buy)
        numbers.append(order.number)
    audit.record(
        actor,
        "orders.group_buy.cancelled",
        group_buy,
        {"reason": reason.strip(), "cancelled_orders": numbers},
    )
    return group_buy
