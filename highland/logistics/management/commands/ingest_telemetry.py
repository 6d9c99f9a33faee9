"""`manage.py ingest_telemetry`: subscribe to the sensors' MQTT topic and store their
readings until stopped (SIGTERM or Ctrl-C store and acknowledge what was received first).

Run one, under a process manager that restarts it (docs/telemetry.md, docs/deploy.md).
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from highland.logistics.coldchain.subscriber import (
    SubscriberConfig,
    TelemetrySubscriber,
    describe,
)

REPORT_EVERY_SECONDS = 60.0


class Command(BaseCommand):
    help = "Subscribe to the sensors' MQTT readings and store them (runs until stopped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.TELEMETRY_MQTT_HOST)
        parser.add_argument("--port", type=int, default=settings.TELEMETRY_MQTT_PORT)
        parser.add_argument("--client-id", default=settings.TELEMETRY_MQTT_CLIENT_ID)
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Readings stored per transaction"
        )
        parser.add_argument(
            "--batch-ms",
            type=int,
            default=200,
            help="Longest wait for a batch to fill, in milliseconds",
        )
        parser.add_argument(
            "--seconds",
            type=float,
            default=0.0,
            help="Stop after this many seconds (0: run until stopped)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = SubscriberConfig(
            host=options["host"],
            port=options["port"],
            client_id=options["client_id"],
            batch_size=max(1, options["batch_size"]),
            batch_ms=max(0, options["batch_ms"]),
            username=settings.TELEMETRY_MQTT_USERNAME,
            password=settings.TELEMETRY_MQTT_PASSWORD,
        )
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *_: stop.set())
        subscriber = TelemetrySubscriber(config)
        started = timezone.now()
        self.stdout.write(
            f"Subscribing to {config.topic} on {config.host}:{config.port} "
            f"as {config.client_id} (QoS 1, persistent session)"
        )
        subscriber.start()
        deadline = time.monotonic() + options["seconds"] if options["seconds"] else None
        next_report = time.monotonic() + REPORT_EVERY_SECONDS
        try:
            while not stop.is_set():
                wait = next_report - time.monotonic()
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                if stop.wait(max(0.0, wait)):
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    break
                if time.monotonic() >= next_report:
                    self.stdout.write(describe(subscriber.stats, started))
                    next_report += REPORT_EVERY_SECONDS
                if not subscriber.running:
                    self.stderr.write("The writer thread stopped; restarting the subscriber.")
                    subscriber.stop()
                    subscriber = TelemetrySubscriber(config)
                    subscriber.start()
        finally:
            subscriber.stop()
            self.stdout.write(describe(subscriber.stats, started))
