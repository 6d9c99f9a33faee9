"""Cold-chain telemetry: readings per second from MQTT into the database, beside a bare
paho subscriber that discards them, on the same broker in the same run.

    .venv/bin/python -m bench.telemetry --engine sqlite --out /tmp/telemetry-sqlite.json
    .venv/bin/python -m bench.telemetry --engine postgres --out /tmp/telemetry-pg.json

Makes its own database (PostgreSQL `h_telemetry_bench` on 127.0.0.1, or an SQLite file in
a temporary HIGHLAND_VAR_DIR), migrates it, loads the demo county and registers 20
sensors (hub zones and the refrigerated van), then starts its own Mosquitto on a free
port (persistence on, no limit on queued messages: `highland.logistics.coldchain.testing`).

Each round, for each subscriber in turn: its persistent session is made (connect,
subscribe, disconnect); a publisher sends N readings, one per message, QoS 1, and waits
until the broker accepted every one; then the subscriber starts and the clock runs until
it has all N (the bare one: received and acknowledged; Highland's `TelemetrySubscriber`:
stored, committed, acknowledged and rules evaluated). The broker delivers both the same
backlog at the same Receive Maximum, so the ratio is what checking and storing cost.
Readings are in range except one sensor that runs warm for a while (one excursion
opens: the alert path runs too). After each Highland round the database must hold
exactly the N readings: none lost, none twice.
Goal (issue 10): Highland ≥ 0.3 × the bare rate, and no reading lost.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from highland.logistics.coldchain.testing import forget_session

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "h_telemetry_bench"
SENSORS = 20
GOAL = 0.3
BARE_ID = "bench-bare"
HIGHLAND_ID = "bench-highland"


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "highland.settings")
    import django

    django.setup()


def _set_up() -> list[str]:
    """Migrate, load the demo county, register the bench's sensors; their codes."""
    from django.core.management import call_command

    from highland.core.models import County, User
    from highland.demo import load_demo_county
    from highland.logistics.models import HubZone, Sensor, Vehicle
    from highland.logistics.services.coldchain import register_sensor

    call_command("migrate", verbosity=0, interactive=False)
    load_demo_county(with_cooperatives=False)
    county = County.objects.get(code="513334")
    operator = User.objects.get(username="operator")
    zones = list(HubZone.objects.filter(county=county).order_by("code"))
    van = Vehicle.objects.get(county=county, plate="川R·L3341")
    codes = []
    for index in range(SENSORS):
        code = f"BENCH-{index:02d}"
        if not Sensor.objects.filter(county=county, code=code, active=True).exists():
            if index == SENSORS - 1:
                register_sensor(county, code=code, vehicle=van, actor=operator)
            else:
                register_sensor(county, code=code, zone=zones[index % len(zones)], actor=operator)
        codes.append(code)
    return codes


def _celsius(code: str, zone_class: str, index: int, readings: int) -> float:
    if code.endswith("19") and readings // 3 <= index < 2 * readings // 3:
        return 7.5  # the van runs warm for a while: one excursion
    return {"frozen": -20.5, "chilled": 2.5, "ambient": 12.0}[zone_class] + (index % 7) / 10


SPACING_SECONDS = 10


