"""A second seed on the machine's second core, in a child process.

A child process (not a thread: PyVRP's search holds the GIL, and Celery's prefork workers
may not fork `multiprocessing` children) runs `_secondcore_child.py` with a plain Python
interpreter: it imports PyVRP only, never Django. The problem goes in and the routes come
back as pickles over pipes between our own two processes. Anything that goes wrong in the
child (it cannot start, it crashes, it overruns) costs only the second seed.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pyvrp

logger = logging.getLogger(__name__)

_CHILD = Path(__file__).with_name("_secondcore_child.py")
# Waited for the child past the deadline before it is killed.
_GRACE_SECONDS = 3.0


class Helper:
    def __init__(self, process: subprocess.Popen[bytes], deadline_wall: float) -> None:
        self.process = process
        self.deadline_wall = deadline_wall


def start(data: pyvrp.ProblemData, *, seed: int, deadline_wall: float) -> Helper | None:
    """Start a child searching `data` with `seed` until `deadline_wall` (time.time())."""
    try:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and our own script)
            [sys.executable, str(_CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError:
        logger.warning("second seed could not start", exc_info=True)
        return None
    try:
        assert process.stdin is not None
        process.stdin.write(pickle.dumps((data, seed, deadline_wall)))
        process.stdin.close()
        # communicate() would flush the closed pipe; it has nothing more to send.
        process.stdin = None
    except (OSError, ValueError):
        logger.warning("second seed could not be given its problem", exc_info=True)
        process.kill()
        process.communicate()
        return None
    return Helper(process, deadline_wall)


def collect(helper: Helper, data: pyvrp.ProblemData) -> tuple[pyvrp.Solution, int] | None:
    """The child's best solution and iteration count, or None if it has none."""
    timeout = max(helper.deadline_wall - time.time(), 0.0) + _GRACE_SECONDS
    try:
        output, errors = helper.process.communicate(timeout=timeout)
    except (subprocess.TimeoutExpired, OSError, ValueError):
        helper.process.kill()
        helper.process.communicate()
        logger.warning("second seed overran its deadline and was stopped")
        return None
    if helper.process.returncode != 0:
        logger.warning("second seed failed: %s", errors.decode(errors="replace")[-2000:])
        return None
    try:
        # Our own child's output, never anything from outside.
        routes, iterations = pickle.loads(output)  # noqa: S301
        solution = pyvrp.Solution(
            data, [pyvrp.Route(data, visits, vehicle_type) for vehicle_type, visits in routes]
        )
    except Exception:  # a broken answer costs only the second seed
        logger.warning("second seed returned an unreadable answer", exc_info=True)
        return None
    return solution, int(iterations)
