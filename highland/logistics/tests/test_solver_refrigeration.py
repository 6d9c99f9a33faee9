"""Chilled and frozen loads ride only refrigerated vehicles, whatever the day looks like."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.logistics.planning import solver
from highland.logistics.planning.problem import Problem, Stop, UnservedReason, VehicleType


@st.composite
def mixed_days(draw: st.DrawFn) -> Problem:
    """A day of 2-7 stops, some cold, with a refrigerated and an ambient vehicle type."""
    count = draw(st.integers(2, 7))
    coordinates = [(0, 0)] + [
        (draw(st.integers(-50, 50)), draw(st.integers(-50, 50))) for _ in range(count)
    ]
    matrix = [[round(math.dist(a, b) * 60) for b in coordinates] for a in coordinates]
    stops = tuple(
        Stop(
            f"s{i}",
            i,
            delivery=(draw(st.integers(0, 40)),),
            pickup=(draw(st.integers(0, 40)),),
            needs_refrigeration=draw(st.booleans()),
            window_start=(start := draw(st.integers(0, 6000))),
            window_end=start + draw(st.integers(600, 20000)),
            service_duration=draw(st.integers(0, 900)),
        )
        for i in range(1, count + 1)
    )
    reefer = VehicleType(
        "reefer",
        draw(st.integers(1, 2)),
        capacity=(draw(st.integers(20, 80)),),
        refrigerated=True,
        shift_end=36000,
        unit_duration_cost=draw(st.integers(0, 2)),
    )
    # Ambient vehicles are cheaper and bigger: the search would like to use them.
    ambient = VehicleType("ambient", draw(st.integers(1, 3)), capacity=(100,), shift_end=36000)
    return Problem(matrix, matrix, (0,), stops, (ambient, reefer))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(mixed_days())
def test_no_cold_stop_is_ever_on_an_ambient_vehicle(problem: Problem) -> None:
    plan = solver.solve(problem, seconds=0.05)

    cold = {stop.key for stop in problem.stops if stop.needs_refrigeration}
    for route in plan.routes:
        if route.vehicle_type_key == "ambient":
            assert not cold & {visit.stop_key for visit in route.visits}
    # Every stop is either on exactly one route or reported once, with a reason.
    served = [visit.stop_key for route in plan.routes for visit in route.visits]
    unserved = [u.stop_key for u in plan.unserved]
    assert sorted(served + unserved) == sorted(stop.key for stop in problem.stops)
    assert len(set(served)) == len(served)
    # Loads stay within each vehicle's capacity on every leg.
    capacity = {vt.key: vt.capacity[0] for vt in problem.vehicle_types}
    for route in plan.routes:
        legs = [route.load_at_start[0]] + [v.load_after[0] for v in route.visits]
        assert max(legs) <= capacity[route.vehicle_type_key]


def test_cold_stops_go_on_the_refrigerated_van_even_when_the_ambient_one_is_cheaper() -> None:
    matrix = [[0, 10, 10], [10, 0, 1], [10, 1, 0]]
    problem = Problem(
        matrix,
        matrix,
        (0,),
        (Stop("milk", 1, delivery=(1,), needs_refrigeration=True), Stop("flour", 2, delivery=(1,))),
        (
            VehicleType("ambient", 1, capacity=(10,), unit_distance_cost=1),
            VehicleType("reefer", 1, capacity=(10,), refrigerated=True, unit_distance_cost=5),
        ),
    )
    plan = solver.solve(problem, seconds=0.2)
    assert plan.feasible
    by_key = {v.stop_key: r.vehicle_type_key for r in plan.routes for v in r.visits}
    assert by_key["milk"] == "reefer"
    # Flour rides along with the milk: one reefer trip costs 21 x 5 = 105, two trips 100 + 20.
    assert plan.cost == min(105, 120)
    assert by_key["flour"] == "reefer"


def test_a_cold_stop_too_heavy_for_every_refrigerated_vehicle_is_too_heavy() -> None:
    matrix = [[0, 10], [10, 0]]
    problem = Problem(
        matrix,
        matrix,
        (0,),
        (Stop("meat", 1, name="阿超村", delivery=(50,), needs_refrigeration=True),),
        (
            VehicleType("ambient", 1, capacity=(100,)),
            VehicleType("reefer", 1, capacity=(30,), refrigerated=True),
        ),
    )
    plan = solver.solve(problem, seconds=0.1)
    assert [(u.reason, u.detail) for u in plan.unserved] == [
        (UnservedReason.TOO_HEAVY, "阿超村: weight 50 exceeds the largest capacity 30")
    ]
