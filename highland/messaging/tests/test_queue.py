"""Queueing text messages: language, dedupe, rate limits, sending after commit, retries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from highland.core.models import AuditRecord, OutboxMessage, OutboxStatus
from highland.messaging import backends
from highland.messaging.models import TextMessage, TextMessageStatus
from highland.messaging.services import queue_text_message

PARAMS = {"number": 2, "count": 5}


def _queue(demo: Any, **overrides: Any) -> TextMessage:
    arguments: dict[str, Any] = {
        "phone": "139 1234 5678",
        "kind": "messaging.test_notice",
        "params": PARAMS,
        "dedupe_key": "test:1",
        "actor": None,
    }
    arguments.update(overrides)
    with transaction.atomic():
        return queue_text_message(demo.county, **arguments)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preferred", "body"),
    [
        ("", "第 2 页，共 5 页"),
        ("bo", "ཤོག་ངོས་ 2 / 5"),
        ("en", "Page 2 of 5"),
    ],
)
def test_rendered_in_the_recipients_language(demo: Any, preferred: str, body: str) -> None:
    person = demo.user("buyer")
    person.preferred_language = preferred
    person.save(update_fields=["preferred_language"])

    message = _queue(demo, person=person, phone=person.phone)

    assert message.body == body
    assert message.language == (preferred or "zh-hans")
    assert message.segments == 1
    assert message.phone == "13800000013"
    assert message.recipient == person


@pytest.mark.django_db
def test_without_a_person_the_given_language_then_chinese(demo: Any) -> None:
    assert _queue(demo, language="bo").body == "ཤོག་ངོས་ 2 / 5"
    assert _queue(demo, dedupe_key="test:2").body == "第 2 页，共 5 页"


@pytest.mark.django_db
def test_the_same_cause_queues_once(demo: Any) -> None:
    first = _queue(demo)
    again = _queue(demo, params={"number": 3, "count": 5})

    assert again.pk == first.pk
    assert TextMessage.objects.filter(county=demo.county).count() == 1
    assert OutboxMessage.objects.filter(subscriber="messaging.send_text").count() == 1


@pytest.mark.django_db
def test_bad_number_and_unknown_kind_are_programming_errors(demo: Any) -> None:
    with pytest.raises(ValueError):
        _queue(demo, phone="12345")
    with pytest.raises(KeyError):
        _queue(demo, kind="messaging.nothing")
    # A cause key too long to store whole would be cut and could match another cause's.
    with pytest.raises(ValueError, match="dedupe_key"):
        _queue(demo, dedupe_key="x" * 121)
    with pytest.raises(ValueError, match="dedupe_key"):
        _queue(demo, dedupe_key="")
    assert not TextMessage.objects.exists()


@pytest.mark.django_db
def test_rate_limit_per_number_records_refused_messages(demo: Any, settings: Any) -> None:
    settings.SMS_RATE_LIMITS = {"code": (5, 3600), "notice": (2, 3600)}

    sent = [_queue(demo, dedupe_key=f"test:{n}") for n in range(3)]
    other_number = _queue(demo, dedupe_key="test:other", phone="13912340000")

    assert [m.status for m in sent] == [
        TextMessageStatus.QUEUED,
        TextMessageStatus.QUEUED,
        TextMessageStatus.RATE_LIMITED,
    ]
    assert other_number.status == TextMessageStatus.QUEUED
    # The refused one is recorded and audited, but never goes to the outbox.
    assert OutboxMessage.objects.filter(subscriber="messaging.send_text").count() == 3
    assert AuditRecord.objects.filter(action="messaging.text.rate_limited").count() == 1


@pytest.mark.django_db
def test_the_window_passes(demo: Any, settings: Any) -> None:
    settings.SMS_RATE_LIMITS = {"code": (5, 3600), "notice": (1, 3600)}
    first = _queue(demo)
    TextMessage.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1, seconds=1)
    )

    assert _queue(demo, dedupe_key="test:2").status == TextMessageStatus.QUEUED


@pytest.mark.django_db
def test_log_backend_sends_after_commit(
    demo: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_BACKEND = "log"
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(demo)
    message.refresh_from_db()

    assert message.status == TextMessageStatus.SENT
    assert message.provider_message_id == f"log-hl-{demo.county.pk}-{message.pk}"
    assert message.attempts == 1
    assert message.sent_at is not None
    outbox = OutboxMessage.objects.get(subscriber="messaging.send_text")
    assert outbox.status == OutboxStatus.DELIVERED


@pytest.mark.django_db
def test_a_failed_send_is_retried_by_the_outbox(
    demo: Any, settings: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    def down(self: Any, message: Any) -> str:
        raise backends.SendFailed("network error: refused")

    monkeypatch.setattr(backends.LogBackend, "send", down)
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(demo)
    message.refresh_from_db()
    outbox = OutboxMessage.objects.get(subscriber="messaging.send_text")

    assert message.status == TextMessageStatus.QUEUED
    assert message.attempts == 1
    assert message.last_error == "SendFailed: network error: refused"
    assert outbox.status == OutboxStatus.PENDING
    assert outbox.attempts == 1

    monkeypatch.undo()
    from highland.core import events

    assert events.deliver_due_outbox(now=timezone.now() + dt.timedelta(seconds=31)) == 1
    message.refresh_from_db()
    assert message.status == TextMessageStatus.SENT
    assert message.attempts == 2


@pytest.mark.django_db
def test_a_refused_send_fails_for_good(
    demo: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    def refuse(self: Any, message: Any) -> str:
        raise backends.SendRefused("the gateway refused the message: 400 invalid_phone")

    monkeypatch.setattr(backends.LogBackend, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(demo)
    message.refresh_from_db()

    assert message.status == TextMessageStatus.FAILED
    assert message.failed_at is not None
    assert OutboxMessage.objects.get(subscriber="messaging.send_text").status == OutboxStatus.FAILED


@pytest.mark.django_db
def test_codes_are_hidden_once_sent(demo: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(
            demo,
            kind="messaging.register_code",
            params={"code": "123456", "minutes": 10},
            language="en",
        )
    message.refresh_from_db()

    assert message.params == {}
    assert "123456" not in message.body
    assert message.body == (
        "Your Highland registration code is ••••••. It is valid for 10 minutes. Do not tell anyone."
    )
