"""Benchmark files through the planner (`solve_vrp`), and the second core's seed."""

from __future__ import annotations

import json
import subprocess
from io import StringIO
from pathlib import Path

import pytest
import pyvrp
from django.core.management import call_command
from django.core.management.base import CommandError

from highland.logistics.planning import secondcore, solver
from highland.logistics.planning.files import (
    InstanceUnreadable,
    instance_cost,
    instance_routes,
    read_instance,
)

VRP_DIR = Path(__file__).resolve().parents[4] / "shared" / "data" / "vrp"
if not VRP_DIR.is_dir():  # a worktree sits one level deeper than main
    VRP_DIR = Path(__file__).resolve().parents[5] / "shared" / "data" / "vrp"
needs_instances = pytest.mark.skipif(
    not (VRP_DIR / "bks.csv").is_file(), reason="../shared/data/vrp is not on this machine"
)


def bks(name: str) -> float:
    for line in (VRP_DIR / "bks.csv").read_text().splitlines()[1:]:
        fields = line.split(",")
        if fields[0] == name:
            return float(fields[3])
    raise KeyError(name)


@needs_instances
def test_a_solomon_file_is_read_in_the_dimacs_convention() -> None:
    instance = read_instance(VRP_DIR / "vrptw" / "C101.txt")
    problem = instance.problem
    assert instance.cost_scale == 10
    assert len(problem.stops) == 100
    # Customer 1 at (45, 68), the depot at (40, 50): 18.68 truncated to 186 tenths.
    assert problem.distance[0][1] == 186
    assert problem.stops[0].window_start == 9120
    assert problem.stops[0].service_duration == 900
    assert problem.vehicle_types[0].capacity == (200,)
    assert problem.vehicle_types[0].shift_end == 12360


@needs_instances
def test_the_best_known_solomon_routes_cost_the_best_known_cost_in_our_units() -> None:
    # The .sol routes, priced with our matrix, give bks.csv's figure: units agree.
    instance = read_instance(VRP_DIR / "vrptw" / "C101.txt")
    routes = [
        [int(n) for n in line.split(":")[1].split()]
        for line in (VRP_DIR / "vrptw" / "C101.sol").read_text().splitlines()
        if line.startswith("Route")
    ]
    matrix = instance.problem.distance
    total = sum(
        sum(matrix[a][b] for a, b in zip([0, *route], [*route, 0], strict=True)) for route in routes
    )
    assert total / 10 == bks("C101")


@needs_instances
def test_solve_vrp_on_a_cvrplib_file_prints_a_plan_near_the_best_known_cost() -> None:
    out = StringIO()
    call_command(
        "solve_vrp", str(VRP_DIR / "cvrp" / "X-n101-k25.vrp"), "--seconds", "1.5", stdout=out
    )
    result = json.loads(out.getvalue())
    assert set(result) == {"instance", "cost", "routes", "seconds", "feasible"}
    assert result["instance"] == "X-n101-k25"
    assert result["feasible"] is True
    assert sorted(c for route in result["routes"] for c in route) == list(range(1, 101))
    # Generous: 1.5 s on a busy machine; PyVRP reaches ~1 % here.
    assert bks("X-n101-k25") <= result["cost"] <= bks("X-n101-k25") * 1.06
    assert result["seconds"] < 3


@needs_instances
def test_solve_vrp_on_a_solomon_file_prints_the_cost_in_tenths_removed() -> None:
    out = StringIO()
    call_command("solve_vrp", str(VRP_DIR / "vrptw" / "C101.txt"), "--seconds", "1", stdout=out)
    result = json.loads(out.getvalue())
    assert result["feasible"] is True
    assert bks("C101") <= result["cost"] <= bks("C101") * 1.03
    assert sorted(c for route in result["routes"] for c in route) == list(range(1, 101))


def test_solve_vrp_refuses_a_missing_file_and_a_wrong_format(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("solve_vrp", str(tmp_path / "nope.vrp"), "--seconds", "1")
    notes = tmp_path / "notes.md"
    notes.write_text("hello")
    with pytest.raises(CommandError, match=r"expected a VRPLIB \.vrp file or a Solomon \.txt"):
        call_command("solve_vrp", str(notes), "--seconds", "1")
    broken = tmp_path / "broken.txt"
    broken.write_text("C101\n\nVEHICLE\nNUMBER CAPACITY\n")
    with pytest.raises(CommandError, match=r"broken.txt is not a readable instance"):
        call_command("solve_vrp", str(broken), "--seconds", "1")


def test_reading_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InstanceUnreadable):
        read_instance(tmp_path)


