"""Who may buy, sell, collect and cancel (loaded by rules' autodiscovery)."""

from __future__ import annotations

from typing import Any

import rules

from highland.core.models import Membership, Role
from highland.core.permissions import (
    add_rule,
    has_role,
    is_centre_operator,
    is_county_member,
    is_station_agent,
    roles_of,
)
from highland.network.selectors import may_act_for
from highland.orders.models import ConsolidatedPurchase, GroupBuyOrder, GroupBuyStatus


@rules.predicate
def is_order_buyer(user: Any, order: Any) -> bool:
    return bool(getattr(order, "buyer_id", None) == user.pk)


@rules.predicate
def is_order_placer(user: Any, order: Any) -> bool:
    return bool(getattr(order, "placed_by_id", None) == user.pk)


@rules.predicate
def works_for_order_seller(user: Any, order: Any) -> bool:
    """Staff of the selling organisation, or the agent who represents an individual seller."""
    seller = getattr(order, "seller", None)
    if seller is None:
        return False
    if seller.represented_by_id == user.pk:
        return True
    if seller.organisation_id is None:
        return False
    if not roles_of(user, order.county) & {Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER}:
        return False
    return Membership.objects.filter(
        user=user, organisation_id=seller.organisation_id, active=True
    ).exists()


@rules.predicate
def serves_at_point(user: Any, point: Any) -> bool:
    return bool(point is not None and point.agents.filter(pk=user.pk).exists())


@rules.predicate
def serves_at_order_point(user: Any, order: Any) -> bool:
    point = getattr(order, "pickup_point", None)
    return bool(point is not None and point.agents.filter(pk=user.pk).exists())


@rules.predicate
def acts_for_order_buyer(user: Any, order: Any) -> bool:
    """The agent who serves the order's buyer as one of their villagers."""
    buyer = getattr(order, "buyer", None)
    return bool(buyer is not None and may_act_for(user, buyer))


COMMITTED_GROUP_BUY = (GroupBuyStatus.CLOSED, GroupBuyStatus.ORDERED, GroupBuyStatus.DELIVERED)


@rules.predicate
def is_group_buy_order(user: Any, order: Any) -> bool:
    """A group buy's goods reach the villages in one delivery the station receives, so the
    seller does not pack and ship its orders one by one."""
    if getattr(order, "pk", None) is None:
        return False
    return GroupBuyOrder.objects.filter(order_id=order.pk).exists()


@rules.predicate
def is_committed_group_buy_order(user: Any, order: Any) -> bool:
    """The order is in a group buy past its cut-off: its units are ordered from the seller,
    so only the service centre may still cancel it."""
    if getattr(order, "pk", None) is None:
        return False
    return GroupBuyOrder.objects.filter(
        order_id=order.pk, group_buy__status__in=COMMITTED_GROUP_BUY
    ).exists()


add_rule("orders.place_order", is_county_member)
# Whom for: `network.selectors.villagers_served_by`, checked by the services.
add_rule("orders.place_for_villager", is_station_agent)
add_rule("orders.collect_cash", serves_at_point | is_centre_operator)
add_rule("orders.confirm_transfer", is_centre_operator)
add_rule(
    "orders.view_order",
    is_order_buyer
    | is_order_placer
    | works_for_order_seller
    | serves_at_order_point
    | is_centre_operator
    | has_role(Role.COUNTY_OFFICIAL),
)
add_rule(
    "orders.cancel_order",
    ((is_order_buyer | is_order_placer | works_for_order_seller) & ~is_committed_group_buy_order)
    | is_centre_operator,
)
add_rule(
    "orders.fulfil_order",
    (works_for_order_seller & ~is_group_buy_order) | is_centre_operator,
)
# The code hands the parcel over: the buyer, their agent and the pickup point's agents
# see it; the seller, the operator and other agents do not.
add_rule("orders.view_pickup_code", is_order_buyer | acts_for_order_buyer | serves_at_order_point)
add_rule("orders.deliver_order", serves_at_order_point | is_centre_operator)
# The county's own delivery carries pickup orders to their points: whoever loads the van
# or hands the parcel to the bus (logistics' tracking events) ships it on the way.
add_rule(
    "orders.carry_order",
    has_role(Role.DRIVER, Role.CARRIER_DISPATCHER) | serves_at_order_point | is_centre_operator,
)
add_rule("orders.run_settlement", is_centre_operator)


