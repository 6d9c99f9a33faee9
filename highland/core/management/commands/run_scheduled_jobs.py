"""Run the scheduled jobs without Celery beat: `--once` for cron, or a loop."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

logger = logging.getLogger(__name__)


def scheduled_jobs() -> list[tuple[str, Any]]:
    """(name, task) for each entry of `CELERY_BEAT_SCHEDULE`: one list for beat and cron."""
    from highland.celery import app

    app.loader.import_default_modules()
    return [
        (name, app.tasks[entry["task"]])
        for name, entry in sorted(settings.CELERY_BEAT_SCHEDULE.items())
    ]


def run_jobs_once(write: Any = None) -> list[str]:
    """Run every scheduled job once, in this process; one failing does not stop the
    others. Returns the names of the jobs that failed."""
    failed = []
    for name, task in scheduled_jobs():
        try:
            result = task()  # calling a task object runs it here, not on a worker
        except Exception as error:
            logger.exception("scheduled job %s failed", name)
            failed.append(name)
            if write:
                write(f"{name}: failed: {error.__class__.__name__}: {error}")
        else:
            if write:
                write(f"{name}: ok ({result})")
    return failed


class Command(BaseCommand):
    help = (
        "Run every scheduled job (expiry, outbox deliveries, reconciliation, escalation, "
        "group-buy closing, settlement) once with --once, or every --interval seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run each job once and exit")
        parser.add_argument("--interval", type=int, default=60, help="seconds between runs")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            failed = run_jobs_once(self.stdout.write)
            if options["once"]:
                if failed:
                    raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")
                return
            time.sleep(max(options["interval"], 1))
