"""A plan on the county's road map: each route drawn along its roads in its own colour
over the roads part's map (`roadmap.render_road_map`: points at their coordinates by
tier, roads by class, closures in force when the vans leave in red), with a legend.

A route follows the fastest open roads between its stops in the graph in force when it
leaves (`roads.node_path`), as the planner saw them. Colours are attributes, not styles:
the page's security policy allows no inline style. The legend, the stops in order, the
points sent by bus and those left unserved are listed beside the map in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from highland.logistics.models import PlannedRoute, PlanningRun
from highland.logistics.planning.day import hub_point
from highland.logistics.roadmap import Overlay, render_road_map
from highland.logistics.services.roads import node_path, road_network


@dataclass(frozen=True)
class LegendRow:
    colour: str
    text: str


def render_plan_map(
    run: PlanningRun, routes: Sequence[PlannedRoute]
) -> tuple[str, list[LegendRow]]:
    """SVG markup of the run's routes over the roads, and its legend (routes with their
    stops prefetched)."""
    county = run.county
    leaves = min((route.starts_at for route in routes), default=None)
    network = road_network(county, leaves)
    overlays: list[Overlay] = []
    legend: list[LegendRow] = []
    hub = hub_point(county) if routes else None
    for route in routes:
        assert hub is not None
        title = _("Route %(number)d: %(vehicle)s") % {
            "number": route.order,
            "vehicle": route.vehicle,
        }
        places = [hub, *(stop.point for stop in route.stops.all()), hub]
        overlays.append(Overlay(node_path(county, places, at=route.starts_at), route.colour, title))
        legend.append(LegendRow(route.colour, title))
    svg = render_road_map(
        network.nodes,
        network.edges,
        title=_("Plan for %(day)s") % {"day": run.day.isoformat()},
        closed_edge_ids=network.closed_edge_ids,
        overlays=overlays,
    )
    return svg, legend
