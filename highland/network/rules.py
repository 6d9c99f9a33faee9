"""Permissions on the service network (loaded by rules' autodiscovery)."""

from __future__ import annotations

from typing import Any

import rules

from highland.core.permissions import add_rule, is_centre_operator, is_county_member


@rules.predicate
def is_agent_of_point(user: Any, point: Any) -> bool:
    return bool(
        point is not None
        and getattr(point, "pk", None)
        and point.agents.filter(pk=user.pk).exists()
    )


add_rule("network.view_point", is_county_member)
add_rule("network.add_point", is_centre_operator)
add_rule("network.manage_point", is_centre_operator)
add_rule("network.change_point", is_centre_operator | is_agent_of_point)


@rules.predicate
def is_agent_of_point_or_its_station(user: Any, point: Any) -> bool:
    """Agents of the point, or of the township station it belongs to."""
    if point is None or not getattr(point, "pk", None):
        return False
    station_ids = [point.pk] + ([point.parent_id] if point.parent_id else [])
    return bool(user.service_points.filter(pk__in=station_ids).exists())


add_rule("network.register_villager", is_centre_operator | is_agent_of_point_or_its_station)
