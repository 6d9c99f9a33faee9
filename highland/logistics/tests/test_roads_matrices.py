"""Travel matrices from the road graph: fastest paths, closures taken out, the cache."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from highland.logistics.models import RoadEdge
from highland.logistics.planning import solver
from highland.logistics.planning.problem import (
    UNREACHABLE,
    Problem,
    Stop,
    UnservedReason,
    VehicleType,
)
from highland.logistics.services import roads
from highland.logistics.tests.roads_testing import SmallRoads, build_small_roads

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
SUMMER = datetime.datetime(2025, 7, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def small(other_county) -> SmallRoads:
    cache.clear()
    return build_small_roads(other_county)


def places(small: SmallRoads) -> list:
    return [small.centre, small.station, small.village_1, small.village_2]


def test_matrices_follow_the_fastest_roads_in_metres_and_seconds(small) -> None:
    matrices = roads.travel_matrices(small.county, places(small), at=SUMMER)

    assert matrices.duration_s == [
        [0, 720, 1320, 2778],
        [720, 0, 600, 2058],
        [1320, 600, 0, 2658],
        [2778, 2058, 2658, 0],
    ]
    assert matrices.distance_m == [
        [0, 12_000, 17_000, 20_000],
        [12_000, 0, 5_000, 8_000],
        [17_000, 5_000, 0, 13_000],
        [20_000, 8_000, 13_000, 0],
    ]
    assert matrices.unreachable == set()


def test_a_closure_sends_the_traffic_round_by_the_pass(small, other_county) -> None:
    roads.close_road(small.edges["S-V1"], actor=other_county.operator, reason="塌方")

    matrices = roads.travel_matrices(small.county, places(small))

    # C → V1 now over the pass: 2118 + 3026 seconds, 30 km.
    assert matrices.duration_s[0][2] == 5144
    assert matrices.distance_m[0][2] == 30_000
    assert matrices.duration_s[1][2] == 720 + 5144


def test_a_place_cut_off_is_unreachable_and_every_cut_pair_is_listed(small, other_county) -> None:
    roads.close_road(small.edges["S-V2"], actor=other_county.operator, reason="洪水冲毁")

    matrices = roads.travel_matrices(small.county, places(small))

    assert matrices.unreachable == {(0, 3), (1, 3), (2, 3), (3, 0), (3, 1), (3, 2)}
    assert matrices.duration_s[0][3] == UNREACHABLE
    assert matrices.distance_m[3][0] == UNREACHABLE
    assert matrices.duration_s[3][3] == 0


def test_a_place_without_a_road_node_is_unreachable_rather_than_an_error(small) -> None:
    RoadEdge.objects.filter(pk=small.edges["S-V2"].pk).delete()
    small.nodes["HY-V2"].delete()

    matrices = roads.travel_matrices(small.county, places(small), at=SUMMER)

    assert (0, 3) in matrices.unreachable and (3, 0) in matrices.unreachable


def test_the_cache_is_used_then_recomputed_after_a_closure_is_added_and_lifted(
    small, other_county, monkeypatch
) -> None:
    computed = []
    real = roads._compute

    def counting(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(roads, "_compute", counting)
    first = roads.travel_matrices(small.county, places(small))
    again = roads.travel_matrices(small.county, places(small))
    assert again == first
    assert len(computed) == 1

    closure = roads.close_road(small.edges["S-V1"], actor=other_county.operator, reason="塌方")
    closed = roads.travel_matrices(small.county, places(small))
    assert len(computed) == 2
    assert closed.duration_s[0][2] == 5144

    roads.lift_closure(closure, actor=other_county.operator)
    lifted = roads.travel_matrices(small.county, places(small))
    assert len(computed) == 3
    assert lifted == first


def test_an_edge_changed_in_the_admin_bumps_the_version_and_the_cache_misses(small) -> None:
    before = roads.travel_matrices(small.county, places(small), at=SUMMER)
    edge = small.edges["C-S"]
    edge.length_m = 24_000
    edge.speed_kmh = 30
    edge.save()
    roads.note_road_change(small.county)

    after = roads.travel_matrices(small.county, places(small), at=SUMMER)

    assert before.duration_s[0][1] == 720
    assert after.duration_s[0][1] == 2880


def test_a_seasonal_closure_applies_from_its_first_day_to_its_last(small, other_county) -> None:
    roads.close_road_seasonally(
        small.edges["S-V2"],
        actor=other_county.operator,
        reason="冬季积雪",
        from_month=12,
        from_day=1,
        until_month=3,
        until_day=31,
    )

    def cut(at: datetime.datetime) -> bool:
        return (0, 3) in roads.travel_matrices(small.county, places(small), at=at).unreachable

    assert not cut(datetime.datetime(2025, 11, 30, 23, 59, tzinfo=SHANGHAI))
    assert cut(datetime.datetime(2025, 12, 1, 0, 0, tzinfo=SHANGHAI))
    assert cut(datetime.datetime(2026, 2, 14, 12, 0, tzinfo=SHANGHAI))
    assert cut(datetime.datetime(2026, 3, 31, 23, 0, tzinfo=SHANGHAI))
    assert not cut(datetime.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI))


def test_closures_cutting_names_the_closure_that_cut_a_place_off(small, other_county) -> None:
    closure = roads.close_road(small.edges["S-V2"], actor=other_county.operator, reason="洪水")

    assert roads.closures_cutting(small.county, small.centre, small.village_2) == [closure]
    assert roads.closures_cutting(small.county, small.centre, small.village_1) == []


# --- closures change the plan ----------------------------------------------------------


def day_problem(matrices: roads.Matrices, small: SmallRoads) -> Problem:
    """Deliver to both villages from the centre with one van; cost = metres."""
    return Problem(
        distance=matrices.distance_m,
        duration=matrices.duration_s,
        depots=(0,),
        stops=(
            Stop("v1", 2, name=small.village_1.name, delivery=(1000,)),
            Stop("v2", 3, name=small.village_2.name, delivery=(1000,)),
        ),
        vehicle_types=(VehicleType("van", 1, capacity=(10_000,), shift_end=8 * 3600),),
    )


def test_closures_change_the_plan_a_detour_then_a_stop_cut_off_by_name(small, other_county) -> None:
    open_plan = solver.solve(
        day_problem(roads.travel_matrices(small.county, places(small)), small), seconds=0.2
    )
    # C → S → V1 → S → V2 → S → C: 12 + 5 + 5 + 8 + 8 + 12 km.
    assert open_plan.cost == 50_000
    assert open_plan.unserved == ()

    roads.close_road(small.edges["S-V1"], actor=other_county.operator, reason="塌方")
    detour = solver.solve(
        day_problem(roads.travel_matrices(small.county, places(small)), small), seconds=0.2
    )
    # V1 only over the pass now: C → J → V1 → J → C → S → V2 → S → C, 60 + 40 km.
    assert detour.cost == 100_000
    assert detour.unserved == ()

    roads.close_road(small.edges["S-V2"], actor=other_county.operator, reason="洪水")
    cut = solver.solve(
        day_problem(roads.travel_matrices(small.county, places(small)), small), seconds=0.2
    )
    assert [(u.stop_key, u.reason) for u in cut.unserved] == [("v2", UnservedReason.UNREACHABLE)]
    assert "壤口村" in cut.unserved[0].detail
    assert cut.cost == 60_000


def test_node_path_follows_the_open_roads_for_drawing_a_route(small, other_county) -> None:
    nodes = small.nodes
    path = roads.node_path(small.county, [small.centre, small.village_1, small.centre])
    assert path == [nodes[c].pk for c in ("HY-C", "HY-S1", "HY-V1", "HY-S1", "HY-C")]

    roads.close_road(small.edges["S-V1"], actor=other_county.operator, reason="塌方")
    detour = roads.node_path(small.county, [small.centre, small.village_1])
    assert detour == [nodes[c].pk for c in ("HY-C", "J", "HY-V1")]


def test_the_road_map_draws_closed_roads_red_and_routes_over_them(small, other_county) -> None:
    from highland.logistics import roadmap

    roads.close_road(small.edges["S-V2"], actor=other_county.operator, reason="洪水")
    network = roads.road_network(small.county)
    path = roads.node_path(small.county, [small.centre, small.village_1])
    svg = roadmap.render_road_map(
        network.nodes,
        network.edges,
        title="红原",
        closed_edge_ids=network.closed_edge_ids,
        overlays=[roadmap.Overlay(path, "#2563eb", "车1")],
    )
    assert svg.count("<line ") == 5
    assert svg.count("data-closed") == 1
    assert f'data-edge="{small.edges["S-V2"].pk}" data-closed' in svg
    assert svg.count("<polyline ") == 1 and "<title>车1</title>" in svg
