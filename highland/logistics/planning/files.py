"""Benchmark files as planning problems: VRPLIB `.vrp` (CVRPLIB) and Solomon `.txt`.

Each file becomes a `Problem` in the instance's own rounding convention, so the planner's
cost is directly comparable with the best-known cost (see ../shared/data/vrp/README.md):

* VRPLIB: `pyvrp.read(path, round_func="round")`; costs are sums of rounded arcs.
* Solomon: `vrplib.read_instance(path, instance_format="solomon")`, then the DIMACS
  convention: distances, travel times, windows and service times scaled by 10 and
  truncated. The cost printed is the scaled cost / 10 (827.3 for C101).

Location 0 is the depot; customer numbers are location indices, as in the `.sol` files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvrp
import vrplib
from pyvrp.read import ROUND_FUNCS

from highland.logistics.planning.problem import UNREACHABLE, Plan, Problem, Stop, VehicleType

_NO_LIMIT = int(np.iinfo(np.int64).max)


class InstanceUnreadable(ValueError):
    """The file is missing or is not a VRPLIB or Solomon instance."""


@dataclass(frozen=True)
class Instance:
    name: str
    problem: Problem
    # Costs in the problem's units are divided by this for the instance's convention.
    cost_scale: int


def _limit(value: int) -> int:
    return UNREACHABLE if value >= _NO_LIMIT or value >= UNREACHABLE else int(value)


def read_instance(path: str | Path) -> Instance:
    """Read a `.vrp` (VRPLIB) or `.txt` (Solomon) file. Raises InstanceUnreadable."""
    where = Path(path)
    if not where.is_file():
        raise InstanceUnreadable(f"no such file: {where}")
    suffix = where.suffix.lower()
    try:
        if suffix == ".vrp":
            return _read_vrplib(where)
        if suffix == ".txt":
            return _read_solomon(where)
    except InstanceUnreadable:
        raise
    except Exception as error:  # vrplib and pyvrp raise many kinds on a broken file
        raise InstanceUnreadable(f"{where.name} is not a readable instance: {error}") from error
    raise InstanceUnreadable(f"{where.name}: expected a VRPLIB .vrp file or a Solomon .txt file")


def _read_vrplib(where: Path) -> Instance:
    data = pyvrp.read(where, round_func="round")
    if data.num_depots != 1 or data.num_profiles != 1:
        raise InstanceUnreadable(f"{where.name}: only single-depot instances are supported")
    distance = data.distance_matrix(0).tolist()
    duration = data.duration_matrix(0).tolist()
    stops = tuple(
        Stop(
            key=str(client.location),
            location=int(client.location),
            delivery=tuple(int(x) for x in client.delivery),
            pickup=tuple(int(x) for x in client.pickup),
            window_start=int(client.tw_early),
            window_end=_limit(client.tw_late),
            service_duration=int(client.service_duration),
        )
        for client in data.clients()
    )
    depot = data.depots()[0]
    vehicle_types = tuple(
        VehicleType(
            key=f"type{index}",
            count=int(vt.num_available),
            capacity=tuple(int(x) for x in vt.capacity),
            depot=int(depot.location),
            shift_start=max(int(vt.tw_early), int(depot.tw_early)),
            shift_end=min(_limit(vt.tw_late), _limit(depot.tw_late)),
            max_duration=_limit(vt.shift_duration),
            unit_distance_cost=int(vt.unit_distance_cost),
            unit_duration_cost=int(vt.unit_duration_cost),
            fixed_cost=int(vt.fixed_cost),
        )
        for index, vt in enumerate(data.vehicle_types())
    )
    dims = max(data.num_load_dimensions, 1)
    problem = Problem(
        distance=distance,
        duration=duration,
        depots=(int(depot.location),),
        stops=stops,
        vehicle_types=vehicle_types,
        dimensions=tuple(f"load{i}" for i in range(dims)) if dims > 1 else ("demand",),
    )
    return Instance(name=where.stem, problem=problem, cost_scale=1)


def _read_solomon(where: Path) -> Instance:
    raw = vrplib.read_instance(str(where), instance_format="solomon")
    for field in ("edge_weight", "demand", "time_window", "service_time", "vehicles", "capacity"):
        if field not in raw:
            raise InstanceUnreadable(f"{where.name}: not a Solomon instance (no {field})")
    dimacs = ROUND_FUNCS["dimacs"]
    matrix = dimacs(np.asarray(raw["edge_weight"], dtype=float)).tolist()
    windows = dimacs(np.asarray(raw["time_window"], dtype=float))
    service = dimacs(np.asarray(raw["service_time"], dtype=float))
    demand = np.asarray(raw["demand"]).astype(int)
    stops = tuple(
        Stop(
            key=str(index),
            location=index,
            delivery=(int(demand[index]),),
            window_start=int(windows[index][0]),
            window_end=int(windows[index][1]),
            service_duration=int(service[index]),
        )
        for index in range(1, len(demand))
    )
    vehicle_types = (
        VehicleType(
            key="type0",
            count=int(raw["vehicles"]),
            capacity=(int(raw["capacity"]),),
            depot=0,
            shift_start=int(windows[0][0]),
            shift_end=int(windows[0][1]),
        ),
    )
    problem = Problem(
        distance=matrix,
        duration=matrix,
        depots=(0,),
        stops=stops,
        vehicle_types=vehicle_types,
        dimensions=("demand",),
    )
    return Instance(name=where.stem, problem=problem, cost_scale=10)


def instance_cost(instance: Instance, plan: Plan) -> int | float:
    """The plan's cost in the instance's own convention (827.3 for a Solomon file)."""
    if instance.cost_scale == 1:
        return plan.cost
    return round(plan.cost / instance.cost_scale, 1)


def instance_routes(plan: Plan) -> list[list[int]]:
    """Routes as customer numbers, as in the instance's `.sol` file."""
    return [[int(visit.stop_key) for visit in route.visits] for route in plan.routes]
