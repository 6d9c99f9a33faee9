"""A plan on an SVG map: the county's roads and points, each route along its roads in its
own colour, stops numbered in order, points sent by bus and points left unserved.

Drawn on the server from coordinates (no tiles, no script), in the same projection as
the network map (equirectangular, longitude scaled by the cosine of the mean latitude).
A route follows the fastest road path between its stops in the graph in force when it
leaves (closures removed, as the planner saw it); without a road graph it falls back to
straight lines. Colours are attributes, not styles: the page's security policy allows no
inline style.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
from django.utils.translation import gettext as _

from highland.logistics.models import (
    BusChoice,
    Carrier,
    PlannedRoute,
    PlanningRun,
    RoadEdge,
    RoadNode,
    UnservedStop,
)
from highland.network.models import ServicePoint, Tier

WIDTH = 640
HEIGHT = 480
PADDING = 30
BUS_COLOUR = "#6d28d9"
UNSERVED_COLOUR = "#b91c1c"

Coordinates = tuple[float, float]  # latitude, longitude


@dataclass(frozen=True)
class Projection:
    mean_cos: float
    min_x: float
    min_y: float
    scale: float
    offset_x: float
    offset_y: float

    @classmethod
    def fitting(cls, places: Sequence[Coordinates]) -> Projection:
        latitudes = [lat for lat, _lon in places] or [0.0]
        mean_cos = math.cos(math.radians(sum(latitudes) / len(latitudes)))
        xs = [lon * mean_cos for _lat, lon in places] or [0.0]
        span = max(max(xs) - min(xs), max(latitudes) - min(latitudes), 1e-6)
        scale = min((WIDTH - 2 * PADDING) / span, (HEIGHT - 2 * PADDING) / span)
        return cls(
            mean_cos,
            min(xs),
            min(latitudes),
            scale,
            (WIDTH - (max(xs) - min(xs)) * scale) / 2,
            (HEIGHT - (max(latitudes) - min(latitudes)) * scale) / 2,
        )

    def __call__(self, place: Coordinates) -> tuple[float, float]:
        latitude, longitude = place
        return (
            round(self.offset_x + (longitude * self.mean_cos - self.min_x) * self.scale, 1),
            round(HEIGHT - self.offset_y - (latitude - self.min_y) * self.scale, 1),
        )


def _at(obj: ServicePoint | RoadNode) -> Coordinates:
    return (float(obj.latitude), float(obj.longitude))


def _polyline(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _road_path(
    graph: nx.Graph | None,
    node_of_point: dict[int, int],
    node_at: dict[int, Coordinates],
    a: ServicePoint,
    b: ServicePoint,
) -> list[Coordinates]:
    if graph is not None and a.pk in node_of_point and b.pk in node_of_point:
        try:
            path = nx.shortest_path(
                graph, node_of_point[a.pk], node_of_point[b.pk], weight="seconds"
            )
            return [node_at[node] for node in path]
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            pass
    return [_at(a), _at(b)]


def render_plan_map(run: PlanningRun, routes: Sequence[PlannedRoute]) -> str:
    """SVG markup of the run's plan (routes with their stops prefetched)."""
    county = run.county
    points = list(ServicePoint.objects.filter(county=county, active=True))
    nodes = list(RoadNode.objects.filter(county=county))
    node_at = {node.pk: _at(node) for node in nodes}
    node_of_point = {node.point_id: node.pk for node in nodes if node.point_id}
    project = Projection.fitting([_at(point) for point in points] + list(node_at.values()))
    title = _("Plan for %(day)s") % {"day": run.day.isoformat()}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-label={quoteattr(title)} class="county-map plan-map">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f8f5ef"/>',
    ]
    graph = None
    if nodes:
        from highland.logistics.services.roads import road_graph

        start = min((route.starts_at for route in routes), default=None)
        graph = road_graph(county, start)
        parts.append('<g stroke="#d1d5db" stroke-width="1.5" fill="none">')
        for edge in RoadEdge.objects.filter(county=county).only("from_node_id", "to_node_id"):
            (x1, y1), (x2, y2) = (
                project(node_at[edge.from_node_id]),
                project(node_at[edge.to_node_id]),
            )
            closed = (
                ""
                if graph.has_edge(edge.from_node_id, edge.to_node_id)
                else (' stroke="#ef4444" stroke-dasharray="4 3"')
            )
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"{closed}/>')
        parts.append("</g>")
    hub = next((p for p in points if p.tier == Tier.COUNTY_CENTRE), None)
    parts.append('<g fill="#9ca3af">')
    for point in points:
        x, y = project(_at(point))
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="3"><title>{escape(point.name)}</title></circle>'
        )
    parts.append("</g>")
    for route in routes:
        stops = list(route.stops.all())
        if hub is None:
            continue
        path: list[Coordinates] = []
        sequence = [hub, *(stop.point for stop in stops), hub]
        for a, b in pairwise(sequence):
            leg = _road_path(graph, node_of_point, node_at, a, b)
            path.extend(leg if not path else leg[1:])
        parts.append(
            f'<polyline points="{_polyline([project(p) for p in path])}" fill="none" '
            f'stroke="{route.colour}" stroke-width="3" stroke-linejoin="round" '
            f'stroke-opacity="0.85"><title>{escape(str(route.vehicle))}</title></polyline>'
        )
        for stop in stops:
            x, y = project(_at(stop.point))
            parts.append(
                f"<g><title>{escape(f'{stop.sequence}. {stop.point.name}')}</title>"
                f'<circle cx="{x}" cy="{y}" r="8" fill="{route.colour}" stroke="#fff"/>'
                f'<text x="{x}" y="{y + 3.5:g}" font-size="10" text-anchor="middle" '
                f'fill="#fff">{stop.sequence}</text></g>'
            )
    for choice in BusChoice.objects.filter(run=run, chosen=Carrier.BUS).select_related("point"):
        x, y = project(_at(choice.point))
        parts.append(
            f'<rect x="{x - 6:g}" y="{y - 6:g}" width="12" height="12" fill="{BUS_COLOUR}" '
            f'transform="rotate(45 {x} {y})"><title>{escape(choice.point.name)}</title></rect>'
        )
    for entry in UnservedStop.objects.filter(run=run).select_related("point"):
        x, y = project(_at(entry.point))
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="7" fill="none" stroke="{UNSERVED_COLOUR}" '
            f'stroke-width="2.5"><title>{escape(entry.point.name)}</title></circle>'
        )
    if hub is not None:
        x, y = project(_at(hub))
        parts.append(
            f'<rect x="{x - 7:g}" y="{y - 7:g}" width="14" height="14" fill="#111827">'
            f"<title>{escape(hub.name)}</title></rect>"
        )
    parts.append(_legend(routes))
    parts.append("</svg>")
    return "".join(parts)


