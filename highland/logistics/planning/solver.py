"""The planner's solver: a `Problem` in, a `Plan` out, on PyVRP 0.14.

One code path serves the dispatcher's day and `manage.py solve_vrp`. In order:

1. Screening. A stop that no vehicle could ever serve (no road to or from the depot,
   needs refrigeration and no refrigerated vehicle, heavier than every vehicle that may
   carry it, a window no vehicle can reach within its shift) is taken out before solving
   and reported in `Plan.unserved` with its reason. The solver never sees it.
2. Refrigeration. When the fleet mixes refrigerated and ambient vehicles and some stops
   need refrigeration, one extra load dimension is added: each cold stop delivers one
   unit of it, refrigerated vehicles hold as many units as there are cold stops, ambient
   vehicles hold none. Capacity is a hard constraint in PyVRP, so no feasible solution can
   put a cold stop on an ambient vehicle (ADR 0012).
3. Room. Stops that pass screening but do not all fit (too few vehicles, windows that
   clash) are optional with a prize larger than any solution's cost, so the search
   serves every stop it can and leaves the rest, reported as `no_room`. When the fleet
   clearly has room, stops stay required, which is how PyVRP itself is benchmarked.
4. Search. PyVRP's iterated local search until the wall-clock deadline, reporting
   progress; with a second core and enough time a second seed runs in a child process
   and the better plan wins (`secondcore.py`).
5. Repair. A route that still breaks a constraint (the deadline came before any feasible
   solution) loses stops until it holds; those stops are `no_room`. Never a crash.

Units are the caller's (see `problem.py`). The pure-Python part knows nothing of Django.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks, IteratedLocalSearchParams

from highland.logistics.planning import secondcore
from highland.logistics.planning.problem import (
    UNREACHABLE,
    Plan,
    Problem,
    Progress,
    Route,
    Stop,
    Unserved,
    UnservedReason,
    VehicleType,
    Visit,
)

_NO_LIMIT = int(np.iinfo(np.int64).max)
# Progress is reported at most this often (seconds), plus once at the end.
PROGRESS_INTERVAL = 0.5
# A second seed in a child process pays ~0.5 s to start; below this it is not worth it.
SECOND_CORE_MIN_SECONDS = 2.0
# Kept back from the deadline for building the plan.
_RESERVE_SECONDS = 0.02


class ProblemInvalid(ValueError):
    """The Problem itself is malformed (a programming error, not a hard day)."""


def solve(
    problem: Problem,
    *,
    seconds: float,
    seed: int = 1,
    on_progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Plan routes for `problem` within `seconds` of wall time.

    `Plan.feasible` is true when every stop is served and every route keeps every
    constraint. Raises ProblemInvalid only for a malformed Problem (matrix shape, indices).
    """
    started = time.perf_counter()
    deadline = started + max(seconds, 0.0) - _RESERVE_SECONDS
    _validate(problem)
    dims = len(problem.dimensions)
    kept, unserved = screen(problem)
    if not kept:
        plan_seconds = time.perf_counter() - started
        _report(on_progress, None, plan_seconds, 0)
        return Plan(
            routes=(),
            unserved=tuple(unserved),
            cost=0,
            feasible=not unserved,
            seconds=plan_seconds,
        )

    vehicle_types = [vt for vt in problem.vehicle_types if vt.count > 0]
    room = _clearly_room(problem, kept, vehicle_types, dims)
    # One core: stops are optional unless the fleet clearly has room. Two cores: this
    # process searches with every stop required (as PyVRP is benchmarked), the child with
    # optional stops when room is not clear, else a second seed of the same; the better wins.
    second_core = _second_core_wanted(seconds)
    model = _build(problem, kept, dims, optional=not (room or second_core))
    helper = None
    child_model = model
    if second_core:
        child_model = model if room else _build(problem, kept, dims, optional=True)
        helper = secondcore.start(child_model.data, seed=seed + 1000, deadline_wall=_wall(deadline))

    tracker = _Tracker(started, deadline, on_progress)
    with warnings.catch_warnings(record=True) as warned:
        # PyVRP warns when its penalties hit their bound: the stops barely fit. Say so in
        # the plan's notes instead of the log of every worker.
        warnings.simplefilter("always", PenaltyBoundWarning)
        result = pyvrp.solve(
            model.data,
            tracker,
            seed=seed,
            collect_stats=False,
            params=pyvrp.SolveParams(ils=IteratedLocalSearchParams(callbacks=tracker)),
        )
    best: pyvrp.Solution = result.best
    iterations = result.num_iterations
    notes: list[str] = []
    for warning in warned:
        if issubclass(warning.category, PenaltyBoundWarning):
            if "hard_to_fit" not in notes:
                notes.append("hard_to_fit")
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    if helper is not None:
        other = secondcore.collect(helper, child_model.data)
        if other is not None:
            solution, other_iterations = other
            iterations += other_iterations
            if _rank(child_model, solution) < _rank(model, best):
                best, model = solution, child_model
                notes.append("second_core")

    routes, no_room = _extract(problem, model, best)
    unserved.extend(no_room)
    plan_seconds = time.perf_counter() - started
    cost = sum(route.cost for route in routes)
    _report(on_progress, cost, plan_seconds, iterations)
    return Plan(
        routes=tuple(routes),
        unserved=tuple(unserved),
        cost=cost,
        feasible=not unserved,
        seconds=plan_seconds,
        iterations=iterations,
        notes=tuple(notes),
    )


