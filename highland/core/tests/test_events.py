"""Events and the outbox: in-transaction subscribers, after-commit deliveries, retries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from highland.core import events
from highland.core.models import AuditRecord, OutboxMessage, OutboxStatus
from highland.core.permissions import forget_roles


@pytest.fixture(autouse=True)
def _empty_outbox(db):
    # The demo county was loaded through services that announce shop changes; these
    # tests count the messages of their own events only.
    OutboxMessage.objects.all().delete()


class Recorder:
    """A handler that records the events it saw and fails as often as it is told to."""

    def __init__(self, failures: int = 0, refuse: bool = False) -> None:
        self.seen: list[events.Event] = []
        self.failures = failures
        self.refuse = refuse

    def __call__(self, event: events.Event) -> None:
        self.seen.append(event)
        if self.refuse:
            raise events.DeliveryRefused("the other side says no")
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the other side is down")


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour():
    assert [events.backoff(n).total_seconds() for n in (1, 2, 3, 4, 7, 8, 20)] == [
        30,
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        events.emit("tests.thing.happened", {"thing": 1})
    assert not OutboxMessage.objects.exists()


def test_an_in_transaction_subscriber_commits_and_rolls_back_with_the_action(demo):
    def write(event: events.Event) -> None:
        AuditRecord.objects.create(
            county=demo.county, action="tests.thing.noted", object_type="t", object_id="1"
        )

    with events.subscribed("tests.thing.happened", "tests.write", write, in_transaction=True):
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            events.emit("tests.thing.happened", {"thing": 1}, county=demo.county)
            assert AuditRecord.objects.filter(action="tests.thing.noted").count() == 1
            1 / 0  # noqa: B018  (the action fails after emitting)
        assert not AuditRecord.objects.filter(action="tests.thing.noted").exists()

        with transaction.atomic():
            events.emit("tests.thing.happened", {"thing": 2}, county=demo.county)

    assert AuditRecord.objects.filter(action="tests.thing.noted").count() == 1
    assert not OutboxMessage.objects.exists()


def test_an_after_commit_subscriber_gets_one_message_per_event_key(demo):
    first, second = Recorder(), Recorder()
    with (
        events.subscribed("tests.thing.happened", "tests.first", first),
        events.subscribed("tests.thing.happened", "tests.second", second),
    ):
        with transaction.atomic():
            events.emit("tests.thing.happened", {"thing": 7}, county=demo.county, key="thing:7")
            # A retried action emits the same event again: no second delivery.
            events.emit("tests.thing.happened", {"thing": 7}, county=demo.county, key="thing:7")
        assert first.seen == [] and second.seen == []  # nothing runs before commit
        messages = list(OutboxMessage.objects.order_by("subscriber"))
        assert [(m.subscriber, m.event_key, m.status, m.payload) for m in messages] == [
            ("tests.first", "thing:7", OutboxStatus.PENDING, {"thing": 7}),
            ("tests.second", "thing:7", OutboxStatus.PENDING, {"thing": 7}),
        ]

        assert events.deliver_due_outbox() == 2
        assert events.deliver_due_outbox() == 0

    assert [event.payload for event in first.seen] == [{"thing": 7}]
    assert [event.payload for event in second.seen] == [{"thing": 7}]
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {
        (OutboxStatus.DELIVERED, 1)
    }


def test_a_failing_delivery_is_retried_with_back_off_until_it_succeeds(demo):
    handler = Recorder(failures=2)
    with events.subscribed("tests.thing.happened", "tests.flaky", handler):
        with transaction.atomic():
            events.emit("tests.thing.happened", {"thing": 1}, county=demo.county)
        start = timezone.now()

        assert events.deliver_due_outbox(now=start) == 0
        message = OutboxMessage.objects.get()
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
        assert message.last_error == "ConnectionError: the other side is down"
        wait = (message.next_attempt_at - start).total_seconds()
        assert 30 <= wait < 35

        # Not due yet: nothing is attempted.
        assert events.deliver_due_outbox(now=start + dt.timedelta(seconds=20)) == 0
        assert OutboxMessage.objects.get().attempts == 1

        assert events.deliver_due_outbox(now=start + dt.timedelta(seconds=40)) == 0
        message = OutboxMessage.objects.get()
        assert message.attempts == 2
        assert 100 <= (message.next_attempt_at - start).total_seconds() < 110  # 40 s + 60 s

        assert events.deliver_due_outbox(now=timezone.now() + dt.timedelta(minutes=2)) == 1

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == (
        OutboxStatus.DELIVERED,
        3,
        "",
    )
    assert message.delivered_at is not None
    assert len(handler.seen) == 3


def test_a_claimed_message_is_not_run_twice_at_once(demo):
    handler = Recorder()
    now = timezone.now()
    with events.subscribed("tests.thing.happened", "tests.once", handler):
        with transaction.atomic():
            events.emit("tests.thing.happened", {}, county=demo.county)
        message = OutboxMessage.objects.get()
        # Another worker claimed it a moment ago: its lease pushes the message out of reach.
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=now + events.LEASE)

        assert events.deliver_messages([message.pk], now=now) == 0

    assert handler.seen == []
    assert OutboxMessage.objects.get().attempts == 0


def test_a_refusal_fails_the_message_and_an_operator_can_send_it_again(demo):
    handler = Recorder(refuse=True)
    operator = demo.user("operator")
    with events.subscribed("tests.thing.happened", "tests.refusing", handler):
        with transaction.atomic():
            events.emit("tests.thing.happened", {}, county=demo.county)
        assert events.deliver_due_outbox() == 0
        message = OutboxMessage.objects.get()
        assert (message.status, message.attempts, message.last_error) == (
            OutboxStatus.FAILED,
            1,
            "the other side says no",
        )
        assert message.failed_at is not None
        assert events.deliver_due_outbox(now=timezone.now() + dt.timedelta(days=1)) == 0

        handler.refuse = False
        forget_roles(operator)
        events.retry_outbox_message(message, actor=operator)
        assert events.deliver_due_outbox() == 1

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 2)
    assert AuditRecord.objects.filter(action="core.outbox.retried").count() == 1


def test_a_villager_cannot_send_a_failed_message_again(demo):
    with events.subscribed("tests.thing.happened", "tests.refusing", Recorder(refuse=True)):
        with transaction.atomic():
            events.emit("tests.thing.happened", {}, county=demo.county)
        events.deliver_due_outbox()
    message = OutboxMessage.objects.get()

    from highland.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        events.retry_outbox_message(message, actor=demo.user("buyer"))
    assert OutboxMessage.objects.get().status == OutboxStatus.FAILED


def test_a_message_runs_out_of_attempts(demo):
    handler = Recorder(failures=100)
    with events.subscribed("tests.thing.happened", "tests.down", handler):
        with transaction.atomic():
            events.emit("tests.thing.happened", {}, county=demo.county)
        moment = timezone.now()
        for _ in range(events.MAX_ATTEMPTS + 3):
            moment += dt.timedelta(hours=2)
            events.deliver_due_outbox(now=moment)

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, events.MAX_ATTEMPTS)
    assert len(handler.seen) == events.MAX_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_kick_delivers_at_once_without_a_broker(demo, settings):
    settings.CELERY_BROKER_URL = ""
    handler = Recorder()
    with (
        events.subscribed("tests.thing.happened", "tests.kicked", handler),
        transaction.atomic(),
    ):
        events.emit("tests.thing.happened", {"thing": 3}, county=demo.county)
        assert handler.seen == []

    assert [event.payload for event in handler.seen] == [{"thing": 3}]
    assert OutboxMessage.objects.get(subscriber="tests.kicked").status == OutboxStatus.DELIVERED
