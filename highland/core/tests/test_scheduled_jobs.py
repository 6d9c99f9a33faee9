"""`run_scheduled_jobs --once`: every job of the beat schedule, each on its own."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from highland.orders.models import Order, OrderStatus
from highland.testing import OrderFactory


@pytest.fixture(autouse=True)
def _no_gateway_report_to_fetch(monkeypatch):
    # The settlement import asks the gateway for its reports; its own tests run it
    # against the sandbox. Here it stands for "a job that did its work".
    from highland.payments.gateway_settlement import ImportResult

    monkeypatch.setattr(
        "highland.payments.gateway_settlement.import_recent_gateway_settlements",
        lambda: ImportResult(),
    )


def test_the_jobs_are_the_beat_schedule(settings):
    from highland.core.management.commands.run_scheduled_jobs import scheduled_jobs

    assert [(name, task.name) for name, task in scheduled_jobs()] == [
        ("alert-silent-sensors", "logistics.alert_silent_sensors"),
        ("close-group-buys", "orders.close_group_buys"),
        ("delete-expired-idempotency-records", "core.delete_expired_idempotency_records"),
        ("deliver-outbox", "core.deliver_due_outbox"),
        ("escalate-aftersales", "orders.escalate_aftersales"),
        ("expire-payments", "payments.expire_payments"),
        ("fail-stuck-planning-runs", "logistics.fail_stuck_planning_runs"),
        ("import-gateway-settlements", "payments.import_gateway_settlements"),
        ("reconcile-gateway-payments", "payments.reconcile_gateway_payments"),
        ("settle-sellers", "orders.settle_sellers"),
        ("warn-of-expiring-orders", "orders.warn_of_expiring_orders"),
    ]


def _expired_checkout(demo):
    result = OrderFactory(demo).place()
    Order.objects.filter(pk=result.orders[0].pk).update(
        reserved_until=timezone.now() - dt.timedelta(minutes=1)
    )
    return result.orders[0]


def test_once_runs_every_job_and_a_failing_one_does_not_stop_the_others(demo, monkeypatch):
    order = _expired_checkout(demo)

    def gateway_down() -> int:
        raise ConnectionError("the gateway is down")

    monkeypatch.setattr("highland.payments.services.reconcile_gateway_payments", gateway_down)
    output = StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("run_scheduled_jobs", "--once", stdout=output)

    assert str(failure.value) == "1 job(s) failed: reconcile-gateway-payments"
    lines = output.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "alert-silent-sensors",
        "close-group-buys",
        "delete-expired-idempotency-records",
        "deliver-outbox",
        "escalate-aftersales",
        "expire-payments",
        "fail-stuck-planning-runs",
        "import-gateway-settlements",
        "reconcile-gateway-payments",
        "settle-sellers",
        "warn-of-expiring-orders",
    ]
    assert "expire-payments: ok (1)" in lines
    assert "reconcile-gateway-payments: failed: ConnectionError: the gateway is down" in lines
    # The jobs after the failing one ran too, and the expiry before it did its work.
    assert lines[-2].startswith("settle-sellers: ok")
    assert lines[-1].startswith("warn-of-expiring-orders: ok")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_once_succeeds_when_every_job_does(demo):
    output = StringIO()

    call_command("run_scheduled_jobs", "--once", stdout=output)

    assert all(": ok (" in line for line in output.getvalue().splitlines())


def test_a_second_run_within_the_interval_runs_nothing(demo):
    call_command("run_scheduled_jobs", "--once", stdout=StringIO())
    output = StringIO()

    call_command("run_scheduled_jobs", "--once", stdout=output)

    assert set(output.getvalue().splitlines()) == {
        f"{name}: not due" for name in settings.CELERY_BEAT_SCHEDULE
    }


def test_a_job_runs_again_once_its_interval_has_passed(demo):
    from highland.core.models import ScheduledJobRun

    call_command("run_scheduled_jobs", "--once", stdout=StringIO())
    # The minute jobs were last started 61 s ago; the daily settlement an hour ago.
    ScheduledJobRun.objects.update(started_at=timezone.now() - dt.timedelta(seconds=61))
    ScheduledJobRun.objects.filter(name="settle-sellers").update(
        started_at=timezone.now() - dt.timedelta(hours=1)
    )
    output = StringIO()

    call_command("run_scheduled_jobs", "--once", stdout=output)

    lines = output.getvalue().splitlines()
    assert "expire-payments: ok (0)" in lines
    assert "deliver-outbox: ok (0)" in lines
    assert "settle-sellers: not due" in lines
    run = ScheduledJobRun.objects.get(name="expire-payments")
    assert run.succeeded is True
    assert run.finished_at is not None


def test_all_runs_every_job_even_when_not_due(demo):
    call_command("run_scheduled_jobs", "--once", stdout=StringIO())
    output = StringIO()

    call_command("run_scheduled_jobs", "--once", "--all", stdout=output)

    assert all(": ok (" in line for line in output.getvalue().splitlines())


def test_a_failed_run_is_recorded_with_its_error(demo, monkeypatch):
    from highland.core.models import ScheduledJobRun

    def gateway_down() -> int:
        raise ConnectionError("the gateway is down")

    monkeypatch.setattr("highland.payments.services.reconcile_gateway_payments", gateway_down)

    with pytest.raises(CommandError):
        call_command("run_scheduled_jobs", "--once", stdout=StringIO())

    run = ScheduledJobRun.objects.get(name="reconcile-gateway-payments")
    assert run.succeeded is False
    assert run.last_error == "ConnectionError: the gateway is down"


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_cron_runs_claim_each_job_once(demo):
    from highland.core.management.commands.run_scheduled_jobs import claim_if_due
    from highland.testing import run_concurrently

    now = timezone.now()

    claims = run_concurrently(lambda: claim_if_due("settle-sellers", now=now), 4)

    assert sorted(claims, key=str) == [False, False, False, True]
