"""Background work for the shared building blocks."""

from __future__ import annotations

from celery import shared_task

from highland.core import idempotency


@shared_task(name="core.delete_expired_idempotency_records")
def delete_expired_idempotency_records() -> int:
    """Forget idempotency keys older than a week (scheduled daily)."""
    return idempotency.delete_expired_records()