def span(total: int) -> Any:
    """How much device time a round's readings cover."""
    import datetime as dt

    return dt.timedelta(seconds=SPACING_SECONDS * (total // SENSORS + 1))


def _payloads(
    codes: list[str], classes: dict[str, str], total: int, base: Any
) -> list[tuple[str, bytes]]:
    """`total` readings spread over the sensors, every 10 s per sensor, ending at `base`."""
    import datetime as dt

    from highland.logistics.coldchain.payloads import TOPIC_ROOT

    per_sensor = total // len(codes)
    messages = []
    for index in range(per_sensor):
        at = base - dt.timedelta(seconds=SPACING_SECONDS * (per_sensor - index))
        for code in codes:
            body = {
                "measured_at": at.isoformat(),
                "celsius": _celsius(code, classes[code], index, per_sensor),
            }
            messages.append(
                (f"{TOPIC_ROOT}/513334/sensors/{code}/readings", json.dumps(body).encode())
            )
    return messages


def _publish(port: int, messages: list[tuple[str, bytes]]) -> float:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id="bench-device", protocol=mqtt.MQTTv311
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.monotonic()
    infos = [client.publish(topic, body, qos=1) for topic, body in messages]
    for info in infos:
        info.wait_for_publish(120)
        if not info.is_published():
            raise RuntimeError("the broker did not accept every reading")
    seconds = time.monotonic() - started
    client.disconnect()
    client.loop_stop()
    return seconds


class BareSubscriber:
    """paho and nothing else: QoS 1, the same persistent session and Receive Maximum as
    Highland's subscriber, every message acknowledged on receipt and dropped."""

    def __init__(self, port: int, receive_maximum: int) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        from highland.logistics.coldchain.payloads import SUBSCRIPTION

        self.received = 0
        self.done = threading.Event()
        self.target = 0
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=BARE_ID, protocol=mqtt.MQTTv5
        )
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        properties.ReceiveMaximum = receive_maximum
        self.client.on_connect = lambda client, *_: client.subscribe(SUBSCRIPTION, qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._on_message
        self.port = port
        self.properties = properties

    def _on_message(self, *_: Any) -> None:
        self.received += 1
        if self.received >= self.target:
            self.done.set()

    def start(self) -> None:
        self.client.connect("127.0.0.1", self.port, clean_start=False, properties=self.properties)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _bare_round(
    port: int, messages: list[tuple[str, bytes]], receive_maximum: int
) -> dict[str, Any]:
    # Only this subscriber's session may exist while the backlog is published: the broker
    # queues every reading for every session subscribed.
    forget_session(port, HIGHLAND_ID)
    forget_session(port, BARE_ID)
    session = BareSubscriber(port, receive_maximum)
    session.start()
    session.subscribed.wait(10)
    session.stop()
    publish_seconds = _publish(port, messages)
    bare = BareSubscriber(port, receive_maximum)
    bare.target = len(messages)
    started = time.monotonic()
    bare.start()
    if not bare.done.wait(300):
        raise RuntimeError(f"bare subscriber got {bare.received} of {len(messages)}")
    seconds = time.monotonic() - started
    bare.stop()
    return {
        "received": bare.received,
        "seconds": seconds,
        "per_second": bare.received / seconds,
        "publish_seconds": publish_seconds,
    }


def _highland_round(
    port: int, messages: list[tuple[str, bytes]], sensor_codes: list[str]
) -> dict[str, Any]:
    from django.db import connection

    from highland.logistics.coldchain.subscriber import SubscriberConfig, TelemetrySubscriber
    from highland.logistics.models import ColdChainAlert, Reading

    config = SubscriberConfig(port=port, client_id=HIGHLAND_ID, session_expiry_seconds=3600)
    before = Reading.objects.filter(sensor__code__in=sensor_codes).count()
    forget_session(port, BARE_ID)
    forget_session(port, HIGHLAND_ID)
    session = TelemetrySubscriber(config)
    session.start()
    session.subscribed.wait(10)
    session.stop()
    publish_seconds = _publish(port, messages)
    target = len(messages)
    done = threading.Event()
    subscriber = TelemetrySubscriber(config)

    def on_batch(_outcome: Any) -> None:
        if subscriber.stats.stored + subscriber.stats.duplicates >= target:
            done.set()

    subscriber.on_batch = on_batch
    started = time.monotonic()
    subscriber.start()
    if not done.wait(600):
        raise RuntimeError(f"Highland stored {subscriber.stats.stored} of {target}")
    seconds = time.monotonic() - started
    subscriber.stop()
    connection.close()
    stored = Reading.objects.filter(sensor__code__in=sensor_codes).count() - before
    return {
        "stored": stored,
        "lost": target - stored,
        "duplicates": subscriber.stats.duplicates,
        "refused": subscriber.stats.refused,
        "batches": subscriber.stats.batches,
        "seconds": seconds,
        "per_second": subscriber.stats.stored / seconds,
        "publish_seconds": publish_seconds,
        "alerts": ColdChainAlert.objects.filter(sensor__code__in=sensor_codes).count(),
    }


def measure(readings: int, rounds: int, out: Path) -> None:
    _django()
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from highland.logistics.coldchain.subscriber import SubscriberConfig
    from highland.logistics.coldchain.testing import Mosquitto
    from highland.logistics.models import Sensor

    codes = _set_up()
    classes = dict(
        Sensor.objects.filter(code__in=codes, active=True).values_list("code", "temperature_class")
    )
    receive_maximum = SubscriberConfig().receive_maximum
    broker = Mosquitto()
    broker.start()
    results = []
    try:
        # Warm-up, not reported: the first texts import the URL map, the first queries
        # compile; a long-running subscriber pays that once.
        warm = _payloads(codes, classes, 2_000, timezone.now() - dt.timedelta(days=2))
        _bare_round(broker.port, warm, receive_maximum)
        _highland_round(broker.port, warm, codes)
        for number in range(rounds):
            # Each round its own stretch of time, after the last round's, so Highland's
            # readings are all new and arrive in order, as a live sensor's do.
            later = rounds - 1 - number
            base = timezone.now() - later * (span(readings) + dt.timedelta(minutes=1))
            messages = _payloads(codes, classes, readings, base)
            bare = _bare_round(broker.port, messages, receive_maximum)
            highland = _highland_round(broker.port, messages, codes)
            ratio = highland["per_second"] / bare["per_second"]
            print(
                f"round {number + 1}: bare {bare['per_second']:.0f}/s, Highland "
                f"{highland['per_second']:.0f}/s, ratio {ratio:.2f}, lost {highland['lost']}",
                flush=True,
            )
            results.append({"bare": bare, "highland": highland, "ratio": ratio})
    finally:
        broker.close()
    ratios = [result["ratio"] for result in results]
    report = {
        "engine": connection.vendor,
        "readings_per_round": len(messages),
        "sensors": len(codes),
        "rounds": results,
        "ratio_median": statistics.median(ratios),
        "ratio_best": max(ratios),
        "lost_total": sum(result["highland"]["lost"] for result in results),
        "goal_ratio": GOAL,
        "load_average": list(os.getloadavg()),
    }
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--readings", type=int, default=40_000, help="per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--stage", choices=("drive", "measure"), default="drive")
    args = parser.parse_args()
    if args.stage == "measure":
        measure(args.readings, args.rounds, args.out)
        return
    work = Path(tempfile.mkdtemp(prefix="highland-telemetry-bench."))
    env = {**os.environ, "HIGHLAND_VAR_DIR": str(work / "var"), "DEBUG": "false"}
    env.pop("HIGHLAND_PROFILE", None)
    # Texts of the one excursion go to the log, not to a gateway.
    env["SMS_BACKEND"] = "log"
    env.pop("CELERY_BROKER_URL", None)
    if args.engine == "postgres":
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
    else:
        env.pop("DATABASE_URL", None)
    try:
        subprocess.run(  # noqa: S603 (this module, run by this interpreter)
            [
                sys.executable,
                "-m",
                "bench.telemetry",
                "--stage",
                "measure",
                "--readings",
                str(args.readings),
                "--rounds",
                str(args.rounds),
                "--out",
                str(args.out),
            ],
            env=env,
            check=True,
        )
    finally:
        if args.engine == "postgres":
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