def _legend(routes: Sequence[PlannedRoute]) -> str:
    rows: list[tuple[str, str, str]] = [
        (
            route.colour,
            "line",
            _("Route %(number)d: %(vehicle)s") % {"number": route.order, "vehicle": route.vehicle},
        )
        for route in routes
    ]
    rows += [
        ("#111827", "square", _("Hub")),
        (BUS_COLOUR, "square", _("By passenger bus")),
        (UNSERVED_COLOUR, "ring", _("Left unserved")),
    ]
    items = ['<g class="legend" font-size="11" transform="translate(8,8)">']
    items.append(
        f'<rect width="210" height="{len(rows) * 15 + 8}" fill="#ffffff" fill-opacity="0.85"/>'
    )
    for index, (colour, shape, text) in enumerate(rows):
        y = index * 15 + 12
        if shape == "line":
            items.append(
                f'<line x1="6" y1="{y}" x2="22" y2="{y}" stroke="{colour}" stroke-width="3"/>'
            )
        elif shape == "ring":
            items.append(
                f'<circle cx="14" cy="{y}" r="5" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        else:
            items.append(f'<rect x="9" y="{y - 5}" width="10" height="10" fill="{colour}"/>')
        items.append(f'<text x="28" y="{y + 4}">{escape(str(text))}</text>')
    items.append("</g>")
    return "".join(items)
