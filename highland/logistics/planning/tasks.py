"""Background work of the planning runs (registered with Celery from `plans_menu.register`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="logistics.solve_planning_run")
def solve_planning_run(run_id: int) -> str:
    """Solve a queued planning run (started by `start_planning_run` after commit)."""
    from highland.logistics.services.planning import execute_planning_run

    run = execute_planning_run(run_id)
    return run.status if run is not None else "not queued"


@shared_task(name="logistics.fail_stuck_planning_runs")
def fail_stuck_planning_runs() -> int:
    """Fail runs whose worker died (scheduled every five minutes)."""
    from highland.logistics.services.planning import fail_stuck_planning_runs as fail_stuck

    return fail_stuck()
