"""A county's points drawn as a small SVG, server-side, from their coordinates.

Equirectangular projection with longitude scaled by cos(mean latitude): at a
county's size (~100 km) the distortion is far below a marker's width, and the
output needs no tiles, no JavaScript and no network.

Zooming is a `View` (a zoom level and a centre, from the query string): the SVG's
viewBox shows that part, and markers and labels are drawn smaller in map units so that
they keep their size on the screen. Labels are placed deterministically by
`place_labels`: each point in turn (centre, stations, villages) takes the first of
eight positions around its marker that stays inside the view and overlaps no marker
and no label already placed; a point with no free position goes unlabelled (its name
stays in the marker's tooltip and on its page).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from highland.network.models import Connectivity, ServicePoint, Tier

WIDTH = 640
HEIGHT = 480
PADDING = 36

# Colour and radius at zoom 1, in map units; the map is about 340 px wide on a phone,
# so a unit is about half a pixel there.
TIER_STYLE = {
    Tier.COUNTY_CENTRE: ("#b91c1c", 13),
    Tier.TOWNSHIP_STATION: ("#1d4ed8", 10),
    Tier.VILLAGE_POINT: ("#15803d", 7),
}
# Label font size at zoom 1, in map units (about 10 px on a phone).
LABEL_SIZE = {Tier.COUNTY_CENTRE: 20, Tier.TOWNSHIP_STATION: 19, Tier.VILLAGE_POINT: 18}
# A finger is wider than a marker: each link has a transparent target this big.
TOUCH_RADIUS = 18
ZOOMS = (1, 2, 4)


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


@dataclass(frozen=True)
class View:
    """The part of the map shown: a zoom level (1, 2 or 4) and the centre, in map units."""

    zoom: int = 1
    x: float = WIDTH / 2
    y: float = HEIGHT / 2

    @classmethod
    def from_query(cls, zoom: str | None, x: str | None, y: str | None) -> View:
        """A view from query-string values; anything unreadable gives the whole county."""
        try:
            level = int(zoom or 1)
            centre_x = float(x) if x else WIDTH / 2
            centre_y = float(y) if y else HEIGHT / 2
        except ValueError:
            return cls()
        if level not in ZOOMS or not (math.isfinite(centre_x) and math.isfinite(centre_y)):
            return cls()
        return cls(level, centre_x, centre_y).clamped()

    def clamped(self) -> View:
        """The same zoom, its centre moved so the view stays within the map."""
        half_width, half_height = WIDTH / self.zoom / 2, HEIGHT / self.zoom / 2
        return View(
            self.zoom,
            round(min(max(self.x, half_width), WIDTH - half_width), 1),
            round(min(max(self.y, half_height), HEIGHT - half_height), 1),
        )

    @property
    def box(self) -> Box:
        width, height = WIDTH / self.zoom, HEIGHT / self.zoom
        return Box(self.x - width / 2, self.y - height / 2, width, height)

    def query(self, zoom: int | None = None, dx: float = 0, dy: float = 0) -> str:
        """The query string of another view: zoomed to `zoom`, or moved by dx, dy views."""
        level = zoom or self.zoom
        moved = View(level, self.x + dx * self.box.width, self.y + dy * self.box.height)
        moved = moved.clamped()
        if moved.zoom == 1:
            return "?"
        return f"?zoom={moved.zoom}&x={moved.x:g}&y={moved.y:g}"

    def around(self, x: float, y: float, zoom: int) -> str:
        return View(zoom, x, y).clamped().query()


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )

    def inside(self, other: Box) -> bool:
        return (
            self.x >= other.x
            and self.y >= other.y
            and self.x + self.width <= other.x + other.width
            and self.y + self.height <= other.y + other.height
        )


@dataclass(frozen=True)
class Label:
    point_id: int
    text: str
    box: Box
    font_size: float


def _text_width(text: str, font_size: float) -> float:
    """A generous estimate of the drawn width: Han full width, Tibetan stacks take no extra."""
    width = 0.0
    for character in text:
        code = ord(character)
        if 0x0F71 <= code <= 0x0F84 or 0x0F8D <= code <= 0x0FBC:
            continue  # vowel signs and subjoined letters sit above or below the line
        if 0x0F00 <= code <= 0x0FFF:
            width += 0.7
        elif code >= 0x2E80:
            width += 1.0
        elif character == " ":
            width += 0.35
        else:
            width += 0.62
    return width * font_size


def _label_text(point: ServicePoint) -> str:
    # Stations by township and villages by village: full names overlap where points crowd.
    if point.tier == Tier.VILLAGE_POINT:
        return point.village or point.name
    return point.township or point.name


def place_labels(
    points: Sequence[ServicePoint],
    position: dict[int, tuple[float, float]],
    view: View,
) -> list[Label]:
    """Labels that overlap no marker and no other label, inside the view; see the module doc."""
    zoom = view.zoom
    # A margin inside the edge: a glyph may be a little wider than estimated.
    margin = 6 / zoom
    whole = view.box
    bounds = Box(
        whole.x + margin, whole.y + margin, whole.width - 2 * margin, whole.height - 2 * margin
    )
    markers = {
        point.pk: Box(x - radius / zoom, y - radius / zoom, 2 * radius / zoom, 2 * radius / zoom)
        for point in points
        for (x, y), (_colour, radius) in [(position[point.pk], TIER_STYLE[Tier(point.tier)])]
    }
    order = {Tier.COUNTY_CENTRE: 0, Tier.TOWNSHIP_STATION: 1, Tier.VILLAGE_POINT: 2}
    placed: list[Label] = []
    for point in sorted(points, key=lambda p: (order[Tier(p.tier)], p.code)):
        text = _label_text(point)
        if not text:
            continue
        size = LABEL_SIZE[Tier(point.tier)] / zoom
        width = _text_width(text, size)
        # Tibetan letters stack above and below the line: a taller line box.
        height = size * (1.7 if any(0x0F00 <= ord(c) <= 0x0FFF for c in text) else 1.25)
        x, y = position[point.pk]
        gap = (TIER_STYLE[Tier(point.tier)][1] + 3) / zoom
        candidates = [
            (x + gap, y - height / 2),  # right
            (x - gap - width, y - height / 2),  # left
            (x - width / 2, y - gap - height),  # above
            (x - width / 2, y + gap),  # below
            (x + gap * 0.7, y - gap * 0.7 - height),  # above right
            (x + gap * 0.7, y + gap * 0.7),  # below right
            (x - gap * 0.7 - width, y - gap * 0.7 - height),  # above left
            (x - gap * 0.7 - width, y + gap * 0.7),  # below left
        ]
        for left, top in candidates:
            box = Box(round(left, 1), round(top, 1), round(width, 1), round(height, 1))
            if not box.inside(bounds):
                continue
            if any(box.overlaps(marker) for marker in markers.values()):
                continue
            if any(box.overlaps(label.box) for label in placed):
                continue
            placed.append(Label(point.pk, text, box, round(size, 2)))
            break
    return placed


def project_points(points: Sequence[ServicePoint]) -> dict[int, tuple[float, float]]:
    """Each point's position on the map, by primary key."""
    if not points:
        return {}
    project = _projector(points)
    return {point.pk: project(point) for point in points}