# --- screening -------------------------------------------------------------------------


def screen(problem: Problem) -> tuple[list[Stop], list[Unserved]]:
    """Split the stops into those some vehicle could serve alone and those none can."""
    kept: list[Stop] = []
    unserved: list[Unserved] = []
    vehicle_types = [vt for vt in problem.vehicle_types if vt.count > 0]
    for stop in problem.stops:
        verdict = _screen_stop(problem, stop, vehicle_types)
        if verdict is None:
            kept.append(stop)
        else:
            unserved.append(verdict)
    return kept, unserved


def _screen_stop(
    problem: Problem, stop: Stop, vehicle_types: Sequence[VehicleType]
) -> Unserved | None:
    label = stop.name or stop.key
    if not vehicle_types:
        return Unserved(stop.key, UnservedReason.NO_ROOM, "no vehicles in the fleet")
    depots = sorted({vt.depot for vt in vehicle_types})
    reachable = [d for d in depots if _reachable(problem, d, stop.location)]
    if not reachable:
        there = any(_connected(problem, d, stop.location) for d in depots)
        back = any(_connected(problem, stop.location, d) for d in depots)
        if not there and not back:
            detail = f"no road between the depot and {label} in either direction"
        elif not there:
            detail = f"no road from the depot to {label}"
        else:
            detail = f"no road from {label} back to the depot"
        return Unserved(stop.key, UnservedReason.UNREACHABLE, detail)
    candidates = [vt for vt in vehicle_types if vt.depot in reachable]
    if stop.needs_refrigeration:
        candidates = [vt for vt in candidates if vt.refrigerated]
        if not candidates:
            return Unserved(
                stop.key,
                UnservedReason.NEEDS_REFRIGERATION,
                f"{label} needs refrigeration and no refrigerated vehicle can reach it",
            )
    fitting = [vt for vt in candidates if _overload(problem, stop, vt) is None]
    if not fitting:
        dim, amount, largest = _worst_overload(problem, stop, candidates)
        return Unserved(
            stop.key,
            UnservedReason.TOO_HEAVY,
            f"{label}: {dim} {amount} exceeds the largest capacity {largest}",
        )
    if not any(_window_possible(problem, stop, vt) for vt in fitting):
        return Unserved(
            stop.key,
            UnservedReason.WINDOW_IMPOSSIBLE,
            f"{label}: no vehicle can reach it between {stop.window_start} and "
            f"{stop.window_end} and be back within its shift",
        )
    return None


def _connected(problem: Problem, a: int, b: int) -> bool:
    return problem.distance[a][b] < UNREACHABLE and problem.duration[a][b] < UNREACHABLE


def _reachable(problem: Problem, depot: int, location: int) -> bool:
    return _connected(problem, depot, location) and _connected(problem, location, depot)


def _loads(values: tuple[int, ...], dims: int) -> list[int]:
    return list(values) + [0] * (dims - len(values)) if values else [0] * dims


def _capacity(vt: VehicleType, dims: int) -> list[int]:
    # An empty capacity means no limit (a problem without loads).
    return list(vt.capacity) if vt.capacity else [_NO_LIMIT] * dims


def _peak(problem: Problem, stop: Stop) -> list[int]:
    """A stop alone on a route: the vehicle leaves with its delivery, returns with its pickup."""
    dims = len(problem.dimensions)
    delivery, pickup = _loads(stop.delivery, dims), _loads(stop.pickup, dims)
    return [max(d, p) for d, p in zip(delivery, pickup, strict=True)]


