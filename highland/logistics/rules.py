"""Who may do what in logistics (loaded by rules' autodiscovery).

The centre runs the hub; the carrier's dispatcher plans the runs; drivers record what
they load, drop and collect; agents record what arrives at and leaves their point. Every
rule takes an object of the person's own county (the roles are per county).
"""

from __future__ import annotations

from typing import Any

import rules

from highland.core.models import Role
from highland.core.permissions import (
    add_rule,
    has_role,
    is_centre_operator,
    is_county_official,
)

is_dispatcher = has_role(Role.CARRIER_DISPATCHER)
is_driver = has_role(Role.DRIVER)
is_station_agent = has_role(Role.STATION_AGENT)


@rules.predicate
def serves_parcels_point(user: Any, parcel: Any) -> bool:
    """An agent of the point the parcel comes from or goes to (or of its station)."""
    point_ids = {
        pk
        for pk in (
            getattr(parcel, "destination_point_id", None),
            getattr(parcel, "origin_point_id", None),
        )
        if pk
    }
    if not point_ids:
        return False
    from highland.network.models import ServicePoint

    parent_ids = set(
        ServicePoint.objects.filter(pk__in=point_ids, parent__isnull=False).values_list(
            "parent_id", flat=True
        )
    )
    return bool(user.service_points.filter(pk__in=point_ids | parent_ids).exists())


runs_hub = is_centre_operator
plans_runs = is_centre_operator | is_dispatcher

add_rule("logistics.view_hub", runs_hub | is_dispatcher | is_county_official)
add_rule("logistics.run_hub", runs_hub)
add_rule("logistics.view_plans", plans_runs | is_county_official | is_driver)
add_rule("logistics.plan_runs", plans_runs)
add_rule("logistics.manage_fleet", plans_runs)
add_rule("logistics.manage_roads", plans_runs)
add_rule("logistics.drive", is_driver | plans_runs)
add_rule("logistics.create_parcel", runs_hub | is_dispatcher | is_station_agent)
add_rule(
    "logistics.record_tracking_event",
    runs_hub | is_dispatcher | is_driver | (is_station_agent & serves_parcels_point),
)
add_rule(
    "logistics.view_parcel",
    runs_hub | is_dispatcher | is_driver | is_county_official | serves_parcels_point,
)
add_rule("logistics.view_cold_chain", runs_hub | is_dispatcher | is_county_official)
add_rule("logistics.acknowledge_alert", runs_hub | is_dispatcher)
add_rule("logistics.manage_sensors", runs_hub)
add_rule("logistics.upload_readings", runs_hub | is_dispatcher | is_driver)
add_rule("logistics.view_costs", plans_runs | is_county_official)
# A proof-of-delivery photo shows the recipient at the handover: the centre, the carrier's
# dispatcher and the agents of the parcel's point see it (ADR 0013).
add_rule(
    "logistics.view_proof_of_delivery",
    runs_hub | is_dispatcher | (is_station_agent & serves_parcels_point),
)
