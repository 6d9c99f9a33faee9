"""Check the planner on a benchmark file: `manage.py solve_vrp PATH --seconds N [--seed S]`.

Reads a VRPLIB `.vrp` (CVRPLIB) or Solomon `.txt` file and solves it through the same
`planning.solver.solve` the dispatcher's runs use. Prints one JSON object:
`{"instance", "cost", "routes", "seconds", "feasible"}`, with the cost in the instance's
own rounding convention and routes as customer numbers as in the file.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from highland.logistics.planning.files import (
    InstanceUnreadable,
    instance_cost,
    instance_routes,
    read_instance,
)
from highland.logistics.planning.solver import solve


def _seconds(value: str) -> float:
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(value)
    return seconds


class Command(BaseCommand):
    help = "Solve a VRPLIB .vrp or Solomon .txt instance with the planner; print JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a VRPLIB .vrp or Solomon .txt file")
        parser.add_argument(
            "--seconds", type=_seconds, required=True, help="wall-time limit (seconds)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            instance = read_instance(options["path"])
        except InstanceUnreadable as error:
            raise CommandError(str(error)) from error
        plan = solve(instance.problem, seconds=options["seconds"], seed=options["seed"])
        self.stdout.write(
            json.dumps(
                {
                    "instance": instance.name,
                    "cost": instance_cost(instance, plan),
                    "routes": instance_routes(plan),
                    "seconds": round(plan.seconds, 3),
                    "feasible": plan.feasible,
                },
                ensure_ascii=False,
            )
        )
