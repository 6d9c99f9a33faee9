"""Storing readings from MQTT messages: checked, stored once, every outcome counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from highland.logistics.coldchain.payloads import parse_message
from highland.logistics.models import Reading, Sensor, TelemetryCounter
from highland.logistics.services.coldchain import ingest_mqtt_messages, move_sensor
from highland.logistics.services.coldchain.readings import SensorDirectory
from highland.logistics.tests.coldchain_setup import (
    T0,
    at,
    make_cold_setup,
    message,
    reading,
    topic,
)

RECEIVED = T0 + dt.timedelta(hours=1)


def ingest(*messages: tuple[str, bytes], received_at: dt.datetime = RECEIVED):
    return ingest_mqtt_messages(
        list(messages), directory=SensorDirectory(), received_at=received_at
    )


def counters(county) -> dict[tuple[str, str], int]:
    return {
        (counter.channel, counter.outcome): counter.count
        for counter in TelemetryCounter.objects.filter(county=county)
    }


@pytest.fixture
def cold(demo):
    return make_cold_setup(demo)


def test_a_batch_is_stored_with_exact_values_and_the_newest_kept_on_the_sensor(cold) -> None:
    outcome = ingest(
        message("T-C1", reading(0, 2.5), reading(5, 3.125)),
        message("T-F1", reading(0, -19.5, id="m-1")),
    )

    assert outcome.counts == {"stored": 3}
    rows = list(
        Reading.objects.filter(sensor__code__startswith="T-")
        .order_by("sensor__code", "measured_at")
        .values_list("sensor__code", "measured_at", "centi_celsius")
    )
    # 3.125 °C is rounded half up to 3.13 °C.
    assert rows == [("T-C1", at(0), 250), ("T-C1", at(5), 313), ("T-F1", at(0), -1950)]
    chilled = Sensor.objects.get(pk=cold.chilled.pk)
    assert chilled.last_reading_at == at(5)
    assert chilled.last_celsius == Decimal("3.13")
    assert chilled.last_received_at == RECEIVED
    assert counters(cold.county) == {("mqtt", "stored"): 3}


def test_a_message_delivered_twice_is_stored_once_and_counted_as_a_duplicate(cold) -> None:
    first = ingest(message("T-C1", reading(0, 2.0), reading(1, 2.1)))
    again = ingest(message("T-C1", reading(0, 2.0), reading(1, 2.1), reading(2, 2.2)))
    # The same reading twice within one batch is one reading too.
    within = ingest(message("T-C1", reading(3, 2.3)), message("T-C1", reading(3, 2.3)))

    assert first.counts == {"stored": 2}
    assert again.counts == {"stored": 1, "duplicate": 2}
    assert within.counts == {"stored": 1, "duplicate": 1}
    assert Reading.objects.filter(sensor=cold.chilled).count() == 4
    assert counters(cold.county) == {("mqtt", "stored"): 4, ("mqtt", "duplicate"): 3}


def test_the_same_instant_in_another_offset_is_the_same_reading(cold) -> None:
    ingest(message("T-C1", {"measured_at": "2026-03-02T16:00:00+08:00", "celsius": 2}))
    outcome = ingest(message("T-C1", {"measured_at": "2026-03-02T08:00:00Z", "celsius": 2}))

    assert outcome.counts == {"duplicate": 1}


@pytest.mark.parametrize(
    ("payload", "outcome", "detail"),
    [
        (b"{not json", "malformed", "The message is not valid JSON."),
        (b"[]", "malformed", "The message holds no reading."),
        (b'"hello"', "malformed", "A reading must be a JSON object."),
        (b'{"celsius": 3}', "malformed", "A reading needs measured_at and celsius."),
        (
            b'{"measured_at": "2026-03-02T08:00:00", "celsius": 3}',
            "bad_time",
            "measured_at has no UTC offset: the device's clock zone cannot be known.",
        ),
        (
            b'{"measured_at": "yesterday", "celsius": 3}',
            "bad_time",
            "measured_at must be an ISO 8601 time with its UTC offset.",
        ),
        (
            b'{"measured_at": "2019-12-31T23:59:59+08:00", "celsius": 3}',
            "bad_time",
            "measured_at is before 2020: the device's clock was probably reset.",
        ),
        (
            # Received at 09:00 UTC: 09:06 is beyond the 5 minutes a clock may run ahead.
            b'{"measured_at": "2026-03-02T09:06:00Z", "celsius": 3}',
            "bad_time",
            "measured_at is in the future: the device's clock runs ahead.",
        ),
        (
            b'{"measured_at": "2026-03-02T08:00:00Z", "celsius": 71}',
            "bad_value",
            "celsius is outside what a sensor can measure (\u221260 to 70 \u00b0C).",
        ),
        (
            b'{"measured_at": "2026-03-02T08:00:00Z", "celsius": -60.01}',
            "bad_value",
            "celsius is outside what a sensor can measure (\u221260 to 70 \u00b0C).",
        ),
        (
            b'{"measured_at": "2026-03-02T08:00:00Z", "celsius": "3"}',
            "bad_value",
            "celsius must be a number.",
        ),
        (
            b'{"measured_at": "2026-03-02T08:00:00Z", "celsius": true}',
            "bad_value",
            "celsius must be a number.",
        ),
        (
            b'{"measured_at": "2026-03-02T08:00:00Z", "celsius": NaN}',
            "malformed",
            "The message is not valid JSON.",
        ),
    ],
)
def test_impossible_readings_are_refused_with_their_reason_and_counted(
    cold, payload, outcome, detail
) -> None:
    result = ingest((topic("T-C1"), payload))

    assert result.counts == {outcome: 1}
    assert [refusal.refusal.detail for _topic, refusal in result.refusals] == [detail]
    counter = TelemetryCounter.objects.get(county=cold.county, outcome=outcome)
    assert counter.count == 1
    assert counter.last_detail == f"{topic('T-C1')}: {detail}"
    assert not Reading.objects.filter(sensor=cold.chilled).exists()


def test_the_limits_themselves_are_possible(cold) -> None:
    received = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    result = ingest(
        message(
            "T-C1",
            {"measured_at": "2026-03-02T09:05:00Z", "celsius": 70},
            {"measured_at": "2020-01-01T00:00:00Z", "celsius": -60},
        ),
        received_at=received,
    )

    assert result.counts == {"stored": 2}


def test_good_readings_of_a_message_are_stored_beside_its_bad_ones(cold) -> None:
    result = ingest(
        message("T-C1", reading(0, 2.0), reading(1, 99), {"celsius": 1}),
        (topic("T-F1"), b"\xff\xfe"),
    )

    assert result.counts == {"stored": 1, "bad_value": 1, "malformed": 2}
    assert Reading.objects.filter(sensor=cold.chilled).count() == 1


def test_unknown_sensors_counties_and_topics_are_refused_and_counted(cold) -> None:
    result = ingest(
        message("NO-SUCH", reading(0, 2.0)),
        (
            topic("T-C1", county_code="999999"),
            b'{"measured_at": "2026-03-02T08:00:00Z", "celsius": 1}',
        ),
        ("highland/513334/sensors/T-C1/other", b"{}"),
    )

    assert result.counts == {"unknown_sensor": 2, "malformed": 1}
    assert counters(cold.county) == {("mqtt", "unknown_sensor"): 1}
    # Neither an unknown county nor a topic that names none is any county's.
    assert TelemetryCounter.objects.get(county=None, outcome="unknown_sensor").count == 1
    assert TelemetryCounter.objects.get(county=None, outcome="malformed").count == 1


def test_a_moved_sensors_readings_go_to_the_place_it_was_at_when_they_were_taken(
    cold, demo
) -> None:
    from highland.logistics.models import HubZone

    moved_at = T0 + dt.timedelta(minutes=30)
    Sensor.objects.filter(pk=cold.chilled.pk).update(installed_at=T0 - dt.timedelta(days=1))
    import unittest.mock

    with unittest.mock.patch("django.utils.timezone.now", return_value=moved_at):
        moved = move_sensor(
            cold.chilled,
            zone=HubZone.objects.get(county=demo.county, code="A"),
            actor=demo.user("operator"),
        )

    result = ingest(message("T-C1", reading(10, 2.0), reading(40, 15.0)))

    assert result.counts == {"stored": 2}
    assert list(
        Reading.objects.filter(sensor=moved.retired).values_list("centi_celsius", flat=True)
    ) == [200]
    assert list(
        Reading.objects.filter(sensor=moved.registered).values_list("centi_celsius", flat=True)
    ) == [1500]


def test_a_retired_sensors_later_readings_are_refused(cold, demo) -> None:
    from highland.logistics.services.coldchain import retire_sensor

    retire_sensor(cold.van, actor=demo.user("operator"))
    received = dt.datetime.now(dt.UTC)

    result = ingest(
        message("T-V1", {"measured_at": received.isoformat(), "celsius": 3}), received_at=received
    )

    assert result.counts == {"unknown_sensor": 1}


def test_a_payload_larger_than_64_kb_is_refused_unread() -> None:
    readings, refusals = parse_message(topic("T-C1"), b" " * (64 * 1024 + 1), received_at=RECEIVED)

    assert readings == []
    assert [refusal.refusal.detail for refusal in refusals] == ["The message is larger than 64 KB."]
