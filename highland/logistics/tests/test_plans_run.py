"""Planning runs end to end: queued, solved with progress, the plan kept; a crash, a
cancellation and a lost worker all end the run; a day planned again replaces its plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.core.errors import Conflict, PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.logistics.models import (
    ParcelCost,
    PlannedStop,
    PlanningRun,
    PlanningRunStatus,
    UnservedStop,
)
from highland.logistics.planning.explain import failure_message, unserved_message
from highland.logistics.planning.problem import Progress
from highland.logistics.services.planning import (
    PlanningCancelled,
    cancel_planning_run,
    enqueue_planning_run,
    execute_planning_run,
    fail_stuck_planning_runs,
    progress_writer,
    start_planning_run,
)
from highland.logistics.tests.plans_setup import check_plan, next_weekday, solved_run

pytestmark = pytest.mark.django_db

TUESDAY = next_weekday(1)


def _a_day_of_parcels(parcel_factory):
    drops = [
        parcel_factory.order_parcel(code, weight_g=weight)
        for code, weight in (
            ("LT-S01-V01", 600),
            ("LT-S01-V02", 2_500),
            ("LT-S01", 12_000),
            ("LT-S01-V03", 800),
            ("LT-S03-V02", 1_200),
        )
    ]
    drops.append(parcel_factory.order_parcel("LT-S01-V05", temperature_class="chilled"))
    drops.append(parcel_factory.order_parcel("LT-S01-V03", temperature_class="frozen"))
    collections = [parcel_factory.collection("LT-S01-V03", weight_g=40_000)]
    return drops, collections


def test_a_run_covers_the_stops_and_keeps_every_constraint(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    drops, collections = _a_day_of_parcels(parcel_factory)

    run = solved_run(demo, django_capture_on_commit_callbacks, seconds=0.5)

    assert run.status == PlanningRunStatus.DONE
    assert run.is_current is True
    check_plan(run)
    # Every parcel is on a van, on a bus, or listed unserved with its point; never lost.
    on_vans = set(
        PlannedStop.drop_parcels.through.objects.filter(plannedstop__route__run=run).values_list(
            "parcel_id", flat=True
        )
    ) | set(
        PlannedStop.collect_parcels.through.objects.filter(plannedstop__route__run=run).values_list(
            "parcel_id", flat=True
        )
    )
    on_buses = set(run.bus_consignments.values_list("parcel_id", flat=True))
    unserved = set(
        UnservedStop.parcels.through.objects.filter(unservedstop__run=run).values_list(
            "parcel_id", flat=True
        )
    )
    everything = {p.pk for p in drops + collections}
    assert on_vans | on_buses | unserved == everything
    assert not (on_vans & on_buses) and not (on_vans & unserved) and not (on_buses & unserved)
    # The run's cost is its routes' costs and the bus fees; each parcel carries a share.
    assert run.van_cost_fen == sum(route.cost_fen for route in run.routes.all())
    assert run.bus_fees_fen == sum(c.fee_fen for c in run.bus_consignments.all())
    assert set(ParcelCost.objects.filter(run=run).values_list("parcel_id", flat=True)) == (
        on_vans | on_buses
    )
    assert run.stop_count == PlannedStop.objects.filter(route__run=run).count()
    assert AuditRecord.objects.filter(
        action="logistics.planning_run.done", object_id=str(run.pk)
    ).exists()


def test_arrival_times_are_aware_times_of_the_planned_day(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    parcel_factory.order_parcel("LT-S01-V03")  # not on a bus line

    run = solved_run(demo, django_capture_on_commit_callbacks)

    stop = PlannedStop.objects.get(route__run=run)
    local = timezone.localtime(stop.service_starts_at)
    assert local.date() == TUESDAY
    assert dt.time(8, 0) <= local.time() <= dt.time(11, 0)
    assert timezone.localtime(stop.window_opens_at).time() == dt.time(8, 0)


def test_a_solver_crash_marks_the_run_failed_with_the_error(
    demo, parcel_factory, monkeypatch, django_capture_on_commit_callbacks
):
    parcel_factory.order_parcel("LT-S01-V01")

    def crash(*args, **kwargs):
        raise RuntimeError("segfault in the search")

    monkeypatch.setattr("highland.logistics.planning.solver.solve", crash)

    run = solved_run(demo, django_capture_on_commit_callbacks)

    assert run.status == PlanningRunStatus.FAILED
    assert run.failure_code == "error"
    assert run.message == "RuntimeError: segfault in the search"
    assert failure_message(run) == "The planner failed: RuntimeError: segfault in the search"
    assert run.finished_at is not None
    assert run.is_current is False
    assert not run.routes.exists()


def test_a_county_without_vehicles_fails_the_run_with_the_reason(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    parcel_factory.order_parcel("LT-S01-V01")
    demo.county.vehicles.update(active=False)

    run = solved_run(demo, django_capture_on_commit_callbacks)

    assert (run.status, run.failure_code) == (PlanningRunStatus.FAILED, "no_vehicle")
    assert failure_message(run) == (
        "The county has no active vehicle to plan with. Add one on the vehicles page."
    )


def test_progress_is_written_at_most_once_a_second_and_a_cancelled_run_stops(demo):
    run = PlanningRun.objects.create(
        county=demo.county,
        day=TUESDAY,
        time_limit_seconds=5,
        status=PlanningRunStatus.RUNNING,
        created_by=demo.user("dispatcher"),
    )
    write = progress_writer(run.pk, every=60)

    write(Progress(best_cost=18_000 * 1234 + 9_000, elapsed=0.51, iterations=40))
    write(Progress(best_cost=1, elapsed=0.9, iterations=80))  # within the minute: skipped

    run.refresh_from_db()
    # Cost units (1/18,000 fen) to fen, half up: ¥12.35.
    assert (run.best_cost_fen, run.elapsed_seconds, run.iterations) == (1235, 0.51, 40)
    assert run.progress_at is not None

    cancel_planning_run(run, actor=demo.user("dispatcher"))
    with pytest.raises(PlanningCancelled):
        progress_writer(run.pk)(Progress(best_cost=None, elapsed=1.0, iterations=90))
    run.refresh_from_db()
    assert run.status == PlanningRunStatus.CANCELLED
    assert run.iterations == 40


def test_a_run_cancelled_before_its_worker_starts_is_not_solved(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    parcel_factory.order_parcel("LT-S01-V01")
    with django_capture_on_commit_callbacks(execute=False):
        run = start_planning_run(demo.county, TUESDAY, seconds=0.5, actor=demo.user("dispatcher"))
    cancel_planning_run(run, actor=demo.user("dispatcher"))

    assert execute_planning_run(run.pk) is None
    run.refresh_from_db()
    assert run.status == PlanningRunStatus.CANCELLED
    assert not run.routes.exists()


def test_a_run_whose_worker_died_is_failed_by_the_scheduled_job(demo):
    started = timezone.now() - dt.timedelta(minutes=30)
    stuck = PlanningRun.objects.create(
        county=demo.county,
        day=TUESDAY,
        time_limit_seconds=60,
        status=PlanningRunStatus.RUNNING,
        started_at=started,
        created_by=demo.user("dispatcher"),
    )
    recent = PlanningRun.objects.create(
        county=demo.county,
        day=TUESDAY + dt.timedelta(days=1),
        time_limit_seconds=60,
        status=PlanningRunStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=2),
        created_by=demo.user("dispatcher"),
    )

    assert fail_stuck_planning_runs() == 1

    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert (stuck.status, stuck.failure_code) == (PlanningRunStatus.FAILED, "stuck")
    assert failure_message(stuck).startswith("The planner stopped without an answer")
    assert recent.status == PlanningRunStatus.RUNNING


def test_one_run_of_a_day_at_a_time(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = start_planning_run(demo.county, TUESDAY, seconds=1, actor=demo.user("dispatcher"))

    with pytest.raises(Conflict) as refused:
        start_planning_run(demo.county, TUESDAY, seconds=1, actor=demo.user("dispatcher"))

    assert refused.value.code == "run_in_progress"
    assert PlanningRun.objects.filter(county=demo.county).count() == 1
    assert first.status == PlanningRunStatus.QUEUED


@pytest.mark.parametrize(
    ("day_offset", "seconds", "field"),
    [(-1, 5, "day"), (15, 5, "day"), (1, 0, "seconds"), (1, 601, "seconds")],
)
def test_a_bad_request_is_refused_field_by_field(demo, day_offset, seconds, field):
    day = timezone.localdate() + dt.timedelta(days=day_offset)

    with pytest.raises(ValidationFailed) as refused:
        start_planning_run(demo.county, day, seconds=seconds, actor=demo.user("dispatcher"))

    assert list(refused.value.errors) == [field]
    assert not PlanningRun.objects.exists()


@pytest.mark.parametrize("username", ["driver", "agent", "official", "buyer"])
def test_only_dispatchers_and_the_centre_start_runs(demo, username):
    with pytest.raises(PermissionDenied):
        start_planning_run(demo.county, TUESDAY, seconds=1, actor=demo.user(username))

    assert not PlanningRun.objects.exists()


def test_planning_a_day_again_replaces_its_plan(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    parcel_factory.order_parcel("LT-S01-V02")
    first = solved_run(demo, django_capture_on_commit_callbacks)

    second = solved_run(demo, django_capture_on_commit_callbacks)

    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert PlanningRun.objects.filter(county=demo.county, day=TUESDAY, is_current=True).get() == (
        second
    )


def test_closing_the_road_changes_the_plan(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from highland.logistics.models import RoadEdge
    from highland.logistics.services.roads import close_road

    parcel_factory.order_parcel("LT-S01-V04")
    parcel_factory.order_parcel("LT-S01-V02")
    open_roads = solved_run(demo, django_capture_on_commit_callbacks)
    assert {s.point.code for s in PlannedStop.objects.filter(route__run=open_roads)} | {
        c.point.code for c in open_roads.bus_choices.filter(chosen="bus")
    } >= {"LT-S01-V04"}

    village = demo.point("LT-S01-V04")
    for edge in RoadEdge.objects.filter(county=demo.county, to_node__point=village) | (
        RoadEdge.objects.filter(county=demo.county, from_node__point=village)
    ):
        close_road(edge, actor=demo.user("dispatcher"), reason="塌方")
    cache.clear()
    # Closed from now until lifted: in force on the day planned.
    closed = solved_run(demo, django_capture_on_commit_callbacks)

    stops = {s.point.code for s in PlannedStop.objects.filter(route__run=closed)}
    assert "LT-S01-V04" not in stops
    assert not closed.bus_choices.filter(chosen="bus", point=village).exists()
    [entry] = UnservedStop.objects.filter(run=closed, point=village)
    assert entry.reason == "unreachable"
    assert unserved_message(entry).startswith("Achao Village Service Point cannot be reached: ")
    assert "(塌方)" in unserved_message(entry)


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_run_is_solved_on_a_thread_of_this_process(demo, parcel_factory):
    parcel_factory.order_parcel("LT-S01-V03")
    run = PlanningRun.objects.create(
        county=demo.county,
        day=TUESDAY,
        time_limit_seconds=0.5,
        created_by=demo.user("dispatcher"),
    )

    worker = enqueue_planning_run(run.pk)

    assert worker is not None
    worker.join(timeout=120)
    assert not worker.is_alive()
    run.refresh_from_db()
    assert run.status == PlanningRunStatus.DONE
    assert run.routes.count() == 1
    assert run.elapsed_seconds > 0


def test_with_a_broker_the_run_goes_to_celery(demo, settings, monkeypatch):
    queued: list[int] = []
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"
    monkeypatch.setattr("highland.logistics.planning.tasks.solve_planning_run.delay", queued.append)

    assert enqueue_planning_run(41) is None
    assert queued == [41]


def test_a_run_that_cannot_be_queued_fails_at_once(demo, settings, monkeypatch):
    run = PlanningRun.objects.create(
        county=demo.county, day=TUESDAY, time_limit_seconds=1, created_by=demo.user("dispatcher")
    )
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"

    def down(run_id: int) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr("highland.logistics.planning.tasks.solve_planning_run.delay", down)

    enqueue_planning_run(run.pk)

    run.refresh_from_db()
    assert (run.status, run.failure_code) == (PlanningRunStatus.FAILED, "not_queued")
    assert run.message == "ConnectionError: broker down"


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_run_stops_the_solver_at_its_next_report(
    demo, parcel_factory, monkeypatch
):
    import time

    # The solver's second seed runs in a child until its own deadline, cancelled or not.
    monkeypatch.setenv("HIGHLAND_SOLVER_SECOND_CORE", "0")

    for code in ("LT-S01-V03", "LT-S01-V05", "LT-S02-V01", "LT-S03-V02", "LT-S01"):
        parcel_factory.collection(code, weight_g=5_000)
    run = PlanningRun.objects.create(
        county=demo.county,
        day=TUESDAY,
        time_limit_seconds=60,
        created_by=demo.user("dispatcher"),
    )
    worker = enqueue_planning_run(run.pk)
    assert worker is not None
    deadline = time.monotonic() + 30
    while not PlanningRun.objects.filter(pk=run.pk, progress_at__isnull=False).exists():
        assert time.monotonic() < deadline, "no progress was written"
        time.sleep(0.1)
    cancelled_at = time.monotonic()

    cancel_planning_run(run, actor=demo.user("dispatcher"))
    worker.join(timeout=20)

    assert not worker.is_alive()
    assert time.monotonic() - cancelled_at < 10  # not the 60 s limit
    run.refresh_from_db()
    assert run.status == PlanningRunStatus.CANCELLED
    assert not run.routes.exists()
