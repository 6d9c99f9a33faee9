"""Shared setup for the planning tests: a road graph for the demo county (the roads
part's demo graph when it is loaded, else a plain tree along the network: each village
to its station, each station to the centre, 1.3 × the straight line), parcels for a day,
and a day's run executed in this process."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.utils import timezone

from highland.logistics.models import RoadEdge, RoadNode
from highland.logistics.services.roads import note_road_change
from highland.network.models import ServicePoint

DETOUR = 1.3


def _metres(a: ServicePoint, b: ServicePoint) -> int:
    lat1, lon1, lat2, lon2 = map(
        math.radians, (float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude))
    )
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2
    ) ** 2
    return max(1, int(2 * 6_371_000 * math.asin(math.sqrt(h)) * DETOUR))


def ensure_roads(county: Any) -> None:
    """A road graph reaching every active point of the county."""
    points = list(ServicePoint.objects.filter(county=county, active=True))
    if RoadNode.objects.filter(county=county, point__in=points).count() == len(points):
        return
    nodes = {}
    for point in points:
        node = RoadNode.objects.filter(point=point).first() or RoadNode.objects.create(
            county=county,
            code=f"N-{point.code}",
            point=point,
            name_zh=point.name_zh,
            name_bo=point.name_bo,
            name_en=point.name_en,
            latitude=point.latitude,
            longitude=point.longitude,
            altitude_m=point.altitude_m,
        )
        nodes[point.pk] = node
    by_id = {point.pk: point for point in points}
    for point in points:
        parent = by_id.get(point.parent_id or 0)
        if parent is None:
            continue
        if RoadEdge.objects.filter(from_node=nodes[point.pk], to_node=nodes[parent.pk]).exists():
            continue
        RoadEdge.objects.create(
            county=county,
            from_node=nodes[parent.pk],
            to_node=nodes[point.pk],
            road_name="X" + point.code[-3:],
            road_class="county" if point.tier == "township_station" else "township",
            length_m=_metres(parent, point),
            speed_kmh=40,
        )
    note_road_change(county)


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)
