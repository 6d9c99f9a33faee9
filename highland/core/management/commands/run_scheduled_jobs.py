"""Run the scheduled jobs without Celery beat: `--once` for cron, or a loop."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.utils import timezone

from highland.core.models import ScheduledJobRun

logger = logging.getLogger(__name__)


def scheduled_jobs() -> list[tuple[str, Any]]:
    """(name, task) for each entry of `CELERY_BEAT_SCHEDULE`: one list for beat and cron."""
    from highland.celery import app

    app.loader.import_default_modules()
    return [
        (name, app.tasks[entry["task"]])
        for name, entry in sorted(settings.CELERY_BEAT_SCHEDULE.items())
    ]


def job_interval(name: str) -> dt.timedelta:
    """How often the job runs, from its beat schedule entry (seconds or a timedelta)."""
    schedule = settings.CELERY_BEAT_SCHEDULE[name]["schedule"]
    if isinstance(schedule, dt.timedelta):
        return schedule
    if isinstance(schedule, int | float):
        return dt.timedelta(seconds=schedule)
    raise TypeError(f"scheduled job {name}: give its schedule in seconds or as a timedelta")


def claim_if_due(name: str, *, now: dt.datetime, force: bool = False) -> bool:
    """Mark the job started if it is due (never run, or its interval has passed since it
    last started); False when another run has it or it is not due yet."""
    # A little slack, so a job every 60 s still runs from a cron that fires every minute.
    due_before = now - job_interval(name) + dt.timedelta(seconds=5)
    started = ScheduledJobRun.objects.filter(name=name)
    if not force:
        started = started.filter(started_at__lte=due_before)
    if started.update(started_at=now, finished_at=None, succeeded=None):
        return True
    try:
        with transaction.atomic():
            ScheduledJobRun.objects.create(name=name, started_at=now)
    except IntegrityError:
        return False  # it exists: it was claimed or ran recently
    return True


def _finish(name: str, *, error: str = "") -> None:
    ScheduledJobRun.objects.filter(name=name).update(
        finished_at=timezone.now(), succeeded=not error, last_error=error[:2000]
    )


def run_jobs_once(write: Callable[[str], Any] | None = None, *, force: bool = False) -> list[str]:
    """Run each scheduled job that is due, in this process; one failing does not stop the
    others. With `force`, every job runs. Returns the names of the jobs that failed."""
    failed = []
    for name, task in scheduled_jobs():
        if not claim_if_due(name, now=timezone.now(), force=force):
            if write:
                write(f"{name}: not due")
            continue
        try:
            result = task()  # calling a task object runs it here, not on a worker
        except Exception as error:
            logger.exception("scheduled job %s failed", name)
            failed.append(name)
            _finish(name, error=f"{error.__class__.__name__}: {error}")
            if write:
                write(f"{name}: failed: {error.__class__.__name__}: {error}")
        else:
            _finish(name)
            if write:
                write(f"{name}: ok ({result})")
    return failed


class Command(BaseCommand):
    help = (
        "Run every scheduled job that is due (expiry, outbox deliveries, reconciliation, "
        "escalation, group-buy closing, settlement) once with --once, or every --interval "
        "seconds. Each job runs at most as often as its beat schedule says."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run each due job once and exit")
        parser.add_argument(
            "--all", action="store_true", help="run every job now, due or not (by hand)"
        )
        parser.add_argument("--interval", type=int, default=60, help="seconds between runs")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            failed = run_jobs_once(self.stdout.write, force=options["all"])
            if options["once"]:
                if failed:
                    raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")
                return
            time.sleep(max(options["interval"], 1))