# --- after-sales ---------------------------------------------------------------------------
# The seller decides a request until it escalates; from then on the service centre does.


@rules.predicate
def asked_for_aftersale(user: Any, aftersale: Any) -> bool:
    """The buyer of the request's order, or the agent who placed the order for them."""
    order = getattr(aftersale, "order", None)
    return bool(is_order_buyer.test(user, order) or is_order_placer.test(user, order))


@rules.predicate
def works_for_aftersale_seller(user: Any, aftersale: Any) -> bool:
    return bool(works_for_order_seller.test(user, getattr(aftersale, "order", None)))


@rules.predicate
def is_escalated_aftersale(user: Any, aftersale: Any) -> bool:
    return getattr(aftersale, "escalated_at", None) is not None


add_rule("orders.open_aftersale", is_order_buyer | is_order_placer)
add_rule("orders.add_aftersale_photo", asked_for_aftersale)
add_rule(
    "orders.decide_aftersale",
    (works_for_aftersale_seller & ~is_escalated_aftersale)
    | (is_centre_operator & is_escalated_aftersale),
)
add_rule(
    "orders.receive_return",
    works_for_aftersale_seller | (is_centre_operator & is_escalated_aftersale),
)
add_rule("orders.review_escalated_aftersales", is_centre_operator)


# --- group buys ----------------------------------------------------------------------------
# The station's agents organise; agents of the village points served add their villagers.


def _group_buy(obj: Any) -> Any:
    """A group buy, or the group buy of a consolidated purchase."""
    return obj.group_buy if isinstance(obj, ConsolidatedPurchase) else obj


@rules.predicate
def serves_at_group_buy_station(user: Any, obj: Any) -> bool:
    group_buy = _group_buy(obj)
    return bool(group_buy is not None and group_buy.station.agents.filter(pk=user.pk).exists())


@rules.predicate
def serves_at_group_buy_point(user: Any, obj: Any) -> bool:
    group_buy = _group_buy(obj)
    return bool(group_buy is not None and group_buy.points.filter(agents=user).exists())


@rules.predicate
def serves_at_point_or_its_station(user: Any, point: Any) -> bool:
    if point is None:
        return False
    return bool(
        point.agents.filter(pk=user.pk).exists()
        or (point.parent_id is not None and point.parent.agents.filter(pk=user.pk).exists())
    )


@rules.predicate
def joined_group_buy(user: Any, group_buy: Any) -> bool:
    return bool(group_buy is not None and group_buy.orders.filter(order__buyer=user).exists())


@rules.predicate
def supplies_group_buy(user: Any, obj: Any) -> bool:
    """Staff of a seller the group buy ordered from (the purchase's seller, for a purchase)."""
    group_buy = _group_buy(obj)
    if group_buy is None or group_buy.status not in (
        GroupBuyStatus.ORDERED,
        GroupBuyStatus.DELIVERED,
    ):
        return False
    purchases = (
        [obj]
        if isinstance(obj, ConsolidatedPurchase)
        else group_buy.purchases.select_related("seller", "county")
    )
    return any(works_for_order_seller.test(user, purchase) for purchase in purchases)


group_buy_staff = (
    serves_at_group_buy_station
    | serves_at_group_buy_point
    | is_centre_operator
    | has_role(Role.COUNTY_OFFICIAL)
)
add_rule("orders.organise_group_buy", (serves_at_point & is_station_agent) | is_centre_operator)
add_rule("orders.manage_group_buy", serves_at_group_buy_station | is_centre_operator)
add_rule("orders.join_group_buy", serves_at_point_or_its_station | is_centre_operator)
add_rule("orders.view_group_buy_lists", group_buy_staff)
add_rule("orders.view_group_buy", group_buy_staff | joined_group_buy | supplies_group_buy)
add_rule("orders.view_consolidated_purchase", group_buy_staff | supplies_group_buy)
