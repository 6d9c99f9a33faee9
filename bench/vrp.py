"""Planner quality: `solve_vrp` on every instance in ../shared/data/vrp, beside PyVRP called
directly and OR-Tools, at the same wall time (`make bench-vrp`, ~40 minutes in full).

    .venv/bin/python -m bench.vrp                      # every instance at 1, 10 and 30 s
    BENCH_VRP_SECONDS="1" BENCH_VRP_INSTANCES="X-n101-k25 C101" .venv/bin/python -m bench.vrp

For each instance and time limit, three runs, one after another, each in a fresh process:

* **planner**: `manage.py solve_vrp PATH --seconds N --seed S`, the dispatcher's code path
  (it may use the machine's second core for a second seed from 2 s on: ADR 0012);
* **pyvrp**: PyVRP 0.14 called directly, one core, `pyvrp.solve` with default parameters and
  a wall-clock deadline of N seconds from just before the call (so PyVRP's own set-up counts,
  as it does inside the planner's N seconds), same seed;
* **ortools**: OR-Tools routing, PATH_CHEAPEST_ARC then GUIDED_LOCAL_SEARCH, N seconds, on the
  same integer matrix (CVRP: k + 5 vehicles for an `X-nN-kK` file; Solomon: the file's fleet,
  time windows and service times as a time dimension).

Costs are in each instance's own convention (../shared/data/vrp/README.md): CVRP sums of
rounded arcs, Solomon DIMACS (tenths truncated). Every cost is recomputed here from the
routes returned, and each route set is checked (every customer once, capacity, windows);
a mismatch is reported. Gap = (cost − BKS) / BKS. Results: a JSON and a markdown table in
--out-dir (var/bench-vrp by default).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "vrp"
SOLVERS = ("planner", "pyvrp", "ortools")
# Goals at 30 s (issue 10): mean gaps, and the planner's lead over OR-Tools in points.
GOAL_SECONDS = 30.0
GOAL_GAP = {"cvrp": 0.5, "vrptw": 0.2}
GOAL_LEAD_OVER_ORTOOLS = 3.0
# Past the time limit, a run is given this long (process start, reading, Django) to answer.
GRACE_SECONDS = 120


# --- instances -------------------------------------------------------------------------


def data_dir() -> Path:
    configured = os.environ.get("HIGHLAND_VRP_DIR")
    if configured:
        return Path(configured)
    for candidate in (DEFAULT_DATA, ROOT.parents[1] / "shared" / "data" / "vrp"):
        if (candidate / "bks.csv").is_file():
            return candidate
    return DEFAULT_DATA


def instances(directory: Path) -> list[dict[str, Any]]:
    rows = []
    with (directory / "bks.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            suffix = ".vrp" if row["kind"] == "cvrp" else ".txt"
            rows.append(
                {
                    "name": row["instance"],
                    "kind": row["kind"],
                    "customers": int(row["customers"]),
                    "bks": float(row["bks_cost"]),
                    "path": str(directory / row["kind"] / f"{row['instance']}{suffix}"),
                }
            )
    return rows


class Instance:
    """The instance in integers, read independently of the planner (for checking)."""

    def __init__(self, path: str, kind: str) -> None:
        import numpy as np
        import vrplib

        self.kind = kind
        if kind == "cvrp":
            raw = vrplib.read_instance(path)
            coordinates = np.asarray(raw["node_coord"], dtype=float)
            exact = np.sqrt(((coordinates[:, None, :] - coordinates[None, :, :]) ** 2).sum(-1))
            self.distance = np.round(exact).astype(np.int64)
            self.duration = np.zeros_like(self.distance)
            self.demand = np.asarray(raw["demand"], dtype=np.int64)
            self.capacity = int(raw["capacity"])
            self.windows = None
            self.service = np.zeros(len(self.demand), dtype=np.int64)
            match = re.search(r"-k(\d+)", Path(path).stem)
            self.vehicles = int(match.group(1)) + 5 if match else len(self.demand) - 1
            self.scale = 1
        else:
            raw = vrplib.read_instance(path, instance_format="solomon")
            # DIMACS: ×10 truncated, as pyvrp.read's round_func="dimacs".
            self.distance = (10 * np.asarray(raw["edge_weight"], dtype=float)).astype(np.int64)
            self.duration = self.distance
            self.demand = np.asarray(raw["demand"], dtype=np.int64)
            self.capacity = int(raw["capacity"])
            self.windows = (10 * np.asarray(raw["time_window"], dtype=float)).astype(np.int64)
            self.service = (10 * np.asarray(raw["service_time"], dtype=float)).astype(np.int64)
            self.vehicles = int(raw["vehicles"])
            self.coordinates = np.asarray(raw["node_coord"], dtype=float)
            self.scale = 10
        self.raw = raw

    def cost(self, routes: list[list[int]]) -> int:
        return int(
            sum(
                sum(int(self.distance[a][b]) for a, b in zip([0, *r], [*r, 0], strict=True))
                for r in routes
            )
        )

    def problems(self, routes: list[list[int]]) -> list[str]:
        """What is wrong with these routes: missing or repeated customers, load, windows."""
        found = []
        visited = sorted(c for r in routes for c in r)
        if visited != list(range(1, len(self.demand))):
            found.append("customers missing or repeated")
        for index, route in enumerate(routes):
            if int(sum(self.demand[c] for c in route)) > self.capacity:
                found.append(f"route {index + 1} over capacity")
            if self.windows is not None:
                time_now, here = int(self.windows[0][0]), 0
                for customer in route:
                    time_now = max(
                        time_now + int(self.duration[here][customer]),
                        int(self.windows[customer][0]),
                    )
                    if time_now > int(self.windows[customer][1]):
                        found.append(f"route {index + 1} late at {customer}")
                        break
                    time_now += int(self.service[customer])
                    here = customer
                else:
                    if time_now + int(self.duration[here][0]) > int(self.windows[0][1]):
                        found.append(f"route {index + 1} back late")
        return found


# --- the three solvers, each run in its own process ------------------------------------


def run_planner(path: str, seconds: float, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "solve_vrp",
            path,
            "--seconds",
            str(seconds),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + GRACE_SECONDS,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    result = json.loads(done.stdout)
    return {"routes": result["routes"], "seconds": result["seconds"], "process_seconds": wall}


def run_child(solver: str, path: str, kind: str, seconds: float, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own interpreter and this module)
        [
            sys.executable,
            "-m",
            "bench.vrp",
            "--one",
            solver,
            "--path",
            path,
            "--kind",
            kind,
            "--seconds",
            str(seconds),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + GRACE_SECONDS,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    result = json.loads(done.stdout)
    result["process_seconds"] = wall
    return result


def solve_pyvrp_directly(path: str, kind: str, seconds: float, seed: int) -> dict[str, Any]:
    import pyvrp

    started = time.perf_counter()
    if kind == "cvrp":
        data = pyvrp.read(path, round_func="round")
    else:
        instance = Instance(path, kind)
        assert instance.windows is not None
        windows, service = instance.windows, instance.service
        data = pyvrp.ProblemData(
            locations=[pyvrp.Location(x=float(x), y=float(y)) for x, y in instance.coordinates],
            clients=[
                pyvrp.Client(
                    location=i,
                    delivery=[int(instance.demand[i])],
                    service_duration=int(service[i]),
                    tw_early=int(windows[i][0]),
                    tw_late=int(windows[i][1]),
                )
                for i in range(1, len(instance.demand))
            ],
            depots=[pyvrp.Depot(0, tw_early=int(windows[0][0]), tw_late=int(windows[0][1]))],
            vehicle_types=[
                pyvrp.VehicleType(
                    instance.vehicles,
                    [instance.capacity],
                    tw_early=int(windows[0][0]),
                    tw_late=int(windows[0][1]),
                )
            ],
            distance_matrices=[instance.distance],
            duration_matrices=[instance.duration],
        )
    deadline = started + seconds

    def stop(_best_cost: float) -> bool:
        return time.perf_counter() >= deadline

    result = pyvrp.solve(data, stop, seed=seed, collect_stats=False)
    elapsed = time.perf_counter() - started
    # Client index i is location i + 1 here (one depot, clients in file order).
    routes = [
        [data.clients()[a.idx].location for a in route.schedule() if a.is_client()]
        for route in result.best.routes()
    ]
    return {
        "routes": routes,
        "seconds": elapsed,
        "feasible_reported": result.best.is_feasible(),
        "iterations": result.num_iterations,
    }


def solve_with_ortools(path: str, kind: str, seconds: float, seed: int) -> dict[str, Any]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.perf_counter()
    instance = Instance(path, kind)
    size = len(instance.demand)
    manager = pywrapcp.RoutingIndexManager(size, instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    distance = instance.distance.tolist()
    arc = routing.RegisterTransitMatrix(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    demand = routing.RegisterUnaryTransitVector([int(d) for d in instance.demand])
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [instance.capacity] * instance.vehicles, True, "load"
    )
    if instance.windows is not None:
        windows, service = instance.windows, instance.service
        travel = [
            [int(instance.duration[a][b]) + int(service[a]) for b in range(size)]
            for a in range(size)
        ]
        timing = routing.RegisterTransitMatrix(travel)
        horizon = int(windows[0][1])
        routing.AddDimension(timing, horizon, horizon, False, "time")
        time_dimension = routing.GetDimensionOrDie("time")
        for node in range(1, size):
            time_dimension.CumulVar(manager.NodeToIndex(node)).SetRange(
                int(windows[node][0]), int(windows[node][1])
            )
        for vehicle in range(instance.vehicles):
            time_dimension.CumulVar(routing.Start(vehicle)).SetRange(
                int(windows[0][0]), int(windows[0][1])
            )
            time_dimension.CumulVar(routing.End(vehicle)).SetRange(
                int(windows[0][0]), int(windows[0][1])
            )
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    remaining = max(seconds - (time.perf_counter() - started), 0.1)
    parameters.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(parameters)
    elapsed = time.perf_counter() - started
    if solution is None:
        return {"routes": [], "seconds": elapsed, "feasible_reported": False}
    routes = []
    for vehicle in range(instance.vehicles):
        index = routing.Start(vehicle)
        route = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return {"routes": routes, "seconds": elapsed, "feasible_reported": True}


# --- the run and its report ------------------------------------------------------------


def measure(row: dict[str, Any], solver: str, seconds: float, seed: int) -> dict[str, Any]:
    try:
        if solver == "planner":
            result = run_planner(row["path"], seconds, seed)
        else:
            result = run_child(solver, row["path"], row["kind"], seconds, seed)
    except subprocess.TimeoutExpired:
        result = {"error": "timed out"}
    outcome: dict[str, Any] = {
        "instance": row["name"],
        "kind": row["kind"],
        "customers": row["customers"],
        "bks": row["bks"],
        "solver": solver,
        "limit_seconds": seconds,
        "seed": seed,
    }
    if "error" in result:
        return outcome | {"error": result["error"], "feasible": False}
    instance = Instance(row["path"], row["kind"])
    routes = result["routes"]
    problems = instance.problems(routes)
    cost = instance.cost(routes) / instance.scale
    return outcome | {
        "cost": round(cost, 1) if instance.scale != 1 else int(cost),
        "gap_percent": round(100 * (cost - row["bks"]) / row["bks"], 3),
        "seconds": round(float(result["seconds"]), 3),
        "process_seconds": round(float(result.get("process_seconds", 0.0)), 3),
        "routes": len(routes),
        "feasible": not problems,
        "problems": problems,
    }


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def summary(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    limits = sorted({r["limit_seconds"] for r in results})
    for limit in limits:
        for kind in ("cvrp", "vrptw"):
            row: dict[str, Any] = {"limit_seconds": limit, "kind": kind}
            for solver in SOLVERS:
                gaps = [
                    r["gap_percent"]
                    for r in results
                    if r["limit_seconds"] == limit
                    and r["kind"] == kind
                    and r["solver"] == solver
                    and r.get("feasible")
                ]
                total = sum(
                    1
                    for r in results
                    if r["limit_seconds"] == limit and r["kind"] == kind and r["solver"] == solver
                )
                row[solver] = {"mean_gap": _mean(gaps), "feasible": len(gaps), "runs": total}
            if any(row[s]["runs"] for s in SOLVERS):
                rows.append(row)
    return rows


def _gap(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} %"


def markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        "# Planner quality (`bench/vrp.py`)",
        "",
        f"Run {meta['started']} on {meta['machine']}; seed {meta['seed']}; "
        f"PyVRP {meta['pyvrp']}, OR-Tools {meta['ortools']}. Gap to the best-known cost "
        "(bks.csv), in each instance's own rounding convention; costs recomputed from the "
        "routes. planner = `manage.py solve_vrp` (may use a second core from 2 s); "
        "pyvrp = PyVRP called directly on one core; ortools = OR-Tools GLS. Same wall time.",
        "",
        "## Mean gap",
        "",
        "| limit | kind | planner | pyvrp | ortools |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for row in summary(results):
        cells = [
            f"{_gap(row[s]['mean_gap'])} ({row[s]['feasible']}/{row[s]['runs']})"
            if row[s]["runs"]
            else "–"
            for s in SOLVERS
        ]
        lines.append(f"| {row['limit_seconds']:g} s | {row['kind']} | " + " | ".join(cells) + " |")
    lines += ["", "(n/m: feasible runs of all runs; the mean is over feasible runs.)", ""]
    lines += goals(results)
    lines += ["", "## Per instance", ""]
    for limit in sorted({r["limit_seconds"] for r in results}):
        lines += [
            f"### {limit:g} s",
            "",
            "| instance | BKS | planner | gap | s | pyvrp | gap | s | ortools | gap | s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        names = list(dict.fromkeys(r["instance"] for r in results if r["limit_seconds"] == limit))
        for name in names:
            cells = []
            bks = None
            for solver in SOLVERS:
                match = [
                    r
                    for r in results
                    if r["instance"] == name
                    and r["limit_seconds"] == limit
                    and r["solver"] == solver
                ]
                if not match:
                    cells += ["–", "–", "–"]
                    continue
                r = match[0]
                bks = r["bks"]
                if "error" in r:
                    cells += ["error", "–", "–"]
                    continue
                mark = "" if r["feasible"] else " ✗"
                cells += [f"{r['cost']:g}{mark}", _gap(r["gap_percent"]), f"{r['seconds']:.1f}"]
            lines.append(f"| {name} | {bks:g} | " + " | ".join(cells) + " |")
        lines.append("")
    problems = [r for r in results if r.get("problems") or r.get("error")]
    if problems:
        lines += ["## Problems found", ""]
        for r in problems:
            detail = r.get("error") or "; ".join(r["problems"])
            lines.append(f"- {r['instance']} {r['solver']} {r['limit_seconds']:g} s: {detail}")
    return "\n".join(lines) + "\n"


def goals(results: list[dict[str, Any]]) -> list[str]:
    at_goal = [r for r in results if math.isclose(r["limit_seconds"], GOAL_SECONDS)]
    if not at_goal:
        return [f"(Goals are judged at {GOAL_SECONDS:g} s, which this run did not include.)"]
    lines = [f"## Goals at {GOAL_SECONDS:g} s", ""]
    by_kind = {row["kind"]: row for row in summary(at_goal)}
    for kind, goal in GOAL_GAP.items():
        row = by_kind.get(kind)
        if row is None:
            continue
        planner, direct, ortools = (row[s]["mean_gap"] for s in SOLVERS)
        if planner is None:
            lines.append(f"- {kind}: the planner produced no feasible plan; goal missed.")
            continue
        lines.append(
            f"- {kind}: mean gap {planner:.3f} % (goal ≤ {goal} %): "
            + ("met" if planner <= goal else "missed")
        )
        if ortools is not None:
            lead = ortools - planner
            lines.append(
                f"- {kind}: {lead:.2f} points better than OR-Tools (goal ≥ "
                f"{GOAL_LEAD_OVER_ORTOOLS:g}): "
                + ("met" if lead >= GOAL_LEAD_OVER_ORTOOLS else "missed")
            )
        if direct is not None:
            lines.append(
                f"- {kind}: PyVRP direct {direct:.3f} %; planner − direct "
                f"{planner - direct:+.3f} points (goal ≤ 0): "
                + ("met" if planner <= direct else "missed")
            )
    return lines


def _one(arguments: argparse.Namespace) -> None:
    solver = {"pyvrp": solve_pyvrp_directly, "ortools": solve_with_ortools}[arguments.one]
    result = solver(arguments.path, arguments.kind, arguments.seconds, arguments.seed)
    sys.stdout.write(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        default=os.environ.get("BENCH_VRP_SECONDS", "1 10 30"),
        help='time limits, e.g. "1 10 30" (env BENCH_VRP_SECONDS)',
    )
    parser.add_argument(
        "--instances",
        default=os.environ.get("BENCH_VRP_INSTANCES", ""),
        help="instance names to run, space separated; default all (env BENCH_VRP_INSTANCES)",
    )
    parser.add_argument(
        "--solvers",
        default=os.environ.get("BENCH_VRP_SOLVERS", " ".join(SOLVERS)),
        help="which of planner pyvrp ortools (env BENCH_VRP_SOLVERS)",
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("BENCH_VRP_SEED", "1")))
    parser.add_argument("--out-dir", default=os.environ.get("BENCH_VRP_OUT", "var/bench-vrp"))
    parser.add_argument("--one", choices=("pyvrp", "ortools"), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        arguments.seconds = float(arguments.seconds)
        _one(arguments)
        return

    directory = data_dir()
    if not (directory / "bks.csv").is_file():
        raise SystemExit(f"bench.vrp: no instances at {directory} (set HIGHLAND_VRP_DIR)")
    rows = instances(directory)
    wanted = arguments.instances.split()
    if wanted:
        unknown = set(wanted) - {r["name"] for r in rows}
        if unknown:
            raise SystemExit(f"bench.vrp: unknown instances: {' '.join(sorted(unknown))}")
        rows = [r for r in rows if r["name"] in wanted]
    limits = [float(s) for s in arguments.seconds.split()]
    solvers = [s for s in arguments.solvers.split() if s in SOLVERS]
    out = Path(arguments.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    from importlib import metadata

    meta = {
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores",
        "seed": arguments.seed,
        "pyvrp": metadata.version("pyvrp"),
        "ortools": metadata.version("ortools"),
        "data": str(directory),
    }
    results: list[dict[str, Any]] = []
    total = len(rows) * len(limits) * len(solvers)
    for limit in limits:
        for row in rows:
            for solver in solvers:
                outcome = measure(row, solver, limit, arguments.seed)
                results.append(outcome)
                print(
                    f"bench.vrp [{len(results)}/{total}] {row['name']} {solver} {limit:g} s: "
                    + (
                        f"{outcome['cost']:g} gap {outcome['gap_percent']:.2f} %"
                        + ("" if outcome["feasible"] else " INFEASIBLE")
                        if "cost" in outcome
                        else f"error {outcome.get('error', '')[:200]}"
                    ),
                    flush=True,
                )
                # Written after every run: a stopped bench keeps what it measured.
                (out / "vrp.json").write_text(
                    json.dumps({"meta": meta, "results": results}, indent=1), encoding="utf-8"
                )
    (out / "vrp.md").write_text(markdown(results, meta), encoding="utf-8")
    print(f"bench.vrp: results in {out / 'vrp.md'} and {out / 'vrp.json'}")


if __name__ == "__main__":
    main()
