"""Shared helpers of the planning tests: days, runs solved in this process, and the
checks every plan must pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from highland.logistics.models import PlannedRoute, PlanningRun
from highland.logistics.services.planning import execute_planning_run, start_planning_run


def next_weekday(weekday: int) -> dt.date:
    """The next day (tomorrow or later) that is `weekday` (0 = Monday)."""
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def solved_run(
    demo: Any,
    django_capture_on_commit_callbacks: Any,
    *,
    day: dt.date | None = None,
    seconds: float = 0.5,
    departs_at: dt.time = dt.time(7, 0),
) -> PlanningRun:
    """Start a run as the dispatcher and solve it here, as the worker would."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = start_planning_run(
            demo.county,
            day or next_weekday(1),
            seconds=seconds,
            departs_at=departs_at,
            actor=demo.user("dispatcher"),
        )
    assert len(callbacks) == 1  # the hand-over to the worker, not run here
    finished = execute_planning_run(run.pk)
    assert finished is not None
    return finished


def check_plan(run: PlanningRun) -> None:
    """Every route holds: loads within capacity on every leg, service within the point's
    opening, refrigerated loads on refrigerated vehicles, times in order."""
    for route in PlannedRoute.objects.filter(run=run).select_related("vehicle"):
        vehicle = route.vehicle
        assert route.load_at_start_g <= vehicle.capacity_g
        assert route.load_at_start_ml <= vehicle.capacity_ml
        clock = route.starts_at
        for stop in route.stops.order_by("sequence"):
            assert stop.load_after_g <= vehicle.capacity_g, (route, stop)
            assert stop.load_after_ml <= vehicle.capacity_ml, (route, stop)
            assert stop.load_after_g >= 0
            assert clock <= stop.arrives_at <= stop.service_starts_at < stop.departs_at
            assert stop.window_opens_at <= stop.service_starts_at <= stop.window_closes_at
            if stop.needs_refrigeration:
                assert vehicle.refrigerated, (route, stop)
            clock = stop.departs_at
        assert clock <= route.ends_at
        duration = (route.ends_at - route.starts_at).total_seconds()
        assert route.duration_s == duration
        assert duration <= vehicle.shift_minutes * 60
