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


add_rule("orders.place_order", is_county_member)
add_rule("orders.place_for_villager", is_station_agent | is_centre_operator)
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
    is_order_buyer | is_order_placer | works_for_order_seller | is_centre_operator,
)
add_rule("orders.fulfil_order", works_for_order_seller | is_centre_operator)
add_rule("orders.deliver_order", serves_at_order_point | is_centre_operator)
add_rule("orders.run_settlement", is_centre_operator)
