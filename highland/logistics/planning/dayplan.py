"""From a built day to its plan: solve, check every route, choose bus or van.

The solver's routes are taken as orders of stops; each is re-evaluated by
`routes.evaluate_route` and any stop that would break a window, a capacity, a shift or
refrigeration is left out (`repair_route`), so what reaches a driver always holds.
Stops the solver left out, and any it lost, are unserved with their reason. Then the
points on bus lines are decided (`buses.BusPlanner`). Reads bus lines and bookings;
writes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from highland.logistics.planning.buses import (
    BusDecision,
    BusPlanner,
    PlannedVan,
    bus_options,
    departure_room,
)
from highland.logistics.planning.day import (
    NEEDS_REFRIGERATION,
    NO_ROOM,
    UNREACHABLE_REASON,
    WINDOW_IMPOSSIBLE,
    Day,
    Excluded,
    StopLoad,
)
from highland.logistics.planning.problem import Plan, Progress, Unserved, UnservedReason
from highland.logistics.planning.routes import EvaluatedRoute, evaluate_route, repair_route

KNOWN_REASONS = {
    UnservedReason.UNREACHABLE,
    UnservedReason.WINDOW_IMPOSSIBLE,
    UnservedReason.TOO_HEAVY,
    UnservedReason.NEEDS_REFRIGERATION,
    UnservedReason.NO_ROOM,
}
# What a violation found on a solved route means for the stop it drops.
VIOLATION_REASON = {
    "unreachable": UNREACHABLE_REASON,
    "refrigeration": NEEDS_REFRIGERATION,
    "window": NO_ROOM,
    "capacity": NO_ROOM,
    "shift": NO_ROOM,
}

Solve = Callable[..., Plan]


@dataclass
class DayPlan:
    vans: list[PlannedVan]
    routes: dict[str, EvaluatedRoute]  # vehicle key -> the route as it will be driven
    unserved: list[Excluded]
    bus: list[BusDecision]
    seconds: float = 0.0
    iterations: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def van_cost_fen(self) -> int:
        return sum(route.cost_fen for route in self.routes.values())

    @property
    def bus_fees_fen(self) -> int:
        return sum(decision.fee_fen for decision in self.bus if decision.chosen == "bus")


def _unserved_stop(stop: StopLoad, reason: str, **details: object) -> Excluded:
    parcels = (*stop.drop, *stop.collect)
    return Excluded(
        point=stop.point,
        reason=reason if reason in KNOWN_REASONS else NO_ROOM,
        parcels=parcels,
        weight_g=sum(parcel.weight_g for parcel in parcels) + stop.loose_g,
        details={"ssccs": [parcel.sscc for parcel in parcels], "loose_g": stop.loose_g, **details},
    )


# With a fixed number of iterations (tests), the time limit is raised to at least this.
ITERATION_GUARD_SECONDS = 30.0


def plan_day(
    day: Day,
    *,
    seconds: float,
    seed: int = 1,
    on_progress: Callable[[Progress], None] | None = None,
    solve: Solve | None = None,
) -> DayPlan:
    """Solve the day within `seconds` and turn the answer into a plan (see the module)."""
    if solve is None:
        from django.conf import settings

        from highland.logistics.planning.solver import solve as pyvrp_solve

        iterations = settings.PLANNER_MAX_ITERATIONS
        solve = functools.partial(pyvrp_solve, max_iterations=iterations)
        if iterations is not None:
            # The iterations decide; the time limit only guards against a runaway search.
            seconds = max(seconds, ITERATION_GUARD_SECONDS)
    problem = day.problem
    plan = solve(problem, seconds=seconds, seed=seed, on_progress=on_progress)
    unserved = list(day.excluded)
    notes = list(plan.notes)
    left_out: dict[str, Unserved] = {entry.stop_key: entry for entry in plan.unserved}
    types = {vt.key: vt for vt in day.vehicle_types}
    vans: list[PlannedVan] = []
    placed: set[str] = set()
    for route in plan.routes:
        keys = [
            visit.stop_key
            for visit in route.visits
            if visit.stop_key in day.stops and visit.stop_key not in placed
        ]
        stops = [day.problem_stop(key) for key in keys]
        _checked, dropped = repair_route(problem, types[route.vehicle_type_key], stops)
        for stop, violation in dropped:
            keys.remove(stop.key)
            unserved.append(_unserved_stop(day.stops[stop.key], VIOLATION_REASON[violation]))
            notes.append(f"left out {stop.key}: {violation}")
        placed.update(keys)
        if keys:
            vans.append(PlannedVan(route.vehicle_type_key, keys))
    for key, load in list(day.stops.items()):
        if key in placed:
            continue
        entry = left_out.get(key)
        unserved.append(_unserved_stop(load, entry.reason if entry else NO_ROOM))
        del day.stops[key]

    candidates = {stop.point.pk for stop in day.stops.values() if stop.drop} | {
        excluded.point.pk
        for excluded in unserved
        if excluded.reason in (NO_ROOM, WINDOW_IMPOSSIBLE)
    }
    options = bus_options(day, sorted(candidates))
    departures = {
        option.departure.pk: option.departure for opts in options.values() for option in opts
    }
    room = departure_room(day, list(departures.values()))
    decisions = BusPlanner(day, vans, unserved, options, room).decide() if options else []
    routes = {
        van.vehicle_key: evaluate_route(
            problem, types[van.vehicle_key], [day.problem_stop(key) for key in van.stop_keys]
        )
        for van in vans
    }
    return DayPlan(
        vans=vans,
        routes=routes,
        unserved=unserved,
        bus=decisions,
        seconds=plan.seconds,
        iterations=plan.iterations,
        notes=notes,
    )
