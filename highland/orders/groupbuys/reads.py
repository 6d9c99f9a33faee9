"""Permission-checked reads of group buys and the pick-list selector."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from highland.core.errors import NotFound
from highland.core.models import Role, User
from highland.core.permissions import allowed, roles_of
from highland.network.models import ServicePoint
from highland.orders.groupbuys.terms import LINES_IN_ORDER, LIVE
from highland.orders.models import (
    ConsolidatedPurchase,
    GroupBuy,
    Order,
    OrderLine,
    OrderStatus,
)

# --- reads ---------------------------------------------------------------------------------


def access_group_buy(user: User, group_buy_id: int) -> GroupBuy:
    """The group buy if `user` may see it; missing and not-yours give the same 404."""
    group_buy = (
        GroupBuy.objects.select_related("county", "station", "organiser")
        .filter(pk=group_buy_id)
        .first()
    )
    if group_buy is None or not allowed(user, "orders.view_group_buy", group_buy):
        raise NotFound(_("No such group buy."))
    return group_buy


def access_purchase(user: User, purchase_id: int) -> ConsolidatedPurchase:
    purchase = (
        ConsolidatedPurchase.objects.select_related(
            "county", "seller", "group_buy__station", "group_buy__county"
        )
        .filter(pk=purchase_id)
        .first()
    )
    if purchase is None or not allowed(user, "orders.view_consolidated_purchase", purchase):
        raise NotFound(_("No such purchase."))
    return purchase


def group_buys_visible_to(user: User) -> QuerySet[GroupBuy]:
    """The group buys of the person's county they organise, serve, supply or joined."""
    county = user.county
    base = GroupBuy.objects.filter(county=county).select_related("station", "organiser")
    if user.is_superuser or roles_of(user, county) & {Role.CENTRE_OPERATOR, Role.COUNTY_OFFICIAL}:
        return base
    ids = GroupBuy.objects.filter(
        Q(station__agents=user) | Q(points__agents=user) | Q(orders__order__buyer=user),
        county=county,
    ).values("pk")
    return base.filter(pk__in=ids)


def item_totals(group_buy: GroupBuy) -> dict[int, int]:
    """Units ordered so far per SKU, over the orders still standing."""
    totals: dict[int, int] = defaultdict(int)
    for sku_id, quantity in (
        OrderLine.objects.filter(order__group_buy_link__group_buy=group_buy)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("sku_id", "quantity")
    ):
        totals[sku_id] += quantity
    return dict(totals)


@dataclass
class PickRow:
    order: Order
    villager: str
    to_collect_fen: int
    lines: list[OrderLine]


@dataclass
class PickList:
    point: ServicePoint
    rows: list[PickRow] = field(default_factory=list)
    totals: list[tuple[str, str, int]] = field(default_factory=list)


def pick_lists(group_buy: GroupBuy, *, point_ids: set[int] | None = None) -> list[PickList]:
    """Per village point, which villager gets what (orders still standing), by code."""
    orders = (
        Order.objects.filter(LIVE, group_buy_link__group_buy=group_buy)
        .select_related("buyer", "pickup_point")
        .prefetch_related(LINES_IN_ORDER)
        .order_by("pickup_point__code", "recipient_name", "pk")
    )
    if point_ids is not None:
        orders = orders.filter(pickup_point_id__in=point_ids)
    lists: dict[int, PickList] = {}
    for order in orders:
        assert order.pickup_point is not None
        pick_list = lists.setdefault(order.pickup_point.pk, PickList(point=order.pickup_point))
        pick_list.rows.append(
            PickRow(
                order=order,
                villager=str(order.buyer),
                to_collect_fen=order.total_fen
                if order.status == OrderStatus.PENDING_PAYMENT
                else 0,
                lines=list(order.lines.all()),
            )
        )
    for pick_list in lists.values():
        quantities: dict[tuple[str, str], int] = defaultdict(int)
        for row in pick_list.rows:
            for line in row.lines:
                quantities[(line.product_name, line.sku_label)] += line.quantity
        pick_list.totals = [(name, label, qty) for (name, label), qty in sorted(quantities.items())]
    return list(lists.values())
