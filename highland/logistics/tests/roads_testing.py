"""A small road network in another county, small enough to price by hand (for road tests).

    C ──12 km G-road── S ──5 km── V1            C: county centre, 3,500 m
    │                  └──8 km track── V2       S: station; V1, V2: villages
    └──20 km county road── J (pass, 4,200 m) ──10 km track── V1

Seconds: C–S 720 (60 km/h), S–V1 600 (30 km/h), C–J 2118 (40 × 0.85 above 4,000 m),
J–V1 3026 (20 × 0.85 × 0.7 unpaved), S–V2 2058 (20 × 0.7 unpaved).
"""

from __future__ import annotations

from dataclasses import dataclass

from highland.logistics.models import RoadClass, RoadEdge, RoadNode
from highland.network.models import ServicePoint, Tier


@dataclass
class SmallRoads:
    county: object
    centre: ServicePoint
    station: ServicePoint
    village_1: ServicePoint
    village_2: ServicePoint
    nodes: dict[str, RoadNode]
    edges: dict[str, RoadEdge]


def _point(
    county: object,
    code: str,
    tier: str,
    parent: ServicePoint | None,
    name: str,
    altitude: int,
    lat: str,
    lon: str,
) -> ServicePoint:
    return ServicePoint.objects.create(
        county=county,
        code=code,
        tier=tier,
        parent=parent,
        name_zh=name,
        name_bo=name,
        name_en=name,
        township_zh="邛溪镇",
        latitude=lat,
        longitude=lon,
        altitude_m=altitude,
    )


def build_small_roads(other_county: object) -> SmallRoads:
    county = other_county.county  # type: ignore[attr-defined]
    centre = other_county.centre  # type: ignore[attr-defined]
    station = _point(
        county, "HY-S1", Tier.TOWNSHIP_STATION, centre, "安曲站", 3500, "32.700000", "102.600000"
    )
    village_1 = _point(
        county, "HY-V1", Tier.VILLAGE_POINT, station, "色地村", 3600, "32.650000", "102.650000"
    )
    village_2 = _point(
        county, "HY-V2", Tier.VILLAGE_POINT, station, "壤口村", 3600, "32.680000", "102.700000"
    )
    nodes = {}
    for point in (centre, station, village_1, village_2):
        nodes[point.code] = RoadNode.objects.create(
            county=county,
            code=point.code,
            point=point,
            name_zh=point.name_zh,
            name_bo=point.name_bo,
            name_en=point.name_en,
            latitude=point.latitude,
            longitude=point.longitude,
            altitude_m=point.altitude_m,
        )
    nodes["J"] = RoadNode.objects.create(
        county=county,
        code="J",
        name_zh="垭口",
        name_bo="ལ།",
        name_en="Pass",
        latitude="32.720000",
        longitude="102.560000",
        altitude_m=4200,
    )

    def edge(a: str, b: str, metres: int, road_class: str, speed: int, paved: bool) -> RoadEdge:
        return RoadEdge.objects.create(
            county=county,
            from_node=nodes[a],
            to_node=nodes[b],
            length_m=metres,
            road_class=road_class,
            speed_kmh=speed,
            paved=paved,
        )

    edges = {
        "C-S": edge("HY-C", "HY-S1", 12_000, RoadClass.NATIONAL, 60, True),
        "S-V1": edge("HY-S1", "HY-V1", 5_000, RoadClass.TOWNSHIP, 30, True),
        "C-J": edge("HY-C", "J", 20_000, RoadClass.COUNTY, 40, True),
        "J-V1": edge("J", "HY-V1", 10_000, RoadClass.TRACK, 20, False),
        "S-V2": edge("HY-S1", "HY-V2", 8_000, RoadClass.TRACK, 20, False),
    }
    return SmallRoads(county, centre, station, village_1, village_2, nodes, edges)