def render_county_map(
    points: Sequence[ServicePoint], *, title: str, view: View | None = None, legend: bool = True
) -> str:
    """SVG markup: lines from each point to its parent, one linked marker and maybe a label
    per point. The legend is drawn inside only for a standalone file (`legend=True`)."""
    view = view or View()
    bounds = view.box
    zoom = view.zoom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{bounds.x:g} {bounds.y:g} {bounds.width:g} {bounds.height:g}" '
        f'width="100%" role="img" aria-label={quoteattr(title)} class="county-map">',
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
    position = project_points(points)
    parts.append(f'<g stroke="#9ca3af" stroke-width="{1 / zoom:g}">')
    for point in points:
        if point.parent_id in position:
            x1, y1 = position[point.pk]
            x2, y2 = position[point.parent_id]
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
    parts.append("</g>")
    labels = {label.point_id: label for label in place_labels(points, position, view)}
    # Draw villages first so stations and the centre stay on top.
    draw_order = {Tier.VILLAGE_POINT: 0, Tier.TOWNSHIP_STATION: 1, Tier.COUNTY_CENTRE: 2}
    for point in sorted(points, key=lambda p: draw_order[Tier(p.tier)]):
        x, y = position[point.pk]
        colour, radius = TIER_STYLE[Tier(point.tier)]
        radius_here = round(radius / zoom, 2)
        unstable = "" if point.connectivity_stable else ' stroke-dasharray="3 2"'
        fill = "#ffffff" if point.connectivity == Connectivity.NONE else colour
        tooltip = _("%(name)s · %(tier)s · %(connectivity)s%(stability)s · %(altitude)s m") % {
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
            f"<title>{escape(tooltip)}</title>"
            f'<circle cx="{x}" cy="{y}" r="{TOUCH_RADIUS / zoom:g}" fill="transparent"/>'
            f'<circle cx="{x}" cy="{y}" r="{radius_here:g}" fill="{fill}" stroke="{colour}" '
            f'stroke-width="{2 / zoom:g}"{unstable}/>'
        )
        if point.pk in labels:
            label = labels[point.pk]
            box = label.box
            parts.append(
                f'<text x="{box.x:g}" y="{box.y + box.height * 0.78:.1f}" '
                f'font-size="{label.font_size:g}" fill="#111827">{escape(label.text)}</text>'
            )
        parts.append("</a>")
    if legend:
        parts.append(_legend())
    parts.append("</svg>")
    return "".join(parts)


# The legend's rows: CSS class of the swatch and its words. The page shows them as HTML
# (readable at any zoom); a downloaded SVG carries them inside.
MAP_LEGEND = [
    ("centre", gettext_lazy("County centre")),
    ("station", gettext_lazy("Township station")),
    ("village", gettext_lazy("Village point")),
    ("unstable", gettext_lazy("Dashed: unstable signal")),
    ("no-signal", gettext_lazy("Hollow: no signal")),
]


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