def _overload(problem: Problem, stop: Stop, vt: VehicleType) -> int | None:
    capacity = _capacity(vt, len(problem.dimensions))
    for index, need in enumerate(_peak(problem, stop)):
        if need > capacity[index]:
            return index
    return None


def _worst_overload(
    problem: Problem, stop: Stop, candidates: Sequence[VehicleType]
) -> tuple[str, int, int]:
    peak = _peak(problem, stop)
    dims = len(problem.dimensions)
    for index, need in enumerate(peak):
        largest = max(_capacity(vt, dims)[index] for vt in candidates)
        if need > largest:
            return problem.dimensions[index], need, largest
    # Every dimension fits some vehicle, but no single vehicle fits all of them.
    index = next(i for i, need in enumerate(peak) if need > 0)
    largest = max(_capacity(vt, dims)[index] for vt in candidates)
    return problem.dimensions[index], peak[index], largest


def _window_possible(problem: Problem, stop: Stop, vt: VehicleType) -> bool:
    there = problem.duration[vt.depot][stop.location]
    back = problem.duration[stop.location][vt.depot]
    start = max(vt.shift_start + there, stop.window_start)
    if start > stop.window_end:
        return False
    if start + stop.service_duration + back > vt.shift_end:
        return False
    return there + stop.service_duration + back <= vt.max_duration


# --- building PyVRP's data -------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    data: pyvrp.ProblemData
    stops: tuple[Stop, ...]  # client index -> stop
    vehicle_types: tuple[VehicleType, ...]  # PyVRP vehicle type index -> ours
    dims: int  # the problem's own dimensions (a refrigeration dimension may follow)
    optional: bool


def _limit(value: int) -> int:
    return _NO_LIMIT if value >= UNREACHABLE else value


def _build(problem: Problem, kept: Sequence[Stop], dims: int, *, optional: bool) -> _Model:
    size = len(problem.distance)
    distance = np.asarray(problem.distance, dtype=np.int64)
    duration = np.asarray(problem.duration, dtype=np.int64)
    vehicle_types = [vt for vt in problem.vehicle_types if vt.count > 0]
    cold = sum(1 for stop in kept if stop.needs_refrigeration)
    mixed = cold > 0 and any(not vt.refrigerated for vt in vehicle_types)
    prize = _prize(problem, kept, vehicle_types, distance, duration) if optional else 0

    depot_locations = list(problem.depots)
    depots = [pyvrp.Depot(location=loc) for loc in depot_locations]
    clients = []
    for stop in kept:
        delivery = _loads(stop.delivery, dims)
        pickup = _loads(stop.pickup, dims)
        if mixed:
            delivery.append(1 if stop.needs_refrigeration else 0)
            pickup.append(0)
        clients.append(
            pyvrp.Client(
                location=stop.location,
                delivery=delivery,
                pickup=pickup,
                service_duration=stop.service_duration,
                tw_early=stop.window_start,
                tw_late=_limit(stop.window_end),
                prize=prize,
                required=not optional,
                name=stop.key,
            )
        )
    types = []
    for vt in vehicle_types:
        capacity = _capacity(vt, dims)
        if mixed:
            capacity.append(cold if vt.refrigerated else 0)
        types.append(
            pyvrp.VehicleType(
                num_available=vt.count,
                capacity=capacity,
                start_depot=depot_locations.index(vt.depot),
                end_depot=depot_locations.index(vt.depot),
                fixed_cost=vt.fixed_cost,
                tw_early=vt.shift_start,
                tw_late=_limit(vt.shift_end),
                shift_duration=_limit(vt.max_duration),
                unit_distance_cost=vt.unit_distance_cost,
                unit_duration_cost=vt.unit_duration_cost,
                name=vt.key,
            )
        )
    locations = [pyvrp.Location(x=0, y=0, name=str(i)) for i in range(size)]
    # "No road" stays expensive but within PyVRP's range, so sums never overflow.
    cap = min(pyvrp.constants.MAX_VALUE, UNREACHABLE)
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=types,
        distance_matrices=[np.minimum(distance, cap)],  # type: ignore[list-item]
        duration_matrices=[np.minimum(duration, cap)],  # type: ignore[list-item]
    )
    return _Model(data, tuple(kept), tuple(vehicle_types), dims, optional)


