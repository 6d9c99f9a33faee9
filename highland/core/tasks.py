"""Background work of the shared building blocks: outbox delivery, idempotency expiry."""

from __future__ import annotations

from celery import shared_task

from highland.core import events, idempotency


@shared_task(name="core.deliver_outbox_messages")
def deliver_outbox_messages(message_ids: list[int]) -> int:
    """Deliver just-committed outbox messages (the after-commit kick)."""
    return events.deliver_messages(message_ids)


@shared_task(name="core.deliver_due_outbox")
def deliver_due_outbox() -> int:
    """Deliver every outbox message that is due (scheduled every minute)."""
    return events.deliver_due_outbox()


@shared_task(name="core.delete_expired_idempotency_records")
def delete_expired_idempotency_records() -> int:
    """Forget idempotency keys older than a week (scheduled daily)."""
    return idempotency.delete_expired_records()
