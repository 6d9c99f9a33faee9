"""The planner's solver: optimal answers on days small enough to check by hand or by
brute force, the shape of its plan, unservable stops reported with reasons, never a crash."""

from __future__ import annotations

import itertools
import math

import pytest

from highland.logistics.planning import solver
from highland.logistics.planning.problem import (
    UNREACHABLE,
    Problem,
    Progress,
    Stop,
    UnservedReason,
    VehicleType,
)

# These tests need no database: the solver is plain Python over PyVRP.


def line_matrix(positions: list[int]) -> list[list[int]]:
    return [[abs(a - b) for b in positions] for a in positions]


def test_three_villages_on_one_road_are_served_out_and_back_in_one_trip() -> None:
    # Given the hub at km 0 and three villages at 10, 20 and 30 km up one road, one van
    matrix = line_matrix([0, 10, 20, 30])
    problem = Problem(
        distance=matrix,
        duration=matrix,
        depots=(0,),
        stops=(
            Stop("far", 3, delivery=(3,), pickup=(1,), service_duration=5),
            Stop("near", 1, delivery=(2,), pickup=(4,), service_duration=5),
            Stop("middle", 2, delivery=(1,), pickup=(0,), service_duration=5),
        ),
        vehicle_types=(VehicleType("van", 1, capacity=(10,)),),
    )

    # When it is planned
    plan = solver.solve(problem, seconds=0.2)

    # Then the van drives to the far end and back, 60 km, every village on the way
    assert plan.cost == 60
    assert plan.feasible
    assert plan.unserved == ()
    (route,) = plan.routes
    assert route.distance == 60
    keys = [visit.stop_key for visit in route.visits]
    assert keys in (["near", "middle", "far"], ["far", "middle", "near"])
    # and the load on leaving each stop is what is left to drop plus what was collected
    assert route.load_at_start == (6,)
    if keys[0] == "near":
        assert [v.load_after for v in route.visits] == [(8,), (7,), (5,)]
        assert [(v.arrival, v.start_service, v.departure) for v in route.visits] == [
            (route.start + 10, route.start + 10, route.start + 15),
            (route.start + 25, route.start + 25, route.start + 30),
            (route.start + 40, route.start + 40, route.start + 45),
        ]
    assert route.duration == 60 + 15


def brute_force_cost(problem: Problem, capacity: int, vehicles: int) -> int:
    """The cheapest cost over every way of ordering the stops into at most two routes."""
    assert vehicles == 2
    best = math.inf
    stops = problem.stops
    for order in itertools.permutations(range(len(stops))):
        for split in range(len(stops) + 1):
            total = 0
            for part in (order[:split], order[split:]):
                cost = route_cost(problem, [stops[i] for i in part], capacity)
                if cost is None:
                    break
                total += cost
            else:
                best = min(best, total)
    assert best < math.inf
    return int(best)


def route_cost(problem: Problem, route: list[Stop], capacity: int) -> int | None:
    if not route:
        return 0
    load = sum(stop.delivery[0] for stop in route)
    if load > capacity:
        return None
    time, here, distance = 0, 0, 0
    for stop in route:
        time += problem.duration[here][stop.location]
        distance += problem.distance[here][stop.location]
        time = max(time, stop.window_start)
        if time > stop.window_end:
            return None
        time += stop.service_duration
        load += stop.pickup[0] - stop.delivery[0]
        if load > capacity:
            return None
        here = stop.location
    return distance + problem.distance[here][0]


def test_a_small_day_with_windows_and_two_way_loads_is_planned_at_its_brute_force_optimum() -> None:
    # Given six stops around the hub with windows, deliveries and pickups, two vans of 10
    coordinates = [(0, 0), (4, 3), (-3, 5), (6, -2), (-5, -4), (2, 8), (7, 6)]
    matrix = [[round(math.dist(a, b) * 10) for b in coordinates] for a in coordinates]
    loads = [(4, 2), (3, 5), (2, 2), (5, 1), (1, 4), (3, 3)]
    windows = [(0, 200), (50, 150), (0, 120), (100, 300), (0, 400), (60, 260)]
    stops = tuple(
        Stop(
            f"s{i}",
            i,
            delivery=(loads[i - 1][0],),
            pickup=(loads[i - 1][1],),
            window_start=windows[i - 1][0],
            window_end=windows[i - 1][1],
            service_duration=10,
        )
        for i in range(1, 7)
    )
    problem = Problem(
        distance=matrix,
        duration=matrix,
        depots=(0,),
        stops=stops,
        vehicle_types=(VehicleType("van", 2, capacity=(10,)),),
    )

    # When it is planned
    plan = solver.solve(problem, seconds=0.3)

    # Then its cost is the optimum found by trying every order
    assert plan.feasible
    assert plan.cost == brute_force_cost(problem, capacity=10, vehicles=2)
    assert sorted(v.stop_key for r in plan.routes for v in r.visits) == [s.key for s in stops]


def two_dimensions(**overrides: object) -> Problem:
    matrix = line_matrix([0, 100, 200, 300])
    base: dict[str, object] = {
        "distance": matrix,
        "duration": matrix,
        "depots": (0,),
        "stops": (Stop("ok", 1, name="扎嘎村", delivery=(1000, 500)),),
        "vehicle_types": (VehicleType("van", 1, capacity=(5000, 4000), shift_end=1000),),
        "dimensions": ("weight_g", "volume_ml"),
    }
    base.update(overrides)
    return Problem(**base)  # type: ignore[arg-type]


