"""The MQTT subscriber: sensors' readings from the broker into the database, in batches,
acknowledged only once stored (docs/telemetry.md).

Two threads. paho's network thread receives each message and puts it on a queue; it
never touches the database. The writer thread takes up to `batch_size` messages (or what
came within `batch_ms`), checks and stores them in one transaction, and only after the
commit sends the broker a PUBACK for each (`manual_ack`). The session is persistent
(MQTT 5, clean start off, a session expiry), so while the subscriber is away, or after it
crashed between receiving and committing, the broker keeps and redelivers what was not
acknowledged; a reading delivered twice is recognised by its (sensor, time) and stored
once. paho reconnects by itself after the broker restarts; acknowledgements are sent only
on the connection the message came on, since the broker redelivers the others anyway.

A message that cannot be read is counted, logged and acknowledged (it would never
become readable); a database that is down is retried, nothing acknowledged meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connection
from django.urls import get_resolver
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from highland.logistics.coldchain.payloads import SUBSCRIPTION
from highland.logistics.coldchain.ruleset import EffectiveRule, rules_for
from highland.logistics.services.coldchain.alerts import evaluate_readings
from highland.logistics.services.coldchain.intake import IngestOutcome, ingest_mqtt_messages
from highland.logistics.services.coldchain.readings import SensorDirectory

logger = logging.getLogger(__name__)

RULES_TTL_SECONDS = 60.0
SENSORS_TTL_SECONDS = 60.0
REFUSAL_LOG_INTERVAL_SECONDS = 10.0
LONGEST_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class SubscriberConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "highland-telemetry"
    topic: str = SUBSCRIPTION
    batch_size: int = 500
    batch_ms: int = 200
    keepalive: int = 30
    # How long the broker keeps the session (and queues readings) while we are away.
    session_expiry_seconds: int = 7 * 24 * 60 * 60
    username: str = ""
    password: str = ""

    @property
    def receive_maximum(self) -> int:
        # Twice a batch: the broker goes on sending while the previous batch commits.
        return min(2 * self.batch_size, 65_535)


@dataclass
class SubscriberStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    batches: int = 0
    connects: int = 0
    failed_batches: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Delivery:
    session: int
    mid: int
    qos: int
    topic: str
    payload: bytes


class TelemetrySubscriber:
    """`start()` connects and returns; `stop()` stores and acknowledges what was received,
    then disconnects (the broker keeps the session). `on_batch` is called with each
    batch's outcome after it is stored (tests and the benchmark watch it)."""

    def __init__(
        self,
        config: SubscriberConfig,
        *,
        on_batch: Callable[[IngestOutcome], None] | None = None,
    ) -> None:
        self.config = config
        self.stats = SubscriberStats()
        self.on_batch = on_batch
        self.connected = threading.Event()
        # Set once the broker confirmed the subscription (tests wait for it).
        self.subscribed = threading.Event()
        self._queue: queue.Queue[_Delivery] = queue.Queue()
        self._stopping = threading.Event()
        self._session = 0
        self._writer: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._directory = SensorDirectory(SENSORS_TTL_SECONDS)
        self._rules: dict[int, tuple[float, dict[str, EffectiveRule]]] = {}
        self._last_refusal_log: dict[str, float] = {}
        self._quiet_refusals: dict[str, int] = {}

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        # An alert's texts link to the site: load the URL map now, not in the middle of
        # the first alert's batch (it imports every app's views: seconds).
        get_resolver().url_patterns  # noqa: B018
        config = self.config
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if config.username:
            client.username_pw_set(config.username, config.password or None)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_connect_fail = self._on_connect_fail
        client.reconnect_delay_set(min_delay=1, max_delay=int(LONGEST_RETRY_SECONDS))
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = config.session_expiry_seconds
        properties.ReceiveMaximum = config.receive_maximum
        client.connect_async(
            config.host,
            config.port,
            keepalive=config.keepalive,
            clean_start=False,
            properties=properties,
        )
        self._client = client
        self._writer = threading.Thread(
            target=self._write_loop, name="telemetry-writer", daemon=True
        )
        self._writer.start()
        client.loop_start()

    def stop(self, timeout: float = 30.0) -> None:
        """Store and acknowledge what was received, then disconnect."""
        self._stopping.set()
        if self._writer is not None:
            self._writer.join(timeout)
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        self.connected.clear()
        self.subscribed.clear()

    def abandon(self) -> None:
        """Drop the connection without storing or acknowledging what is queued, as a crash
        would (tests): the broker redelivers it to the next subscriber with this id."""
        if self._client is not None:
            self._client.loop_stop()
            sock = self._client.socket()
            if sock is not None:
                sock.close()  # no DISCONNECT: the broker sees the connection lost
        self._queue = queue.Queue()
        self._stopping.set()
        if self._writer is not None:
            self._writer.join(10)
        self.connected.clear()

    @property
    def running(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    # --- paho callbacks (network thread: no database here) --------------------------------

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, _properties: Any
    ) -> None:
        if reason.is_failure:
            logger.warning("telemetry: the broker refused the connection: %s", reason)
            return
        self._session += 1
        self.stats.connects += 1
        client.subscribe(self.config.topic, options=SubscribeOptions(qos=1))
        logger.info(
            "telemetry: connected to %s:%s (session kept by the broker: %s)",
            self.config.host,
            self.config.port,
            flags.session_present,
        )
        self.connected.set()

    def _on_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        logger.warning(
            "telemetry: cannot reach the broker at %s:%s; retrying",
            self.config.host,
            self.config.port,
        )

    def _on_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any, _properties: Any
    ) -> None:
        if any(reason.is_failure for reason in reasons):
            logger.error("telemetry: the broker refused the subscription: %s", reasons)
            return
        self.subscribed.set()

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _properties: Any
    ) -> None:
        self.connected.clear()
        self.subscribed.clear()
        if not self._stopping.is_set():
            logger.warning("telemetry: disconnected from the broker (%s); reconnecting", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = "<topic not UTF-8>"
        self.stats.received += 1
        self._queue.put(_Delivery(self._session, message.mid, message.qos, topic, message.payload))

    # --- the writer thread --------------------------------------------------------------------

    def _take(self) -> list[_Delivery]:
        """Up to a batch: waits for a first message, then at most `batch_ms` for more."""
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.config.batch_ms / 1000
        while len(batch) < self.config.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._queue.get_nowait()
                    if remaining <= 0
                    else self._queue.get(timeout=remaining)
                )
            except queue.Empty:
                break
        return batch

    def _write_loop(self) -> None:
        try:
            while True:
                batch = self._take()
                if batch:
                    try:
                        self._process(batch)
                    except Exception:
                        # Whatever it was, the writer goes on: what was not acknowledged
                        # comes again, and is recognised if it was stored.
                        logger.exception("telemetry: a batch failed after storing")
                elif self._stopping.is_set():
                    break
        finally:
            connection.close()

    def _rules_for(self, county_ids: set[int]) -> dict[int, dict[str, EffectiveRule]]:
        now = time.monotonic()
        for county_id in county_ids:
            cached = self._rules.get(county_id)
            if cached is None or cached[0] <= now:
                self._rules[county_id] = (now + RULES_TTL_SECONDS, rules_for(county_id))
        return {county_id: self._rules[county_id][1] for county_id in county_ids}

    def _store(self, batch: list[_Delivery]) -> IngestOutcome | None:
        """Store the batch, retrying while the database fails; None if stopping first."""
        delay = 1.0
        while True:
            try:
                return ingest_mqtt_messages(
                    [(delivery.topic, delivery.payload) for delivery in batch],
                    directory=self._directory,
                )
            except Exception:
                self.stats.failed_batches += 1
                logger.exception("telemetry: storing a batch failed; retrying in %.0f s", delay)
                close_old_connections()
                connection.close()
                if self._stopping.wait(delay):
                    return None  # not acknowledged: the broker delivers it again
                delay = min(delay * 2, LONGEST_RETRY_SECONDS)

    def _process(self, batch: list[_Delivery]) -> None:
        outcome = self._store(batch)
        if outcome is None:
            return
        self._acknowledge(batch)
        stats = self.stats
        stats.batches += 1
        stats.stored += outcome.counts.get("stored", 0)
        stats.duplicates += outcome.counts.get("duplicate", 0)
        for name, count in outcome.counts.items():
            stats.by_outcome[name] = stats.by_outcome.get(name, 0) + count
            if name not in ("stored", "duplicate"):
                stats.refused += count
        self._log_refusals(outcome)
        try:
            county_ids = {news.county_id for news in outcome.news.values()}
            evaluate_readings(outcome.news, rules=self._rules_for(county_ids))
        except Exception:
            # Stored and acknowledged; the sensor's next batch evaluates these again.
            logger.exception("telemetry: evaluating the alert rules failed")
            connection.close()
        if self.on_batch is not None:
            self.on_batch(outcome)

    def _acknowledge(self, batch: list[_Delivery]) -> None:
        client = self._client
        assert client is not None
        session = self._session
        for delivery in batch:
            # Only on the connection it came on: after a reconnect the broker sends
            # unacknowledged messages again, and those copies are acknowledged instead.
            if delivery.qos and delivery.session == session:
                client.ack(delivery.mid, delivery.qos)

    def _log_refusals(self, outcome: IngestOutcome) -> None:
        now = time.monotonic()
        for topic, refusal in outcome.refusals:
            reason = refusal.refusal.outcome
            if now - self._last_refusal_log.get(reason, 0.0) < REFUSAL_LOG_INTERVAL_SECONDS:
                self._quiet_refusals[reason] = self._quiet_refusals.get(reason, 0) + 1
                continue
            quiet = self._quiet_refusals.pop(reason, 0)
            self._last_refusal_log[reason] = now
            logger.warning(
                "telemetry: refused a reading (%s) on %s: %s%s",
                reason,
                topic[:120],
                refusal.refusal.detail,
                f" ({quiet} more of this kind not logged)" if quiet else "",
            )


def describe(stats: SubscriberStats, since: dt.datetime) -> str:
    return (
        f"since {since:%Y-%m-%d %H:%M:%S}: received {stats.received}, stored {stats.stored}, "
        f"duplicates {stats.duplicates}, refused {stats.refused}, batches {stats.batches}, "
        f"connections {stats.connects}, failed batches {stats.failed_batches}"
    )
