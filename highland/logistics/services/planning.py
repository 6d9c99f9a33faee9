"""Planning runs: start one, solve it in the background with progress, keep its plan.

`start_planning_run` records a queued run and, after commit, hands it to a Celery worker
when a broker is configured, else to a thread of this process (a solve takes seconds to
minutes; a web request must not wait for it). `execute_planning_run` is that job: it
claims the run (queued → running), builds the day, solves under the time limit writing
progress at most once a second (one short UPDATE each, so SQLite's single writer is
never held), decides bus or van, and saves the plan in one transaction (running → done).

Nothing leaves a run "running" for ever: a crash anywhere marks it failed with the
error, a cancellation is noticed at the next progress report, and the scheduled job
`fail_stuck_planning_runs` fails runs that outlived their time limit by `STUCK_MARGIN`
(the worker died, the machine restarted).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import Conflict, DomainError, ValidationFailed
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import (
    PLANNING_RUN_MACHINE,
    PlanningRun,
    PlanningRunStatus,
)
from highland.logistics.models.planning import UNFINISHED
from highland.logistics.planning.day import build_day
from highland.logistics.planning.dayplan import plan_day
from highland.logistics.planning.problem import Progress
from highland.logistics.planning.routes import units_to_fen
from highland.logistics.services.plan_results import save_plan

logger = logging.getLogger(__name__)

MIN_SECONDS = 0.2
MAX_SECONDS = 600.0
# How far back and ahead a day may be planned.
MAX_DAYS_AHEAD = 14
PROGRESS_EVERY_SECONDS = 1.0
# A run still unfinished this long after its time limit has lost its worker.
STUCK_MARGIN = dt.timedelta(minutes=10)


class PlanningCancelled(Exception):
    """The run was cancelled (or failed) while the solver ran: stop the search."""


def _check_request(day: dt.date, seconds: float, departs_at: dt.time | None) -> None:
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not isinstance(day, dt.date) or not today <= day <= today + dt.timedelta(
        days=MAX_DAYS_AHEAD
    ):
        errors["day"] = [
            _("Plan today or a day in the next %(days)d days.") % {"days": MAX_DAYS_AHEAD}
        ]
    if not isinstance(seconds, int | float) or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        errors["seconds"] = [
            _("The time limit is between %(least)s and %(most)d seconds.")
            % {"least": f"{MIN_SECONDS:g}", "most": int(MAX_SECONDS)}
        ]
    if departs_at is not None and not isinstance(departs_at, dt.time):
        errors["departs_at"] = [_("Give the time the vans leave, such as 07:00.")]
    if errors:
        raise ValidationFailed(_("Please correct the planning request."), errors=errors)


@transaction.atomic
def start_planning_run(
    county: County,
    day: dt.date,
    *,
    seconds: float,
    actor: User,
    departs_at: dt.time | None = None,
    seed: int = 1,
) -> PlanningRun:
    """Queue the planning of `day`; the solve starts after commit (see the module)."""
    require(actor, "logistics.plan_runs", county)
    _check_request(day, seconds, departs_at)
    # One run of a day at a time: two would race for the buses and share two cores.
    County.objects.select_for_update().filter(pk=county.pk).first()
    unfinished = PlanningRun.objects.filter(county=county, day=day, status__in=UNFINISHED).first()
    if unfinished is not None:
        raise Conflict(
            _("Run #%(run)d is still planning this day; wait for it or cancel it.")
            % {"run": unfinished.pk},
            code="run_in_progress",
        )
    run = PlanningRun.objects.create(
        county=county,
        day=day,
        departs_at=departs_at or dt.time(7, 0),
        time_limit_seconds=float(seconds),
        seed=seed,
        created_by=actor,
    )
    audit.record(
        actor,
        "logistics.planning_run.started",
        run,
        {
            "day": day.isoformat(),
            "seconds": float(seconds),
            "departs_at": f"{run.departs_at:%H:%M}",
        },
    )
    transaction.on_commit(lambda: enqueue_planning_run(run.pk))
    return run


def enqueue_planning_run(run_id: int) -> threading.Thread | None:
    """Hand the run to a worker: Celery with a broker, else a thread here (returned)."""
    if settings.CELERY_BROKER_URL:
        try:
            from highland.logistics.planning.tasks import solve_planning_run

            solve_planning_run.delay(run_id)
        except Exception as error:
            logger.exception("planning run %s could not be queued", run_id)
            _fail(run_id, f"{error.__class__.__name__}: {error}", code="not_queued")
        return None
    worker = threading.Thread(
        target=_execute_in_thread, args=(run_id,), name=f"planning-run-{run_id}", daemon=True
    )
    worker.start()
    return worker


def _execute_in_thread(run_id: int) -> None:
    try:
        execute_planning_run(run_id)
    finally:
        # The thread's own database connection: closed, or it would linger.
        connection.close()


def _claim(run_id: int) -> PlanningRun | None:
    with transaction.atomic():
        run = (
            PlanningRun.objects.select_for_update()
            .select_related("county", "created_by")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.status != PlanningRunStatus.QUEUED:
            return None
        fields = PLANNING_RUN_MACHINE.move(run, PlanningRunStatus.RUNNING)
        run.save(update_fields=fields)
    return run


def execute_planning_run(run_id: int) -> PlanningRun | None:
    """Solve a queued run and keep its plan (the background job). Never raises: a
    failure is written on the run."""
    run = _claim(run_id)
    if run is None:
        return None
    try:
        day = build_day(run.county, run.day, departs_at=run.departs_at)
        plan = plan_day(
            day,
            seconds=run.time_limit_seconds,
            seed=run.seed,
            on_progress=progress_writer(run.pk),
        )
        save_plan(run.pk, day, plan)
    except PlanningCancelled:
        logger.info("planning run %s was cancelled while solving", run_id)
    except DomainError as error:
        _fail(run_id, error.message, code=error.code)
    except Exception as error:
        logger.exception("planning run %s failed", run_id)
        _fail(run_id, f"{error.__class__.__name__}: {error}", code="error")
    return PlanningRun.objects.filter(pk=run_id).first()


def progress_writer(
    run_id: int, *, every: float = PROGRESS_EVERY_SECONDS
) -> Callable[[Progress], None]:
    """The solver's `on_progress`: writes the best cost and elapsed time at most every
    `every` seconds, and stops the search (PlanningCancelled) once the run is no longer
    running."""
    last = [float("-inf")]

    def write(progress: Progress) -> None:
        now = time.monotonic()
        if now - last[0] < every:
            return
        last[0] = now
        best = None if progress.best_cost is None else units_to_fen(progress.best_cost)
        updated = PlanningRun.objects.filter(pk=run_id, status=PlanningRunStatus.RUNNING).update(
            best_cost_fen=best,
            elapsed_seconds=round(progress.elapsed, 2),
            iterations=progress.iterations,
            progress_at=timezone.now(),
        )
        if not updated:
            raise PlanningCancelled(run_id)

    return write


def _fail(run_id: int, message: str, *, code: str) -> bool:
    """Mark an unfinished run failed with `message`; False if it had finished already."""
    with transaction.atomic():
        run = PlanningRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in UNFINISHED:
            return False
        fields = PLANNING_RUN_MACHINE.move(run, PlanningRunStatus.FAILED)
        run.message = message[:2000]
        run.failure_code = code[:30]
        run.save(update_fields=[*fields, "message", "failure_code"])
        audit.record(
            None, "logistics.planning_run.failed", run, {"failure": code, "message": run.message}
        )
    return True


@transaction.atomic
def cancel_planning_run(run: PlanningRun, *, actor: User) -> PlanningRun:
    """Stop a queued or running run; the solver stops at its next progress report."""
    require(actor, "logistics.plan_runs", run)
    locked = PlanningRun.objects.select_for_update().get(pk=run.pk)
    fields = PLANNING_RUN_MACHINE.move(locked, PlanningRunStatus.CANCELLED)
    locked.save(update_fields=fields)
    audit.record(actor, "logistics.planning_run.cancelled", locked, {"day": locked.day.isoformat()})
    return locked


def fail_stuck_planning_runs(*, now: dt.datetime | None = None) -> int:
    """Fail runs unfinished long past their time limit (the scheduled job); how many."""
    now = now or timezone.now()
    failed = 0
    for run in PlanningRun.objects.filter(status__in=UNFINISHED).order_by("pk"):
        began = run.started_at or run.created_at
        if began + dt.timedelta(seconds=run.time_limit_seconds) + STUCK_MARGIN < now:
            failed += _fail(run.pk, "no answer within the time limit", code="stuck")
    return failed
