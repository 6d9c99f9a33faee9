"""The second seed's process (see secondcore.py): PyVRP only, no Django.

Reads a pickle of (ProblemData, seed, deadline as time.time()) on stdin; writes a pickle of
([(vehicle type, [client index, ...]), ...], iterations) on stdout.
"""

import pickle
import sys
import time

import pyvrp


class _WallDeadline:
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.time() >= self.deadline


def main() -> None:
    # The parent process wrote this pickle; nothing else can reach our stdin.
    data, seed, deadline = pickle.loads(sys.stdin.buffer.read())  # noqa: S301
    result = pyvrp.solve(data, _WallDeadline(deadline), seed=seed, collect_stats=False)
    routes = [
        (route.vehicle_type(), [a.idx for a in route.schedule() if a.is_client()])
        for route in result.best.routes()
    ]
    sys.stdout.buffer.write(pickle.dumps((routes, result.num_iterations)))


if __name__ == "__main__":
    main()
