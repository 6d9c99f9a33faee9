"""Background work for payments: runs on Celery workers, or in-process without a broker."""

from __future__ import annotations

from celery import shared_task

from highland.payments import gateway_settlement, services


@shared_task(name="payments.expire_payments")
def expire_payments() -> int:
    """Close unpaid payments whose hold ran out; their stock goes back (every minute)."""
    return services.expire_payments()


@shared_task(name="payments.reconcile_gateway_payments")
def reconcile_gateway_payments() -> int:
    """Receive online payments whose notification was lost (every 5 minutes)."""
    return services.reconcile_gateway_payments()


@shared_task(name="payments.import_gateway_settlements")
def import_gateway_settlements() -> int:
    """Post the gateway's settlements of the last days into the bank (scheduled daily);
    returns how many county shares were imported."""
    return len(gateway_settlement.import_recent_gateway_settlements().settlements)
