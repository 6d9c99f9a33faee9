"""MQTT ingestion against real Mosquitto brokers: the system one at 127.0.0.1:1883, and
one of the test's own that it stops and starts mid-stream.

Without Mosquitto these skip with the reason; under CI=true that is a failure.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from conftest import need_server
from highland.logistics.coldchain.subscriber import SubscriberConfig, TelemetrySubscriber
from highland.logistics.coldchain.testing import (
    Mosquitto,
    Publisher,
    forget_session,
    mosquitto_installed,
    port_open,
)
from highland.logistics.models import Reading, TelemetryCounter
from highland.logistics.tests.coldchain_setup import make_cold_setup, topic

pytestmark = pytest.mark.django_db(transaction=True)

# Readings "now", spread one second apart backwards, so none is in the future.
START = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)


def payload(index: int, celsius: float = 2.5) -> dict:
    return {"measured_at": (START + dt.timedelta(seconds=index)).isoformat(), "celsius": celsius}


def wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.05)


def stored(sensor) -> int:
    return Reading.objects.filter(sensor=sensor).count()


@pytest.fixture
def broker() -> Iterator[Mosquitto]:
    need_server(mosquitto_installed(), "Mosquitto is not installed (/usr/sbin/mosquitto)")
    own = Mosquitto()
    own.start()
    yield own
    own.close()


@pytest.fixture
def client_id() -> str:
    return f"highland-test-{uuid.uuid4().hex[:8]}"


def subscriber_on(port: int, client_id: str, **options) -> TelemetrySubscriber:
    config = SubscriberConfig(
        port=port, client_id=client_id, batch_size=50, batch_ms=50, session_expiry_seconds=300
    )
    subscriber = TelemetrySubscriber(config, **options)
    subscriber.start()
    if not subscriber.subscribed.wait(10):
        subscriber.stop()
        pytest.fail("the subscriber did not subscribe within 10 s")
    return subscriber


def test_readings_published_to_the_system_broker_are_stored_and_bad_ones_counted(
    demo, client_id
) -> None:
    need_server(port_open("127.0.0.1", 1883), "Mosquitto is not running on 127.0.0.1:1883")
    cold = make_cold_setup(demo)
    subscriber = subscriber_on(1883, client_id)
    publisher = Publisher(1883, client_id=f"{client_id}-device")
    try:
        for index in range(60):
            publisher.publish(topic("T-C1"), payload(index))
        publisher.publish(topic("T-C1"), b"{broken")
        publisher.publish(topic("T-C1"), payload(100, celsius=150))
        publisher.publish(topic("T-C1"), [payload(0), payload(60), payload(61)])  # 0 again

        wait_until(lambda: stored(cold.chilled) == 62, 20, "the readings were not all stored")
        wait_until(lambda: subscriber.stats.received == 63, 5, "not every message arrived")
        time.sleep(0.3)  # the last batch's counters

        assert subscriber.running
        assert subscriber.stats.by_outcome == {
            "stored": 62,
            "duplicate": 1,
            "malformed": 1,
            "bad_value": 1,
        }
        counts = dict(
            TelemetryCounter.objects.filter(county=demo.county).values_list("outcome", "count")
        )
        assert counts == {"stored": 62, "duplicate": 1, "malformed": 1, "bad_value": 1}
    finally:
        publisher.close()
        subscriber.stop()
        forget_session(1883, client_id)


def test_a_broker_restart_mid_stream_loses_nothing_it_accepted_and_stores_nothing_twice(
    demo, broker, client_id
) -> None:
    cold = make_cold_setup(demo)
    subscriber = subscriber_on(broker.port, client_id)
    publisher = Publisher(broker.port, client_id=f"{client_id}-device")
    total = 600
    restarted = threading.Event()

    def restart_when_a_third_is_stored() -> None:
        try:
            wait_until(lambda: stored(cold.chilled) >= total // 3, 30, "no progress before restart")
            broker.restart()
            restarted.set()
        finally:
            connection.close()  # this thread's own connection

    # The restart happens from another thread while the publisher goes on publishing: the
    # messages in flight, queued or published while the broker is down all take part.
    restarter = threading.Thread(target=restart_when_a_third_is_stored)
    restarter.start()
    try:
        for index in range(total):
            publisher.publish(topic("T-C1"), payload(index))
            time.sleep(0.004)
        restarter.join(40)
        assert restarted.is_set()
        assert publisher.wait_all_accepted(30), "the broker did not accept every message"

        wait_until(lambda: stored(cold.chilled) == total, 60, "readings were lost")

        assert subscriber.running
        assert subscriber.stats.connects >= 2  # it reconnected after the restart
        times = list(
            Reading.objects.filter(sensor=cold.chilled).values_list("measured_at", flat=True)
        )
        assert sorted(times) == [START + dt.timedelta(seconds=index) for index in range(total)]
        time.sleep(0.5)
        assert stored(cold.chilled) == total  # and nothing more arrived late
    finally:
        publisher.close()
        subscriber.stop()


def test_the_broker_keeps_readings_while_the_subscriber_is_away(demo, broker, client_id) -> None:
    cold = make_cold_setup(demo)
    first = subscriber_on(broker.port, client_id)
    first.stop()  # a clean disconnect: the session stays on the broker
    publisher = Publisher(broker.port, client_id=f"{client_id}-device")
    try:
        for index in range(150):
            publisher.publish(topic("T-F1"), payload(index, celsius=-20))
        assert publisher.wait_all_accepted(10)
        assert stored(cold.frozen) == 0

        second = subscriber_on(broker.port, client_id)
        try:
            wait_until(lambda: stored(cold.frozen) == 150, 20, "queued readings were lost")
        finally:
            second.stop()
    finally:
        publisher.close()


def test_a_subscriber_that_dies_before_acknowledging_gets_the_batch_again_stored_once(
    demo, broker, client_id
) -> None:
    cold = make_cold_setup(demo)
    crashing = subscriber_on(broker.port, client_id)
    crashing._acknowledge = lambda batch: None  # type: ignore[method-assign]  # dies before it
    publisher = Publisher(broker.port, client_id=f"{client_id}-device")
    try:
        for index in range(40):
            publisher.publish(topic("T-V1"), payload(index, celsius=3))
        wait_until(lambda: stored(cold.van) == 40, 15, "the readings were not stored")
        crashing.abandon()  # the connection drops without a PUBACK or a DISCONNECT

        again = subscriber_on(broker.port, client_id)
        try:
            wait_until(
                lambda: again.stats.duplicates == 40, 20, "the broker did not deliver them again"
            )
            assert again.stats.stored == 0
            assert stored(cold.van) == 40
        finally:
            again.stop()
    finally:
        publisher.close()


def test_malformed_messages_never_stop_the_subscriber(demo, broker, client_id) -> None:
    cold = make_cold_setup(demo)
    subscriber = subscriber_on(broker.port, client_id)
    publisher = Publisher(broker.port, client_id=f"{client_id}-device")
    bad = [
        b"",
        b"\x00\xff",
        b"null",
        b"[1, 2]",
        b'{"measured_at": 5, "celsius": 1}',
        b"[" * 10_000 + b"]" * 10_000,  # deeper than the JSON parser goes
    ]
    try:
        for body in bad:
            publisher.publish(topic("T-C1"), body)
        publisher.publish("highland/not-a-county/sensors/x/readings", payload(0))
        publisher.publish(topic("T-C1"), payload(1))

        wait_until(lambda: stored(cold.chilled) == 1, 15, "the good reading after them was lost")
        wait_until(lambda: subscriber.stats.refused == 8, 5, "refusals not counted")

        assert subscriber.running
        # "[1, 2]" holds two readings that are not objects; the bad topic counts too.
        assert subscriber.stats.by_outcome == {"stored": 1, "malformed": 7, "bad_time": 1}
    finally:
        publisher.close()
        subscriber.stop()


def test_the_ingest_command_stores_what_is_published_and_reports(demo, broker, client_id) -> None:
    cold = make_cold_setup(demo)
    output = StringIO()
    command = threading.Thread(
        target=call_command,
        args=("ingest_telemetry", "--port", str(broker.port), "--client-id", client_id),
        kwargs={"seconds": 6, "stdout": output},
    )
    command.start()
    publisher = Publisher(broker.port, client_id=f"{client_id}-device")
    try:
        # The command's first connection creates its session; publish once it exists.
        wait_until(lambda: "Subscribing" in output.getvalue(), 10, "the command did not start")
        time.sleep(1.0)
        for index in range(25):
            publisher.publish(topic("T-C1"), payload(index))
        wait_until(lambda: stored(cold.chilled) == 25, 15, "the command stored nothing")
    finally:
        publisher.close()
        command.join(20)
    assert not command.is_alive()
    assert "stored 25" in output.getvalue()


def test_a_subscriber_started_before_the_broker_connects_when_it_comes_up(demo, client_id) -> None:
    need_server(mosquitto_installed(), "Mosquitto is not installed (/usr/sbin/mosquitto)")
    cold = make_cold_setup(demo)
    late = Mosquitto()
    config = SubscriberConfig(port=late.port, client_id=client_id, batch_size=50, batch_ms=50)
    subscriber = TelemetrySubscriber(config)
    subscriber.start()  # nothing listens yet: paho keeps trying
    try:
        time.sleep(1.5)
        assert not subscriber.connected.is_set()
        late.start()
        assert subscriber.subscribed.wait(20), "it did not connect once the broker was up"
        publisher = Publisher(late.port, client_id=f"{client_id}-device")
        try:
            for index in range(10):
                publisher.publish(topic("T-C1"), payload(index))
            wait_until(lambda: stored(cold.chilled) == 10, 15, "the readings were not stored")
        finally:
            publisher.close()
    finally:
        subscriber.stop()
        late.close()


def test_while_the_database_fails_nothing_is_acknowledged_and_then_all_is_stored_once(
    demo, broker, client_id, monkeypatch
) -> None:
    from highland.logistics.coldchain import subscriber as subscriber_module

    cold = make_cold_setup(demo)
    real = subscriber_module.ingest_mqtt_messages
    failures = []

    def database_down_twice(*args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise ConnectionError("the database is down")
        return real(*args, **kwargs)

    monkeypatch.setattr(subscriber_module, "ingest_mqtt_messages", database_down_twice)
    monkeypatch.setattr(subscriber_module, "LONGEST_RETRY_SECONDS", 1.0)
    subscriber = subscriber_on(broker.port, client_id)
    publisher = Publisher(broker.port, client_id=f"{client_id}-device")
    try:
        for index in range(30):
            publisher.publish(topic("T-F1"), payload(index, celsius=-20))

        wait_until(lambda: stored(cold.frozen) == 30, 30, "the readings were not stored")

        assert subscriber.stats.failed_batches == 2
        assert subscriber.stats.stored == 30
        assert subscriber.running
    finally:
        publisher.close()
        subscriber.stop()
