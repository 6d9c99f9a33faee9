"""Events and the outbox: `emit()` inside a service's transaction, subscribers after it.

A service calls `emit("payments.refund.requested", {"refund": pk}, county=county, key=...)`
inside its transaction. Subscribers are registered from `AppConfig.ready()`:

- `in_transaction=True`: the handler runs inside `emit`, so what it writes commits or rolls
  back with the action (for what must commit together).
- otherwise (after commit): `emit` writes one `OutboxMessage` per subscriber in the same
  transaction. After commit a kick delivers them (a Celery task with a broker, in-process
  without one); `deliver_due_outbox` (a scheduled job) delivers whatever is due, so a
  message survives a crash, a refused kick or a gateway that is down.

Delivery is at least once; (event key, subscriber) is unique, so the same event emitted
again is delivered once, and handlers must be idempotent (a retry after a crash between
their side effect and the outbox update runs them again). An attempt claims its message
with one conditional UPDATE that pushes `next_attempt_at` past a lease, so two workers
never run the same message at once. A handler that raises is retried after
`backoff(attempts)`; one that raises `DeliveryRefused` (or runs out of attempts) leaves the
message failed, with its last error, for an operator to read in the admin and retry.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from highland.core.models import County, OutboxMessage, OutboxStatus
from highland.core.statemachine import StateMachine

logger = logging.getLogger(__name__)

OUTBOX_MACHINE = StateMachine(
    OutboxStatus,
    {
        OutboxStatus.PENDING: frozenset({OutboxStatus.DELIVERED, OutboxStatus.FAILED}),
        # An operator sends a failed message again.
        OutboxStatus.FAILED: frozenset({OutboxStatus.PENDING}),
    },
    stamps={OutboxStatus.DELIVERED: ("delivered_at",), OutboxStatus.FAILED: ("failed_at",)},
)

FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 60 * 60
MAX_ATTEMPTS = 20  # about 14 hours of retries at the longest interval
LEASE = dt.timedelta(minutes=5)  # longer than any handler's outside call (gateway: 5 s)
BATCH = 200


@dataclass(frozen=True)
class Event:
    name: str
    key: str
    payload: Mapping[str, Any]
    county_id: int | None


Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Subscriber:
    event: str
    name: str
    handler: Handler
    in_transaction: bool = False
    max_attempts: int = MAX_ATTEMPTS


class DeliveryRefused(Exception):
    """The other side refused for good: the message fails now, without further retries."""


_subscribers: dict[str, list[Subscriber]] = {}


def subscribe(
    event: str,
    name: str,
    handler: Handler,
    *,
    in_transaction: bool = False,
    max_attempts: int = MAX_ATTEMPTS,
) -> Subscriber:
    """Register `handler` for `event` under a unique `name`. Call from `AppConfig.ready()`."""
    if any(subscriber.name == name for subscriber in all_subscribers()):
        raise ValueError(f"a subscriber named {name!r} is registered already")
    subscriber = Subscriber(event, name, handler, in_transaction, max_attempts)
    _subscribers.setdefault(event, []).append(subscriber)
    return subscriber


def unsubscribe(name: str) -> None:
    for subscribers in _subscribers.values():
        subscribers[:] = [subscriber for subscriber in subscribers if subscriber.name != name]


@contextmanager
def subscribed(
    event: str, name: str, handler: Handler, *, in_transaction: bool = False
) -> Iterator[Subscriber]:
    """A subscriber for the length of a `with` block (tests)."""
    subscriber = subscribe(event, name, handler, in_transaction=in_transaction)
    try:
        yield subscriber
    finally:
        unsubscribe(name)


def all_subscribers() -> Iterator[Subscriber]:
    for subscribers in _subscribers.values():
        yield from subscribers


def subscriber_named(name: str) -> Subscriber | None:
    return next((s for s in all_subscribers() if s.name == name), None)


def emit(
    event_name: str,
    payload: Mapping[str, Any],
    *,
    county: County | None = None,
    key: str = "",
) -> Event:
    """Announce that something happened. Call inside the action's transaction.

    In-transaction subscribers run now; after-commit ones get an outbox message each,
    delivered after commit. `key` names the event: emitting the same key again adds no
    second delivery (give one when a retried action may emit again); default: unique.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() runs inside the action's transaction")
    event = Event(
        name=event_name,
        key=key or f"{event_name}:{uuid.uuid4().hex}",
        payload=dict(payload),
        county_id=county.pk if county is not None else None,
    )
    now = timezone.now()
    queued: list[int] = []
    for subscriber in list(_subscribers.get(event_name, ())):
        if subscriber.in_transaction:
            subscriber.handler(event)
            continue
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    county_id=event.county_id,
                    event=event_name,
                    event_key=event.key[:120],
                    subscriber=subscriber.name,
                    payload=event.payload,
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue  # this event was emitted (and queued) before
        queued.append(message.pk)
    if queued:
        transaction.on_commit(lambda: kick(queued))
    return event