def _clearly_room(
    problem: Problem, kept: Sequence[Stop], vehicle_types: Sequence[VehicleType], dims: int
) -> bool:
    """True when every stop surely fits: one load dimension, no windows, shifts or durations
    that bind, and vehicles enough for any packing of the loads (a CVRP file instance)."""
    if dims != 1 or any(s.needs_refrigeration for s in kept):
        return False
    if any(s.window_start > 0 or s.window_end < UNREACHABLE for s in kept):
        return False
    for vt in vehicle_types:
        if vt.shift_start > 0 or vt.shift_end < UNREACHABLE or vt.max_duration < UNREACHABLE:
            return False
    smallest = min(_capacity(vt, dims)[0] for vt in vehicle_types)
    if smallest <= 0:
        return False
    # A stop's delivery and pickup may both ride at once; count them together. Any-fit
    # packing never leaves two vehicles each at most half full, hence 2 * total / C + 1.
    sizes = [_loads(s.delivery, 1)[0] + _loads(s.pickup, 1)[0] for s in kept]
    if max(sizes, default=0) > smallest:
        return False
    vehicles = sum(vt.count for vt in vehicle_types)
    return vehicles >= 2 * math.ceil(sum(sizes) / smallest) + 1


def _prize(
    problem: Problem,
    kept: Sequence[Stop],
    vehicle_types: Sequence[VehicleType],
    distance: np.ndarray,
    duration: np.ndarray,
) -> int:
    """A prize larger than the cost of any plan, so serving one more stop always pays."""
    finite_distance = int(distance[distance < UNREACHABLE].max(initial=0))
    finite_duration = int(duration[duration < UNREACHABLE].max(initial=0))
    horizon = max(
        (vt.shift_end for vt in vehicle_types if vt.shift_end < UNREACHABLE),
        default=finite_duration * (len(kept) + 1)
        + sum(s.service_duration for s in kept)
        + max((s.window_start for s in kept), default=0),
    )
    legs = len(kept) + len(vehicle_types)
    bound = sum(
        vt.count * vt.fixed_cost
        + vt.unit_distance_cost * finite_distance * legs
        + vt.unit_duration_cost * horizon * vt.count
        for vt in vehicle_types
    )
    # Keep the sum of all prizes well inside int64.
    return int(min(bound + 1, 10**15 // max(len(kept), 1)))


# --- search ----------------------------------------------------------------------------


def _wall(deadline_perf: float) -> float:
    return time.time() + (deadline_perf - time.perf_counter())


def _second_core_wanted(seconds: float) -> bool:
    """A second seed only pays when a core is idle: on a busy machine the child would take
    CPU from this search and the plan would come out worse than one search alone.
    HIGHLAND_SOLVER_SECOND_CORE: "auto" (default), "0" never, "1" whenever there are two."""
    setting = os.environ.get("HIGHLAND_SOLVER_SECOND_CORE", "auto")
    cores = os.cpu_count() or 1
    if setting == "0" or cores < 2 or seconds < SECOND_CORE_MIN_SECONDS:
        return False
    if setting == "1":
        return True
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        return True
    return load <= cores - 1


class _Tracker(IteratedLocalSearchCallbacks):
    """PyVRP's stopping criterion and search callbacks in one: the deadline and progress."""

    def __init__(
        self,
        started: float,
        deadline: float,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        self.started = started
        self.deadline = deadline
        self.on_progress = on_progress
        self.iterations = 0
        self.best_cost: int | None = None
        self.next_report = started

    def __call__(self, best_cost: float) -> bool:
        self.iterations += 1
        now = time.perf_counter()
        if self.on_progress is not None and now >= self.next_report:
            self.next_report = now + PROGRESS_INTERVAL
            _report(self.on_progress, self.best_cost, now - self.started, self.iterations)
        return now >= self.deadline

    def on_best(self, best: pyvrp.Solution) -> None:
        if best.is_feasible():
            self.best_cost = _solution_cost(best)


def _report(
    on_progress: Callable[[Progress], None] | None,
    best_cost: int | None,
    elapsed: float,
    iterations: int,
) -> None:
    if on_progress is not None:
        on_progress(Progress(best_cost=best_cost, elapsed=elapsed, iterations=iterations))


def _solution_cost(solution: pyvrp.Solution) -> int:
    return int(solution.distance_cost() + solution.duration_cost() + solution.fixed_vehicle_cost())


def _rank(model: _Model, solution: pyvrp.Solution) -> tuple[int, int, int]:
    """Feasible beats infeasible; then more stops served; then lower cost."""
    return (
        0 if solution.is_feasible() else 1,
        solution.num_missing_clients(),
        _solution_cost(solution),
    )


# --- the plan --------------------------------------------------------------------------


def _extract(
    problem: Problem, model: _Model, solution: pyvrp.Solution
) -> tuple[list[Route], list[Unserved]]:
    served: set[int] = set()
    routes: list[Route] = []
    dropped: list[int] = []
    for pyvrp_route in solution.routes():
        route, removed = _repair(model, pyvrp_route)
        dropped.extend(removed)
        if route is None:
            continue
        clients = [a.idx for a in route.schedule() if a.is_client()]
        served.update(clients)
        routes.append(_route(problem, model, route))
    no_room = [
        Unserved(
            stop.key,
            UnservedReason.NO_ROOM,
            f"{stop.name or stop.key} did not fit on any route within the fleet and shifts",
        )
        for index, stop in enumerate(model.stops)
        if index not in served
    ]
    return routes, no_room


def _repair(model: _Model, route: pyvrp.Route) -> tuple[pyvrp.Route | None, list[int]]:
    """Drop stops from a route that breaks a constraint until it keeps them all."""
    visits = [a.idx for a in route.schedule() if a.is_client()]
    vehicle_type = route.vehicle_type()
    removed: list[int] = []
    current = route
    while not current.is_feasible() and visits:
        options = []
        for position in range(len(visits)):
            trial_visits = visits[:position] + visits[position + 1 :]
            trial = pyvrp.Route(model.data, trial_visits, vehicle_type)
            violation = sum(trial.excess_load()) + trial.time_warp() + trial.excess_distance()
            options.append((violation, position, trial))
        _, position, current = min(options, key=lambda option: option[:2])
        removed.append(visits.pop(position))
    if not visits:
        return None, removed
    return current, removed


def _route(problem: Problem, model: _Model, route: pyvrp.Route) -> Route:
    dims = model.dims
    vehicle_type = model.vehicle_types[route.vehicle_type()]
    schedule = [a for a in route.schedule() if a.is_client()]
    load = [0] * dims
    for activity in schedule:
        for index, amount in enumerate(_loads(model.stops[activity.idx].delivery, dims)):
            load[index] += amount
    load_at_start = tuple(load)
    visits = []
    for activity in schedule:
        stop = model.stops[activity.idx]
        delivery, pickup = _loads(stop.delivery, dims), _loads(stop.pickup, dims)
        load = [now - d + p for now, d, p in zip(load, delivery, pickup, strict=True)]
        visits.append(
            Visit(
                stop_key=stop.key,
                arrival=int(activity.start_time - activity.wait_duration),
                start_service=int(activity.start_time),
                departure=int(activity.end_time),
                load_after=tuple(load),
            )
        )
    return Route(
        vehicle_type_key=vehicle_type.key,
        visits=tuple(visits),
        distance=int(route.distance()),
        duration=int(route.duration()),
        cost=int(route.distance_cost() + route.duration_cost() + route.fixed_vehicle_cost()),
        start=int(route.start_time()),
        end=int(route.end_time()),
        load_at_start=load_at_start,
    )


def _validate(problem: Problem) -> None:
    size = len(problem.distance)
    if len(problem.duration) != size or any(
        len(row) != size for rows in (problem.distance, problem.duration) for row in rows
    ):
        raise ProblemInvalid("distance and duration must be square matrices of one size")
    if not problem.depots or any(not 0 <= d < size for d in problem.depots):
        raise ProblemInvalid("depots must be locations in the matrices")
    dims = len(problem.dimensions)
    keys = set()
    for stop in problem.stops:
        if not 0 <= stop.location < size:
            raise ProblemInvalid(
                f"stop {stop.key}: location {stop.location} is not in the matrices"
            )
        if len(stop.delivery) not in (0, dims) or len(stop.pickup) not in (0, dims):
            raise ProblemInvalid(f"stop {stop.key}: loads must have {dims} dimensions")
        if stop.key in keys:
            raise ProblemInvalid(f"stop {stop.key} appears twice")
        keys.add(stop.key)
    for vt in problem.vehicle_types:
        if vt.depot not in problem.depots:
            raise ProblemInvalid(f"vehicle type {vt.key}: depot {vt.depot} is not a depot")
        if len(vt.capacity) not in (0, dims):
            raise ProblemInvalid(f"vehicle type {vt.key}: capacity must have {dims} dimensions")
        if vt.count < 0:
            raise ProblemInvalid(f"vehicle type {vt.key}: count must not be negative")