@needs_instances
def test_plan_cost_and_routes_are_given_in_the_files_terms() -> None:
    instance = read_instance(VRP_DIR / "vrptw" / "C101.txt")
    plan = solver.solve(instance.problem, seconds=0.5)
    assert instance_cost(instance, plan) == round(plan.cost / 10, 1)
    assert sum(len(r) for r in instance_routes(plan)) == 100


# --- the second core -------------------------------------------------------------------


def small_data() -> pyvrp.ProblemData:
    import numpy as np

    matrix = np.array([[0, 10, 20], [10, 0, 15], [20, 15, 0]])
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(0, 0) for _ in range(3)],
        clients=[pyvrp.Client(1, [1]), pyvrp.Client(2, [1])],
        depots=[pyvrp.Depot(0)],
        vehicle_types=[pyvrp.VehicleType(2, [5])],
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )


def test_the_second_seed_runs_in_a_child_process_and_returns_its_best_solution() -> None:
    import time

    data = small_data()
    # Generous: the child pays for starting Python and importing PyVRP first.
    helper = secondcore.start(data, seed=7, deadline_wall=time.time() + 1.0)
    assert helper is not None
    result = secondcore.collect(helper, data)
    assert result is not None
    solution, iterations = result
    assert solution.is_feasible()
    assert solution.distance() == 45
    assert iterations > 0


def test_a_child_that_crashes_costs_only_the_second_seed(tmp_path: Path, monkeypatch) -> None:
    import time

    crashing = tmp_path / "child.py"
    crashing.write_text("import sys\nsys.exit(3)\n")
    monkeypatch.setattr(secondcore, "_CHILD", crashing)
    data = small_data()
    helper = secondcore.start(data, seed=7, deadline_wall=time.time() + 0.1)
    assert helper is not None
    assert secondcore.collect(helper, data) is None


def test_a_child_that_overruns_is_stopped(tmp_path: Path, monkeypatch) -> None:
    import time

    sleeping = tmp_path / "child.py"
    sleeping.write_text("import time\ntime.sleep(30)\n")
    monkeypatch.setattr(secondcore, "_CHILD", sleeping)
    monkeypatch.setattr(secondcore, "_GRACE_SECONDS", 0.2)
    data = small_data()
    helper = secondcore.start(data, seed=7, deadline_wall=time.time() + 0.1)
    assert helper is not None
    assert secondcore.collect(helper, data) is None
    assert helper.process.returncode is not None  # killed, not left behind


def test_when_the_child_cannot_start_the_solver_plans_alone(monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        raise OSError("no processes left")

    monkeypatch.setattr(secondcore.subprocess, "Popen", refuse)
    monkeypatch.setattr(solver, "SECOND_CORE_MIN_SECONDS", 0.0)
    monkeypatch.setattr(solver.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(solver.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    from highland.logistics.planning.problem import Problem, Stop, VehicleType

    matrix = [[0, 10], [10, 0]]
    problem = Problem(
        matrix, matrix, (0,), (Stop("a", 1, delivery=(1,)),), (VehicleType("v", 1, (5,)),)
    )
    plan = solver.solve(problem, seconds=0.1)
    assert plan.cost == 20
    assert plan.feasible


def test_with_two_cores_the_better_of_two_plans_is_kept(monkeypatch) -> None:
    monkeypatch.setattr(solver, "SECOND_CORE_MIN_SECONDS", 0.0)
    monkeypatch.setattr(solver.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(solver.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    from highland.logistics.planning.problem import Problem, Stop, VehicleType

    matrix = [[0, 10, 20], [10, 0, 15], [20, 15, 0]]
    problem = Problem(
        matrix,
        matrix,
        (0,),
        (Stop("a", 1, delivery=(1,), window_end=100), Stop("b", 2, delivery=(1,))),
        (VehicleType("v", 2, (5,)),),
    )
    plan = solver.solve(problem, seconds=0.8)
    assert plan.cost == 45
    assert plan.feasible
    # Both searches ran: the child's iterations are counted too.
    assert plan.iterations > 0


def test_a_busy_machine_gets_no_second_search(monkeypatch) -> None:
    monkeypatch.setattr(solver.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(solver.os, "getloadavg", lambda: (1.7, 1.5, 1.2))
    monkeypatch.delenv("HIGHLAND_SOLVER_SECOND_CORE", raising=False)
    assert not solver._second_core_wanted(30)
    monkeypatch.setattr(solver.os, "getloadavg", lambda: (0.6, 0.5, 0.2))
    assert solver._second_core_wanted(30)
    assert not solver._second_core_wanted(1)
    monkeypatch.setenv("HIGHLAND_SOLVER_SECOND_CORE", "0")
    assert not solver._second_core_wanted(30)
