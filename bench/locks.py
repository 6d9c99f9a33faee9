"""How often checkouts wait for a row lock: pg_stat_activity sampled every 20 ms.

A backend waiting with wait_event_type 'Lock' during a checkout run is, in practice,
waiting for the hot SKU's row, which another checkout has updated and not yet
committed. Call from a process where Django is set up (bench.django_setup.setup).
"""

from __future__ import annotations

import threading
from typing import Any

INTERVAL_S = 0.02
QUERY = (
    "select count(*) filter (where wait_event_type = 'Lock'),"
    " count(*) filter (where state = 'active')"
    " from pg_stat_activity"
    " where datname = current_database() and pid <> pg_backend_pid()"
)


class LockSampler:
    """Samples in a thread of its own, on its own database connection."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._samples: list[tuple[int, int]] = []
        self._thread = threading.Thread(target=self._run, name="lock-sampler")

    def _run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self._stop.wait(INTERVAL_S):
                    cursor.execute(QUERY)
                    waiting, active = cursor.fetchone()
                    self._samples.append((int(waiting), int(active)))
        finally:
            connection.close()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        """Stop sampling; the mean number of running and of lock-waiting backends."""
        self._stop.set()
        self._thread.join()
        count = max(1, len(self._samples))
        return {
            "lock_samples": len(self._samples),
            "mean_active": sum(active for _, active in self._samples) / count,
            "mean_waiting_for_lock": sum(waiting for waiting, _ in self._samples) / count,
        }
