"""Cold-chain background work: the silent-sensor check (scheduled every minute).

Imported from `register()` so the task is known wherever the app is loaded (Celery's
autodiscovery looks only at `<app>.tasks`).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="logistics.alert_silent_sensors")
def alert_silent_sensors() -> int:
    """Open an alert for every active sensor that has sent no reading for its rule's
    minutes; returns how many opened."""
    from highland.logistics.services.coldchain.alerts import alert_silent_sensors as check

    return check()
