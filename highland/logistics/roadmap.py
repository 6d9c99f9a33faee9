"""The county's road network as a small SVG, server-side (no tiles, no script).

The same projection and sizes as the service network map (`network/svgmap.py`: an
equirectangular projection with longitude scaled by cos(mean latitude), 640 × 480 map
units, markers coloured by tier), over road nodes instead of points. Roads are lines
by class; unpaved roads dashed; roads closed at the moment drawn red and dashed. Routes
of a plan can be laid over it as node sequences (`Overlay`), e.g. from `roads.node_path`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from highland.logistics.models import RoadClass, RoadEdge, RoadNode
from highland.network.models import Tier
from highland.network.svgmap import HEIGHT, PADDING, TIER_STYLE, WIDTH

CLOSED_COLOUR = "#dc2626"
JUNCTION_COLOUR = "#6b7280"
# Stroke width by road class, in map units (about half a pixel each on a phone).
ROAD_WIDTH = {
    RoadClass.NATIONAL: 4.0,
    RoadClass.PROVINCIAL: 3.5,
    RoadClass.COUNTY: 3.0,
    RoadClass.TOWNSHIP: 2.0,
    RoadClass.TRACK: 1.5,
}
ROAD_COLOUR = {
    RoadClass.NATIONAL: "#92400e",
    RoadClass.PROVINCIAL: "#b45309",
    RoadClass.COUNTY: "#78716c",
    RoadClass.TOWNSHIP: "#a8a29e",
    RoadClass.TRACK: "#a8a29e",
}
LABEL_SIZE = 15


@dataclass(frozen=True)
class Overlay:
    """A route drawn over the roads: node primary keys in driving order, a colour, a name."""

    node_ids: Sequence[int]
    colour: str
    title: str = ""


def _projector(nodes: Sequence[RoadNode]) -> Callable[[RoadNode], tuple[float, float]]:
    latitudes = [float(n.latitude) for n in nodes]
    mean_latitude = math.radians(sum(latitudes) / len(latitudes))
    xs = [float(n.longitude) * math.cos(mean_latitude) for n in nodes]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(latitudes), max(latitudes)
    span = max(max_x - min_x, max_y - min_y, 1e-6)
    scale = min((WIDTH - 2 * PADDING) / span, (HEIGHT - 2 * PADDING) / span)
    offset_x = (WIDTH - (max_x - min_x) * scale) / 2
    offset_y = (HEIGHT - (max_y - min_y) * scale) / 2

    def project(node: RoadNode) -> tuple[float, float]:
        x = float(node.longitude) * math.cos(mean_latitude)
        return (
            round(offset_x + (x - min_x) * scale, 1),
            round(HEIGHT - offset_y - (float(node.latitude) - min_y) * scale, 1),
        )

    return project


def _tier(node: RoadNode) -> str | None:
    point = node.point
    return point.tier if point is not None else None


def render_road_map(
    nodes: Sequence[RoadNode],
    edges: Sequence[RoadEdge],
    *,
    title: str,
    closed_edge_ids: set[int] | frozenset[int] = frozenset(),
    overlays: Sequence[Overlay] = (),
) -> str:
    """SVG markup of the roads. `nodes` should come with `point` selected."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label={quoteattr(title)} class="road-map">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f8f5ef"/>',
    ]
    if not nodes:
        message = _("No roads have been entered for this county.")
        parts.append(
            f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle">'
            f"{escape(message)}</text></svg>"
        )
        return "".join(parts)
    project = _projector(nodes)
    position = {node.pk: project(node) for node in nodes}
    parts.append('<g stroke-linecap="round" fill="none">')
    for edge in edges:
        if edge.from_node_id not in position or edge.to_node_id not in position:
            continue
        (x1, y1), (x2, y2) = position[edge.from_node_id], position[edge.to_node_id]
        closed = edge.pk in closed_edge_ids
        road_class = RoadClass(edge.road_class)
        colour = CLOSED_COLOUR if closed else ROAD_COLOUR[road_class]
        dashes = (
            ' stroke-dasharray="8 5"'
            if closed
            else (' stroke-dasharray="4 3"' if not edge.paved else "")
        )
        tooltip = _("%(road)s %(length)s km%(closed)s") % {
            "road": str(edge),
            "length": f"{edge.length_m / 1000:.1f}",
            "closed": " · " + _("closed") if closed else "",
        }
        parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
            f'stroke-width="{ROAD_WIDTH[road_class]:g}"{dashes} data-edge="{edge.pk}"'
            f"{' data-closed' if closed else ''}><title>{escape(tooltip)}</title></line>"
        )
    parts.append("</g>")
    for overlay in overlays:
        coordinates = " ".join(
            f"{position[pk][0]},{position[pk][1]}" for pk in overlay.node_ids if pk in position
        )
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{overlay.colour}" '
            f'stroke-width="3" stroke-opacity="0.8" stroke-linejoin="round" class="route">'
            f"<title>{escape(overlay.title)}</title></polyline>"
        )
    draw_order: dict[str | None, int] = {
        None: 0,
        Tier.VILLAGE_POINT: 1,
        Tier.TOWNSHIP_STATION: 2,
        Tier.COUNTY_CENTRE: 3,
    }
    for node in sorted(nodes, key=lambda n: draw_order.get(_tier(n), 0)):
        x, y = position[node.pk]
        tier = _tier(node)
        tooltip = _("%(name)s · %(altitude)s m") % {"name": node.name, "altitude": node.altitude_m}
        if tier is None:
            # A junction or a pass: a small grey diamond.
            parts.append(
                f'<rect x="{x - 4}" y="{y - 4}" width="8" height="8" fill="{JUNCTION_COLOUR}" '
                f'transform="rotate(45 {x} {y})"><title>{escape(tooltip)}</title></rect>'
            )
            continue
        colour, radius = TIER_STYLE[Tier(tier)]
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="{radius * 0.7:g}" fill="{colour}" stroke="#fff" '
            f'stroke-width="1.5"><title>{escape(tooltip)}</title></circle>'
        )
        if tier != Tier.VILLAGE_POINT and node.point is not None:
            label = node.point.township or node.name
            parts.append(
                f'<text x="{x + radius}" y="{y - radius}" font-size="{LABEL_SIZE}" '
                f'fill="#111827">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


MAP_LEGEND = [
    ("road-national", gettext_lazy("National road")),
    ("road-local", gettext_lazy("County or township road")),
    ("road-unpaved", gettext_lazy("Dashed grey: unpaved")),
    ("road-closed", gettext_lazy("Dashed red: closed now")),
    ("junction", gettext_lazy("Diamond: junction or pass")),
]
