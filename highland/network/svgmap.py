"""A county's points drawn as a small SVG, server-side, from their coordinates.

Equirectangular projection with longitude scaled by cos(mean latitude): at a
county's size (~100 km) the distortion is far below a marker's width, and the
output needs no tiles, no JavaScript and no network.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from django.urls import reverse
from django.utils.translation import gettext as _

from highland.network.models import Connectivity, ServicePoint, Tier

WIDTH = 640
HEIGHT = 480
PADDING = 36

TIER_STYLE = {
    Tier.COUNTY_CENTRE: ("#b91c1c", 11),
    Tier.TOWNSHIP_STATION: ("#1d4ed8", 8),
    Tier.VILLAGE_POINT: ("#15803d", 5),
}
CONNECTIVITY_BADGE = {
    Connectivity.NONE: "✕",
    Connectivity.G2: "2G",
    Connectivity.G3: "3G",
    Connectivity.G4: "4G",
    Connectivity.BROADBAND: "BB",
}


def _projector(points: Sequence[ServicePoint]) -> Callable[[ServicePoint], tuple[float, float]]:
    latitudes = [float(p.latitude) for p in points]
    longitudes = [float(p.longitude) for p in points]
    mean_latitude = math.radians(sum(latitudes) / len(latitudes))
    xs = [lon * math.cos(mean_latitude) for lon in longitudes]
    min_x, max_x = min(xs), max(xs)
    min_y, max_y = min(latitudes), max(latitudes)
    span = max(max_x - min_x, max_y - min_y, 1e-6)
    scale = min((WIDTH - 2 * PADDING) / span, (HEIGHT - 2 * PADDING) / span)
    offset_x = (WIDTH - (max_x - min_x) * scale) / 2
    offset_y = (HEIGHT - (max_y - min_y) * scale) / 2

    def project(point: ServicePoint) -> tuple[float, float]:
        x = float(point.longitude) * math.cos(mean_latitude)
        return (
            round(offset_x + (x - min_x) * scale, 1),
            round(HEIGHT - offset_y - (float(point.latitude) - min_y) * scale, 1),
        )

    return project


def render_county_map(points: Sequence[ServicePoint], *, title: str) -> str:
    """SVG markup: lines from each point to its parent, one linked marker per point."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label={quoteattr(title)} class="county-map">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f8f5ef"/>',
    ]
    if not points:
        empty_message = _("No active service points.")
        parts.append(
            f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle">'
            f"{escape(empty_message)}</text></svg>"
        )
        return "".join(parts)
    project = _projector(points)
    position = {point.pk: project(point) for point in points}
    parts.append('<g stroke="#9ca3af" stroke-width="1">')
    for point in points:
        if point.parent_id in position:
            x1, y1 = position[point.pk]
            x2, y2 = position[point.parent_id]
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
    parts.append("</g>")
    # Draw villages first so stations and the centre stay on top.
    draw_order = {Tier.VILLAGE_POINT: 0, Tier.TOWNSHIP_STATION: 1, Tier.COUNTY_CENTRE: 2}
    for point in sorted(points, key=lambda p: draw_order[Tier(p.tier)]):
        x, y = position[point.pk]
        colour, radius = TIER_STYLE[Tier(point.tier)]
        unstable = "" if point.connectivity_stable else ' stroke-dasharray="3 2"'
        fill = "#ffffff" if point.connectivity == Connectivity.NONE else colour
        label = _("%(name)s · %(tier)s · %(connectivity)s%(stability)s · %(altitude)s m") % {
            "name": point.name,
            "tier": point.get_tier_display(),
            "connectivity": point.get_connectivity_display(),
            "stability": "" if point.connectivity_stable else " " + _("(unstable)"),
            "altitude": point.altitude_m,
        }
        href = reverse("network:point-detail", args=[point.pk])
        parts.append(
            f'<a href={quoteattr(href)} class="map-point" data-tier="{point.tier}" '
            f'data-connectivity="{point.connectivity}">'
            f"<title>{escape(label)}</title>"
            f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{fill}" stroke="{colour}" '
            f'stroke-width="2"{unstable}/>'
            f'<text x="{x + radius + 2}" y="{y - radius + 2}" font-size="9" fill="#374151">'
            f"{escape(CONNECTIVITY_BADGE[Connectivity(point.connectivity)])}</text>"
        )
        # Stations are labelled by township: full station names overlap where points crowd.
        if point.tier != Tier.VILLAGE_POINT:
            parts.append(
                f'<text x="{x}" y="{y + radius + 12}" font-size="11" text-anchor="middle" '
                f'fill="#111827">{escape(point.township or point.name)}</text>'
            )
        parts.append("</a>")
    parts.append(_legend())
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    rows = [
        (TIER_STYLE[Tier.COUNTY_CENTRE][0], _("County centre")),
        (TIER_STYLE[Tier.TOWNSHIP_STATION][0], _("Township station")),
        (TIER_STYLE[Tier.VILLAGE_POINT][0], _("Village point")),
    ]
    items = [f'<g class="legend" font-size="10" transform="translate(8,{HEIGHT - 62})">']
    for index, (colour, text) in enumerate(rows):
        items.append(
            f'<circle cx="6" cy="{index * 14 + 6}" r="5" fill="{colour}"/>'
            f'<text x="16" y="{index * 14 + 9}">{escape(str(text))}</text>'
        )
    marker_note = _("dashed: unstable · hollow: no signal")
    items.append(
        f'<circle cx="6" cy="48" r="5" fill="#fff" stroke="#374151" stroke-dasharray="3 2"/>'
        f'<text x="16" y="51">{escape(marker_note)}</text>'
    )
    items.append("</g>")
    return "".join(items)
