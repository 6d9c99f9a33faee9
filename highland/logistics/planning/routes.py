"""A route's schedule, loads and cost, computed from the problem alone (no solver).

The planner keeps the solver's order of stops and computes everything a plan shows from
it here, so the numbers on the page, the manifest, the driver's phone and the cost per
parcel all come from one place, and changes to a solved route (a stop sent by bus
instead, a stop the solver placed where it does not fit) are costed the same way.

Costs are exact integers. A vehicle costs fen per km and fen per hour; the solver's
objective is in `COST_UNITS_PER_FEN`ths of a fen, so that a metre and a second both cost
a whole number of units (fen/km × 18 per metre, fen/hour × 5 per second) and the
objective is the true cost, unrounded. A route's `cost_fen` is its exact cost rounded
half up to the fen once, at the end.

Time: a van may leave the hub any time in its shift; it waits at a point that is not
open yet. Delaying the start only shortens the waits, so the shortest duration is that
of the latest start that still meets every window and the shift end (the forward time
slack); that start is the one used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from highland.logistics.planning.problem import UNREACHABLE, Problem, Stop, VehicleType

# 18,000 units make a fen: 1 m at f fen/km is f·18 units, 1 s at h fen/hour is h·5 units.
COST_UNITS_PER_FEN = 18_000
UNITS_PER_METRE_PER_FEN_PER_KM = 18
UNITS_PER_SECOND_PER_FEN_PER_HOUR = 5


def unit_costs(cost_per_km_fen: int, cost_per_hour_fen: int) -> tuple[int, int]:
    """(per metre, per second) in cost units, for the solver's vehicle type."""
    return (
        cost_per_km_fen * UNITS_PER_METRE_PER_FEN_PER_KM,
        cost_per_hour_fen * UNITS_PER_SECOND_PER_FEN_PER_HOUR,
    )


def units_to_fen(units: int) -> int:
    """Cost units to fen, rounded half up (costs are never negative)."""
    return (units + COST_UNITS_PER_FEN // 2) // COST_UNITS_PER_FEN


@dataclass(frozen=True)
class ScheduledVisit:
    stop: Stop
    arrival: int
    service_start: int
    departure: int
    load_after: tuple[int, ...]


@dataclass(frozen=True)
class Violation:
    """Why a route does not work, naming the stop to blame (None: the route as a whole)."""

    kind: str  # "window", "capacity", "shift", "unreachable", "refrigeration"
    stop_index: int | None


@dataclass(frozen=True)
class EvaluatedRoute:
    vehicle_type: VehicleType
    visits: tuple[ScheduledVisit, ...]
    distance: int
    duration: int
    start: int
    end: int
    load_at_start: tuple[int, ...]
    cost_units: int
    violation: Violation | None

    @property
    def feasible(self) -> bool:
        return self.violation is None

    @property
    def cost_fen(self) -> int:
        return units_to_fen(self.cost_units)


def _zero(problem: Problem) -> tuple[int, ...]:
    return tuple(0 for _dimension in problem.dimensions)


def _padded(load: tuple[int, ...], size: int) -> tuple[int, ...]:
    return tuple(load) + (0,) * (size - len(load))


def evaluate_route(
    problem: Problem, vehicle_type: VehicleType, stops: Sequence[Stop]
) -> EvaluatedRoute:
    """The route visiting `stops` in order with this vehicle: schedule, loads, cost and the
    first thing that makes it unworkable (None when it works)."""
    size = len(problem.dimensions)
    depot = vehicle_type.depot
    locations = [depot, *(stop.location for stop in stops), depot]
    distance = 0
    unreachable_at: int | None = None
    for leg, (origin, target) in enumerate(pairwise(locations)):
        step = problem.distance[origin][target]
        if step >= UNREACHABLE or problem.duration[origin][target] >= UNREACHABLE:
            unreachable_at = min(leg, len(stops) - 1) if stops else None
            step = 0
        distance += step
    deliveries = [_padded(stop.delivery, size) for stop in stops]
    pickups = [_padded(stop.pickup, size) for stop in stops]
    load_at_start = tuple(sum(load[d] for load in deliveries) for d in range(size))
    capacity = _padded(vehicle_type.capacity, size)

    # No-wait offsets: time from leaving the hub to arriving at each stop and back.
    offsets: list[int] = []
    clock = 0
    previous = depot
    for stop in stops:
        clock += _travel(problem, previous, stop.location)
        offsets.append(clock)
        clock += stop.service_duration
        previous = stop.location
    back_offset = clock + _travel(problem, previous, depot)
    latest = vehicle_type.shift_end - back_offset
    for stop, offset in zip(stops, offsets, strict=True):
        latest = min(latest, stop.window_end - offset)
    start = max(latest, vehicle_type.shift_start)

    violation: Violation | None = None
    if unreachable_at is not None:
        violation = Violation("unreachable", unreachable_at)
    visits: list[ScheduledVisit] = []
    load = load_at_start
    if violation is None and any(load[d] > capacity[d] for d in range(size)):
        violation = Violation("capacity", _heaviest(deliveries))
    clock = start
    previous = depot
    for index, stop in enumerate(stops):
        arrival = clock + _travel(problem, previous, stop.location)
        service_start = max(arrival, stop.window_start)
        if violation is None and service_start > stop.window_end:
            violation = Violation("window", index)
        if violation is None and stop.needs_refrigeration and not vehicle_type.refrigerated:
            violation = Violation("refrigeration", index)
        departure = service_start + stop.service_duration
        load = tuple(load[d] - deliveries[index][d] + pickups[index][d] for d in range(size))
        if violation is None and any(load[d] > capacity[d] for d in range(size)):
            violation = Violation("capacity", index)
        visits.append(ScheduledVisit(stop, arrival, service_start, departure, load))
        clock = departure
        previous = stop.location
    end = clock + _travel(problem, previous, depot)
    duration = end - start
    if violation is None and (end > vehicle_type.shift_end or duration > vehicle_type.max_duration):
        violation = Violation("shift", len(stops) - 1 if stops else None)
    cost = (
        vehicle_type.unit_distance_cost * distance
        + vehicle_type.unit_duration_cost * duration
        + (vehicle_type.fixed_cost if stops else 0)
    )
    return EvaluatedRoute(
        vehicle_type=vehicle_type,
        visits=tuple(visits),
        distance=distance,
        duration=duration if stops else 0,
        start=start,
        end=end,
        load_at_start=load_at_start,
        cost_units=cost if stops else 0,
        violation=violation,
    )


def _travel(problem: Problem, origin: int, target: int) -> int:
    step = problem.duration[origin][target]
    return 0 if step >= UNREACHABLE else step


def _heaviest(deliveries: Sequence[tuple[int, ...]]) -> int | None:
    if not deliveries:
        return None
    return max(range(len(deliveries)), key=lambda index: deliveries[index])


def repair_route(
    problem: Problem, vehicle_type: VehicleType, stops: Sequence[Stop]
) -> tuple[EvaluatedRoute, list[tuple[Stop, str]]]:
    """Drop stops until the route works; returns it and the dropped stops with the kind of
    violation that dropped each. A solver's route normally comes back untouched; this is
    the guard that keeps a bad route (or a bad matrix) from reaching a driver."""
    kept = list(stops)
    dropped: list[tuple[Stop, str]] = []
    while True:
        evaluated = evaluate_route(problem, vehicle_type, kept)
        violation = evaluated.violation
        if violation is None:
            return evaluated, dropped
        index = violation.stop_index if violation.stop_index is not None else len(kept) - 1
        dropped.append((kept.pop(index), violation.kind))