def kick(message_ids: list[int]) -> None:
    """Deliver just-committed messages now: a Celery task with a broker, else in-process.

    A failure here is only logged: the messages stay due and the scheduled job retries.
    """
    try:
        if settings.CELERY_BROKER_URL:
            from highland.core.tasks import deliver_outbox_messages

            deliver_outbox_messages.delay(message_ids)
        else:
            deliver_messages(message_ids)
    except Exception:
        logger.exception("outbox kick failed; the scheduled delivery will retry")


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, doubling, at most 1 h."""
    seconds = FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, LONGEST_RETRY_SECONDS))


def deliver_due_outbox(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Attempt every pending message that is due (the scheduled job); returns how many
    were delivered. Never call inside a transaction: handlers talk to the outside world."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver_messages(due, now=now)


def deliver_messages(message_ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Attempt these messages if they are still pending and due; returns how many were
    delivered."""
    delivered = 0
    for message_id in message_ids:
        delivered += _attempt(message_id, now or timezone.now())
    return delivered


def _attempt(message_id: int, now: dt.datetime) -> bool:
    # Claim: one conditional UPDATE, so two workers never run one message at once.
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    subscriber = subscriber_named(message.subscriber)
    event = Event(message.event, message.event_key, message.payload, message.county_id)
    error = ""
    refused = False
    try:
        if subscriber is None:
            raise DeliveryRefused(f"no subscriber named {message.subscriber!r} is registered")
        subscriber.handler(event)
    except DeliveryRefused as refusal:
        error, refused = str(refusal) or refusal.__class__.__name__, True
    except Exception as failure:
        logger.warning("outbox message %s to %s failed", message.pk, message.subscriber)
        error = f"{failure.__class__.__name__}: {failure}"
    message.attempts += 1
    fields = ["attempts", "next_attempt_at", "last_error"]
    max_attempts = subscriber.max_attempts if subscriber else 1
    # Times count from the attempt's `now`, so a scheduled run is predictable.
    if not error:
        fields += OUTBOX_MACHINE.move(message, OutboxStatus.DELIVERED, now=now)
        message.next_attempt_at = now
    elif refused or message.attempts >= max_attempts:
        fields += OUTBOX_MACHINE.move(message, OutboxStatus.FAILED, now=now)
        message.next_attempt_at = now
    else:
        message.next_attempt_at = now + backoff(message.attempts)
    message.last_error = error[:2000]
    message.save(update_fields=fields)
    return not error


@transaction.atomic
def retry_outbox_message(message: OutboxMessage, *, actor: Any) -> OutboxMessage:
    """An operator sends a failed message again (now, with its attempts kept)."""
    from highland.core import audit
    from highland.core.permissions import require

    require(actor, "core.retry_outbox_message", message)
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    fields = OUTBOX_MACHINE.move(message, OutboxStatus.PENDING)
    message.next_attempt_at = timezone.now()
    message.save(update_fields=[*fields, "next_attempt_at"])
    audit.record(
        actor,
        "core.outbox.retried",
        message,
        {"subscriber": message.subscriber, "attempts": message.attempts},
    )
    transaction.on_commit(lambda: kick([message.pk]))
    return message
