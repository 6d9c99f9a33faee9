"""The cards orders adds to an agent's desk (`network.desk`): cash to collect, parcels
waiting, pickups due today and group-buy deadlines. One query per card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core.models import User
from highland.core.money import format_fen
from highland.network.desk import ITEMS_PER_CARD, DeskCard, DeskItem
from highland.network.models import ServicePoint
from highland.orders.models import GroupBuy, GroupBuyStatus, Order, OrderStatus
from highland.payments.models import PaymentMethod

GROUP_BUY_DEADLINE_WINDOW = dt.timedelta(hours=48)


def cash_to_collect(
    agent: User, points: Sequence[ServicePoint], now: dt.datetime
) -> list[DeskCard]:
    """Unpaid cash orders at the agent's points, the soonest to lapse first."""
    orders = list(
        Order.objects.filter(
            pickup_point__in=points,
            status=OrderStatus.PENDING_PAYMENT,
            payment__method=PaymentMethod.CASH_AT_POINT,
        )
        .select_related("buyer", "pickup_point")
        .order_by("reserved_until", "pk")
    )
    items = [
        DeskItem(
            text=_("%(villager)s: %(amount)s at %(point)s")
            % {
                "villager": order.buyer,
                "amount": format_fen(order.total_fen),
                "point": order.pickup_point.name if order.pickup_point else "",
            },
            url=reverse("orders:payment", args=[order.payment_id]),
            until=order.reserved_until,
        )
        for order in orders[:ITEMS_PER_CARD]
    ]
    return [
        DeskCard(
            key="orders.cash_to_collect",
            title=_("Cash to collect"),
            count=len(orders),
            url=reverse("orders:order-list") + "?status=pending_payment",
            position=10,
            items=items,
            empty_text=_("No cash to collect."),
        )
    ]


def parcels_waiting(
    agent: User, points: Sequence[ServicePoint], now: dt.datetime
) -> list[DeskCard]:
    """Parcels at the agent's points waiting for their villager."""
    orders = list(
        Order.objects.filter(pickup_point__in=points, status=OrderStatus.SHIPPED)
        .select_related("buyer", "pickup_point")
        .order_by("shipped_at", "pk")
    )
    items = [
        DeskItem(
            text=_("%(villager)s: order %(number)s at %(point)s")
            % {
                "villager": order.buyer,
                "number": order.number,
                "point": order.pickup_point.name if order.pickup_point else "",
            },
            url=reverse("orders:order-detail", args=[order.pk]),
        )
        for order in orders[:ITEMS_PER_CARD]
    ]
    return [
        DeskCard(
            key="orders.parcels_waiting",
            title=_("Parcels waiting for pickup"),
            count=len(orders),
            url=reverse("orders:order-list") + "?status=shipped",
            position=20,
            items=items,
            empty_text=_("No parcels are waiting."),
        )
    ]


def _group_buys_at(points: Sequence[ServicePoint]) -> Q:
    return Q(station__in=points) | Q(points__in=points)


def _group_buy_items(group_buys: list[GroupBuy], when: str) -> list[DeskItem]:
    return [
        DeskItem(
            text=group_buy.title,
            url=reverse("orders:group-buy-detail", args=[group_buy.pk]),
            until=getattr(group_buy, when),
        )
        for group_buy in group_buys[:ITEMS_PER_CARD]
    ]


def pickups_due_today(
    agent: User, points: Sequence[ServicePoint], now: dt.datetime
) -> list[DeskCard]:
    """Group buys delivered to the agent's points whose villagers must collect by tonight."""
    local = timezone.localtime(now)
    end_of_day = timezone.make_aware(
        dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time()), local.tzinfo
    )
    group_buys = list(
        GroupBuy.objects.filter(_group_buys_at(points))
        .filter(status=GroupBuyStatus.DELIVERED, collect_by__gte=now, collect_by__lt=end_of_day)
        .distinct()
        .order_by("collect_by", "pk")
    )
    return [
        DeskCard(
            key="orders.pickups_due",
            title=_("Pickups due today"),
            count=len(group_buys),
            url=reverse("orders:group-buy-list"),
            position=30,
            items=_group_buy_items(group_buys, "collect_by"),
            empty_text=_("No pickups are due today."),
        )
    ]


def group_buy_deadlines(
    agent: User, points: Sequence[ServicePoint], now: dt.datetime
) -> list[DeskCard]:
    """Open group buys at the agent's points whose cut-off is within 48 hours."""
    group_buys = list(
        GroupBuy.objects.filter(_group_buys_at(points))
        .filter(
            status=GroupBuyStatus.OPEN,
            closes_at__gte=now,
            closes_at__lt=now + GROUP_BUY_DEADLINE_WINDOW,
        )
        .distinct()
        .order_by("closes_at", "pk")
    )
    return [
        DeskCard(
            key="orders.group_buy_deadlines",
            title=_("Group-buy deadlines in the next 48 hours"),
            count=len(group_buys),
            url=reverse("orders:group-buy-list"),
            position=40,
            items=_group_buy_items(group_buys, "closes_at"),
            empty_text=_("No group buy closes in the next 48 hours."),
        )
    ]
