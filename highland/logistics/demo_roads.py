"""The demo county's roads: Litang along G318, G227 and the township roads.

Approximate but plausible, not surveyed. The alignments follow the real roads in outline:
G318 runs east-west through the town (理塘), east over 卡子拉山 towards 雅江 and west past
托仁村 towards 海子山 and 巴塘; G227 runs north towards 新龙 (here past 哈依乡) and south
past 濯桑乡 over 兔儿山 and 海子山 towards 稻城; township roads reach every demo point.
Service points are placed as in `highland/network/demo_data.py`; junction and pass
positions are estimates. Lengths are straight-line distances times a winding factor per
road class (mountain roads wind: ×1.3 national, ×1.4 county and township, ×1.5 tracks,
×1.7 over a pass). Tibetan names of junctions and passes are transliterations, not
verified official spellings.

The road over 格聂山口 to 格聂镇 is closed every winter (1 December - 31 March); the
villages of 格聂镇 are then reached by the long unpaved detour from 格扎村 to 章纳村.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction

from highland.core.models import County, User
from highland.logistics.models import ClosureKind, RoadClass, RoadClosure, RoadEdge, RoadNode
from highland.logistics.models.roads import TYPICAL_SPEED_KMH
from highland.logistics.services.roads import close_road_seasonally, note_road_change
from highland.network.models import ServicePoint

# Junctions, passes and the county's borders on the trunk roads:
# code, zh, bo, en, latitude, longitude, altitude.
JUNCTIONS: list[tuple[str, str, str, str, str, str, int]] = [
    ("J-KZL", "卡子拉山垭口", "ཁ་ཙི་ལ།", "Kazila Pass", "30.045000", "100.530000", 4718),
    (
        "J-YAJ",
        "县界（往雅江）",
        "རྫོང་མཚམས། (ཉག་ཆུ་ཁ།)",
        "County border (to Yajiang)",
        "30.030000",
        "100.720000",
        4100,
    ),
    (
        "J-GNT",
        "G318 格聂路口",
        "དགེ་བསྙེན་ལམ་མདོ།",
        "Genie turn-off on G318",
        "29.975000",
        "99.970000",
        4200,
    ),
    (
        "J-HZW",
        "海子山（G318）",
        "ཧེ་ཙི་ཤན། (G318)",
        "Haizi Shan (G318)",
        "30.010000",
        "99.640000",
        4685,
    ),
    (
        "J-BAT",
        "县界（往巴塘）",
        "རྫོང་མཚམས། (འབའ་ཐང་།)",
        "County border (to Batang)",
        "29.990000",
        "99.460000",
        3900,
    ),
    ("J-GNP", "格聂山口", "དགེ་བསྙེན་ལ།", "Genie Pass", "29.900000", "99.900000", 4650),
    (
        "J-N01",
        "G227 北段岔口",
        "G227 བྱང་ལམ་མདོ།",
        "G227 north junction",
        "30.200000",
        "100.400000",
        4300,
    ),
    ("J-TES", "兔儿山", "ཐུའུ་ཨར་ཤན།", "Tuer Shan", "29.600000", "100.150000", 4696),
    (
        "J-HZS",
        "海子山（G227）",
        "ཧེ་ཙི་ཤན། (G227)",
        "Haizi Shan (G227)",
        "29.450000",
        "100.120000",
        4685,
    ),
    (
        "J-DAO",
        "县界（往稻城）",
        "རྫོང་མཚམས། (འདབ་པ།)",
        "County border (to Daocheng)",
        "29.300000",
        "100.160000",
        4200,
    ),
    ("J-GWP", "呷洼山口", "ག་བ་ལ།", "Gawa Pass", "29.700000", "100.540000", 4500),
]

# from, to, road, class, paved, over a pass; speeds come from TYPICAL_SPEED_KMH.
EDGES: list[tuple[str, str, str, str, bool, bool]] = [
    # G318 east over Kazila Pass.
    ("LT-C", "J-KZL", "G318", RoadClass.NATIONAL, True, True),
    ("J-KZL", "J-YAJ", "G318", RoadClass.NATIONAL, True, True),
    # G318 west past Tuoren and the Genie turn-off to Haizi Shan.
    ("LT-C", "LT-S01-V03", "G318", RoadClass.NATIONAL, True, False),
    ("LT-S01-V03", "J-GNT", "G318", RoadClass.NATIONAL, True, False),
    ("J-GNT", "J-HZW", "G318", RoadClass.NATIONAL, True, True),
    ("J-HZW", "J-BAT", "G318", RoadClass.NATIONAL, True, True),
    # Over Genie Pass to Genie and its villages (closed in winter: see SEASONAL_CLOSURE).
    ("J-GNT", "J-GNP", "", RoadClass.COUNTY, True, True),
    ("J-GNP", "LT-S02", "", RoadClass.COUNTY, True, True),
    ("LT-S02", "LT-S02-V01", "", RoadClass.TOWNSHIP, True, False),
    ("LT-S02", "LT-S02-V02", "", RoadClass.TOWNSHIP, False, False),
    ("LT-S02", "LT-S02-V03", "", RoadClass.TOWNSHIP, True, False),
    ("LT-S02-V03", "LT-S02-V04", "", RoadClass.TRACK, False, False),
    # G227 north to Hayi and the villages down the valley.
    ("LT-C", "J-N01", "G227", RoadClass.NATIONAL, True, True),
    ("J-N01", "LT-S03", "G227", RoadClass.NATIONAL, True, False),
    ("LT-S03", "LT-S03-V01", "", RoadClass.TOWNSHIP, True, False),
    ("LT-S03", "LT-S03-V03", "", RoadClass.TOWNSHIP, True, False),
    ("LT-S03-V03", "LT-S03-V04", "", RoadClass.TOWNSHIP, False, False),
    ("LT-S03-V04", "LT-S03-V02", "", RoadClass.TOWNSHIP, False, False),
    # G227 south past Zhuosang over Tuer Shan and Haizi Shan.
    ("LT-C", "LT-S05", "G227", RoadClass.NATIONAL, True, False),
    ("LT-S05", "LT-S05-V01", "G227", RoadClass.NATIONAL, True, False),
    ("LT-S05-V01", "J-TES", "G227", RoadClass.NATIONAL, True, True),
    ("J-TES", "J-HZS", "G227", RoadClass.NATIONAL, True, True),
    ("J-HZS", "J-DAO", "G227", RoadClass.NATIONAL, True, True),
    ("LT-S05", "LT-S01-V05", "", RoadClass.TOWNSHIP, True, False),
    # The winter way to Genie: an unpaved township road from Geza to Zhangna.
    ("LT-S01-V05", "LT-S02-V03", "", RoadClass.TOWNSHIP, False, False),
    # Benge and the county road south-east over Gawa Pass.
    ("LT-C", "LT-S01-V02", "", RoadClass.COUNTY, True, False),
    ("LT-S01-V02", "LT-S01", "", RoadClass.COUNTY, True, False),
    ("LT-S01", "LT-S01-V01", "", RoadClass.TOWNSHIP, True, False),
    ("LT-S01", "LT-S01-V04", "", RoadClass.COUNTY, True, False),
    ("LT-S01-V04", "J-GWP", "", RoadClass.COUNTY, True, True),
    ("J-GWP", "LT-S04", "", RoadClass.COUNTY, True, True),
    ("LT-S04", "LT-S04-V02", "", RoadClass.TOWNSHIP, True, False),
    ("LT-S04-V02", "LT-S04-V03", "", RoadClass.TOWNSHIP, True, False),
    ("LT-S04-V03", "LT-S04-V01", "", RoadClass.TOWNSHIP, False, False),
]

WINDING = {
    RoadClass.NATIONAL: 1.3,
    RoadClass.PROVINCIAL: 1.35,
    RoadClass.COUNTY: 1.4,
    RoadClass.TOWNSHIP: 1.4,
    RoadClass.TRACK: 1.5,
}
PASS_WINDING = 1.7

# The winter closure: the edge (its two ends), the reason as the dispatcher would enter
# it, and its first and last day (month, day).
SEASONAL_CLOSURE_EDGE = ("J-GNT", "J-GNP")
SEASONAL_CLOSURE_REASON = "格聂山口冬季积雪结冰，每年12月1日至次年3月31日封闭"
SEASONAL_CLOSURE_DAYS = ((12, 1), (3, 31))


def crow_flies_m(a: Any, b: Any) -> float:
    """Great-circle metres between two things with latitude and longitude."""
    lat1, lon1, lat2, lon2 = map(
        math.radians, map(float, (a.latitude, a.longitude, b.latitude, b.longitude))
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def load_demo_roads(county: County, *, admin: User) -> dict[str, int]:
    """Create whatever of the demo road graph is missing; returns counts created."""
    created = {"road_nodes": 0, "road_edges": 0, "road_closures": 0}
    with transaction.atomic():
        nodes: dict[str, RoadNode] = {}
        points = ServicePoint.objects.filter(county=county, code__startswith="LT-")
        for point in points:
            node, was_created = RoadNode.objects.get_or_create(
                county=county,
                code=point.code,
                defaults={
                    "point": point,
                    "name_zh": point.name_zh,
                    "name_bo": point.name_bo,
                    "name_en": point.name_en,
                    "latitude": point.latitude,
                    "longitude": point.longitude,
                    "altitude_m": point.altitude_m,
                },
            )
            nodes[point.code] = node
            created["road_nodes"] += int(was_created)
        for code, zh, bo, en, latitude, longitude, altitude in JUNCTIONS:
            node, was_created = RoadNode.objects.get_or_create(
                county=county,
                code=code,
                defaults={
                    "name_zh": zh,
                    "name_bo": bo,
                    "name_en": en,
                    "latitude": latitude,
                    "longitude": longitude,
                    "altitude_m": altitude,
                },
            )
            nodes[code] = node
            created["road_nodes"] += int(was_created)
        for start, end, road, road_class, paved, over_pass in EDGES:
            if start not in nodes or end not in nodes:
                continue  # a demo point that was removed
            a, b = nodes[start], nodes[end]
            if RoadEdge.objects.filter(county=county, from_node=a, to_node=b).exists():
                continue
            winding = PASS_WINDING if over_pass else WINDING[RoadClass(road_class)]
            RoadEdge.objects.create(
                county=county,
                from_node=a,
                to_node=b,
                road_name=road,
                road_class=road_class,
                paved=paved,
                length_m=round(crow_flies_m(a, b) * winding / 100) * 100 or 100,
                speed_kmh=TYPICAL_SPEED_KMH[RoadClass(road_class)],
            )
            created["road_edges"] += 1
        if any(created.values()):
            note_road_change(county)
    start, end = SEASONAL_CLOSURE_EDGE
    edge = RoadEdge.objects.filter(county=county, from_node__code=start, to_node__code=end).first()
    if (
        edge is not None
        and not RoadClosure.objects.filter(edge=edge, kind=ClosureKind.SEASONAL).exists()
    ):
        (from_month, from_day), (until_month, until_day) = SEASONAL_CLOSURE_DAYS
        close_road_seasonally(
            edge,
            actor=admin,
            reason=SEASONAL_CLOSURE_REASON,
            from_month=from_month,
            from_day=from_day,
            until_month=until_month,
            until_day=until_day,
        )
        created["road_closures"] += 1
    return created
