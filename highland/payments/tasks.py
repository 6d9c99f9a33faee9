"""Background work for payments: runs on Celery workers, or in-process without a broker."""

from __future__ import annotations

from celery import shared_task

from highland.payments import gateway_settlement


@shared_task(name="payments.import_gateway_settlements")
def import_gateway_settlements() -> int:
    """Post the gateway's settlements of the last days into the bank (scheduled daily);
    returns how many county shares were imported."""
    return len(gateway_settlement.import_recent_gateway_settlements().settlements)