def test_a_stop_heavier_than_every_vehicle_is_reported_too_heavy_and_the_rest_planned() -> None:
    problem = two_dimensions(
        stops=(
            Stop("ok", 1, name="扎嘎村", delivery=(1000, 500)),
            Stop("heavy", 2, name="萨戈村", delivery=(1000, 500), pickup=(6000, 100)),
        )
    )
    plan = solver.solve(problem, seconds=0.1)
    (unserved,) = plan.unserved
    assert unserved.stop_key == "heavy"
    assert unserved.reason == UnservedReason.TOO_HEAVY
    assert unserved.detail == "萨戈村: weight_g 6000 exceeds the largest capacity 5000"
    assert [v.stop_key for r in plan.routes for v in r.visits] == ["ok"]
    assert plan.cost == 200
    assert not plan.feasible


def test_a_window_no_vehicle_can_reach_is_reported_window_impossible() -> None:
    # The stop is 300 away and closes at 250; the van leaves at 0 at the earliest.
    problem = two_dimensions(
        stops=(Stop("late", 3, name="阿超村", window_start=0, window_end=250),)
    )
    plan = solver.solve(problem, seconds=0.1)
    (unserved,) = plan.unserved
    assert (unserved.stop_key, unserved.reason) == ("late", UnservedReason.WINDOW_IMPOSSIBLE)
    assert plan.routes == ()
    assert plan.cost == 0


def test_a_stop_that_cannot_be_back_before_the_shift_ends_is_window_impossible() -> None:
    problem = two_dimensions(
        stops=(Stop("long", 3, window_start=700, window_end=800, service_duration=10),),
        vehicle_types=(VehicleType("van", 1, capacity=(5000, 4000), shift_end=1000),),
    )
    plan = solver.solve(problem, seconds=0.1)
    assert [(u.stop_key, u.reason) for u in plan.unserved] == [
        ("long", UnservedReason.WINDOW_IMPOSSIBLE)
    ]


def test_a_stop_cut_off_by_a_closure_is_reported_unreachable_by_name() -> None:
    matrix = line_matrix([0, 100, 200])
    cut = [row[:] for row in matrix]
    cut[0][2] = cut[2][0] = cut[1][2] = cut[2][1] = UNREACHABLE
    problem = two_dimensions(
        distance=cut,
        duration=cut,
        stops=(Stop("open", 1, name="扎嘎村"), Stop("cut", 2, name="然日卡村")),
    )
    plan = solver.solve(problem, seconds=0.1)
    (unserved,) = plan.unserved
    assert unserved.reason == UnservedReason.UNREACHABLE
    assert unserved.detail == "no road between the depot and 然日卡村 in either direction"
    assert [v.stop_key for r in plan.routes for v in r.visits] == ["open"]


def test_a_one_way_cut_says_which_way() -> None:
    matrix = line_matrix([0, 100])
    matrix[1][0] = UNREACHABLE
    problem = two_dimensions(
        distance=matrix, duration=matrix, stops=(Stop("cut", 1, name="托仁村"),)
    )
    plan = solver.solve(problem, seconds=0.1)
    assert plan.unserved[0].detail == "no road from 托仁村 back to the depot"


def test_a_cold_stop_without_a_refrigerated_vehicle_is_reported() -> None:
    problem = two_dimensions(stops=(Stop("cold", 1, name="扎嘎村", needs_refrigeration=True),))
    plan = solver.solve(problem, seconds=0.1)
    assert [(u.stop_key, u.reason) for u in plan.unserved] == [
        ("cold", UnservedReason.NEEDS_REFRIGERATION)
    ]


def test_stops_that_all_pass_alone_but_do_not_fit_together_are_left_as_no_room() -> None:
    # Two stops each filling the only van: one is served, the other has no room.
    problem = two_dimensions(
        stops=(
            Stop("a", 1, delivery=(5000, 100)),
            Stop("b", 2, delivery=(5000, 100)),
        ),
    )
    plan = solver.solve(problem, seconds=0.2)
    assert [u.reason for u in plan.unserved] == [UnservedReason.NO_ROOM]
    served = [v.stop_key for r in plan.routes for v in r.visits]
    assert len(served) == 1
    # The nearer stop is the cheaper one to serve.
    assert served == ["a"]
    assert not plan.feasible


def test_an_empty_fleet_leaves_every_stop_unserved_without_a_crash() -> None:
    problem = two_dimensions(vehicle_types=(VehicleType("van", 0, capacity=(1, 1)),))
    plan = solver.solve(problem, seconds=0.1)
    assert [(u.stop_key, u.reason) for u in plan.unserved] == [("ok", UnservedReason.NO_ROOM)]
    assert plan.routes == ()


def test_a_malformed_problem_is_refused_with_a_clear_error() -> None:
    with pytest.raises(solver.ProblemInvalid, match="location 7 is not in the matrices"):
        solver.solve(two_dimensions(stops=(Stop("x", 7),)), seconds=0.1)
    with pytest.raises(solver.ProblemInvalid, match="loads must have 2 dimensions"):
        solver.solve(two_dimensions(stops=(Stop("x", 1, delivery=(1,)),)), seconds=0.1)


def test_progress_is_reported_while_solving_and_ends_with_the_plans_cost() -> None:
    matrix = line_matrix([0, 10, 20, 30])
    problem = Problem(
        distance=matrix,
        duration=matrix,
        depots=(0,),
        stops=tuple(Stop(f"s{i}", i, delivery=(1,)) for i in (1, 2, 3)),
        vehicle_types=(VehicleType("van", 2, capacity=(5,)),),
    )
    seen: list[Progress] = []
    plan = solver.solve(problem, seconds=0.6, on_progress=seen.append)
    assert len(seen) >= 2
    assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)
    assert seen[-1].best_cost == plan.cost == 60
    assert seen[-1].iterations == plan.iterations > 0
