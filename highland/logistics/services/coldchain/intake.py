"""Readings coming in: a batch of MQTT messages from the subscriber, or a logger's memory
uploaded over HTTP. Both check each reading the same way, store the good ones once,
count every outcome, and evaluate the alert rules after the readings have committed."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.coldchain.payloads import (
    CheckedReading,
    Refusal,
    TopicRefusal,
    check_reading,
    parse_message,
)
from highland.logistics.coldchain.ruleset import EffectiveRule
from highland.logistics.models import TelemetryChannel, TelemetryOutcome
from highland.logistics.services.coldchain.alerts import evaluate_readings
from highland.logistics.services.coldchain.readings import (
    NewReading,
    SensorDirectory,
    SensorNews,
    Tally,
    pick_sensor,
    store_readings,
    unknown_sensor,
)

logger = logging.getLogger(__name__)

MAX_UPLOAD_READINGS = 10_000


@dataclass
class IngestOutcome:
    """What one batch of messages gave: counts by outcome, the refusals (for the log),
    and the new readings per sensor (for rule evaluation)."""

    counts: dict[str, int]
    refusals: list[tuple[str, TopicRefusal]]
    news: dict[int, SensorNews]


def _count_stored(
    rows: Sequence[tuple[int | None, NewReading]],
    stored: set[tuple[int, dt.datetime]],
    tally: Tally,
    channel: str,
) -> list[bool]:
    """Whether each row was stored now (True) or was a duplicate, counted per county."""
    seen: set[tuple[int, dt.datetime]] = set()
    outcomes = []
    for county_id, row in rows:
        key = (row.sensor_id, row.measured_at.astimezone(dt.UTC))
        fresh = key in stored and key not in seen
        seen.add(key)
        outcome = TelemetryOutcome.STORED if fresh else TelemetryOutcome.DUPLICATE
        tally.add((county_id, channel, outcome))
        outcomes.append(fresh)
    return outcomes


def ingest_mqtt_messages(
    messages: Sequence[tuple[str, bytes]],
    *,
    directory: SensorDirectory,
    received_at: dt.datetime | None = None,
) -> IngestOutcome:
    """Check, store and count one batch of (topic, payload) messages in one transaction.
    Rules are not evaluated here: call `evaluate_readings(outcome.news)` after this returns
    (the subscriber acknowledges the messages in between)."""
    received_at = received_at or timezone.now()
    channel = TelemetryChannel.MQTT
    parsed = [
        (topic, parse_message(topic, payload, received_at=received_at))
        for topic, payload in messages
    ]
    directory.load(
        (reading.county_code, reading.sensor_code)
        for _topic, (readings, _refusals) in parsed
        for reading in readings
    )
    tally = Tally()
    refusals: list[tuple[str, TopicRefusal]] = []
    rows: list[tuple[int | None, NewReading]] = []
    for topic, (readings, message_refusals) in parsed:
        for refusal in message_refusals:
            refusals.append((topic, refusal))
        for reading in readings:
            spans = directory.spans(reading.county_code, reading.sensor_code)
            span = pick_sensor(spans, reading.reading.measured_at)
            if span is None:
                refusals.append(
                    (topic, TopicRefusal(reading.county_code, unknown_sensor(reading.sensor_code)))
                )
                continue
            checked = reading.reading
            rows.append(
                (
                    span.county_id,
                    NewReading(span.sensor_id, checked.measured_at, checked.centi_celsius),
                )
            )
    for topic, refusal in refusals:
        county_id = directory.county_id(refusal.county_code) if refusal.county_code else None
        detail = f"{topic[:120]}: {refusal.refusal.detail}"
        if refusal.refusal.message_id:
            detail += f" (id {refusal.refusal.message_id})"
        tally.add((county_id, channel, refusal.refusal.outcome), detail=detail)
    with transaction.atomic():
        result = store_readings([row for _county, row in rows], received_at=received_at)
        _count_stored(rows, result.stored, tally, channel)
        tally.write(received_at)
    return IngestOutcome(tally.by_outcome(), refusals, result.news)


# --- HTTP upload ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedSensor:
    """One sensor's readings in an upload: raw items, each checked on its own."""

    code: str
    readings: Sequence[Any]


@dataclass(frozen=True)
class ReadingResult:
    index: int
    outcome: str  # stored, duplicate, or a refusal's TelemetryOutcome
    detail: str = ""
    message_id: str = ""
    measured_at: dt.datetime | None = None


@dataclass
class SensorResult:
    code: str
    results: list[ReadingResult] = field(default_factory=list)


@dataclass
class UploadResult:
    sensors: list[SensorResult]
    counts: dict[str, int]


def _outcome_counts(sensors: Sequence[SensorResult]) -> dict[str, int]:
    counts = {"stored": 0, "duplicate": 0, "refused": 0}
    for sensor in sensors:
        for result in sensor.results:
            key = result.outcome if result.outcome in counts else "refused"
            counts[key] += 1
    return counts


def upload_readings(
    county: County,
    sensors: Sequence[UploadedSensor],
    *,
    actor: User,
    rules: Mapping[int, Mapping[str, EffectiveRule]] | None = None,
) -> UploadResult:
    """Store a logger's readings read out later: each reading stored, recognised as stored
    before, or refused with its reason. Repeating an upload stores nothing twice."""
    require(actor, "logistics.upload_readings", county)
    total = sum(len(sensor.readings) for sensor in sensors)
    if total > MAX_UPLOAD_READINGS:
        raise ValidationFailed(
            _("Upload at most %(max)d readings at a time.") % {"max": MAX_UPLOAD_READINGS},
            field="sensors",
        )
    received_at = timezone.now()
    directory = SensorDirectory()
    tally = Tally()
    channel = TelemetryChannel.UPLOAD
    results = [SensorResult(sensor.code) for sensor in sensors]
    pending: list[tuple[SensorResult, ReadingResult, NewReading]] = []
    directory.load((county.code, sensor.code) for sensor in sensors)
    for sensor, sensor_result in zip(sensors, results, strict=True):
        spans = directory.spans(county.code, sensor.code)
        for index, item in enumerate(sensor.readings):
            checked: CheckedReading | Refusal = check_reading(item, received_at=received_at)
            if isinstance(checked, CheckedReading):
                span = pick_sensor(spans, checked.measured_at)
                if span is None:
                    checked = Refusal(
                        TelemetryOutcome.UNKNOWN_SENSOR,
                        unknown_sensor(sensor.code).detail,
                        checked.message_id,
                    )
                else:
                    result = ReadingResult(
                        index, "", message_id=checked.message_id, measured_at=checked.measured_at
                    )
                    row = NewReading(span.sensor_id, checked.measured_at, checked.centi_celsius)
                    pending.append((sensor_result, result, row))
                    continue
            sensor_result.results.append(
                ReadingResult(index, checked.outcome, checked.detail, checked.message_id)
            )
            tally.add(
                (county.pk, channel, checked.outcome),
                detail=f"{sensor.code}: {checked.detail}",
            )
    with transaction.atomic():
        stored = store_readings([row for _s, _r, row in pending], received_at=received_at)
        fresh = _count_stored(
            [(county.pk, row) for _s, _r, row in pending], stored.stored, tally, channel
        )
        for (sensor_result, result, _row), is_new in zip(pending, fresh, strict=True):
            outcome = TelemetryOutcome.STORED if is_new else TelemetryOutcome.DUPLICATE
            sensor_result.results.append(
                ReadingResult(result.index, outcome, "", result.message_id, result.measured_at)
            )
        tally.write(received_at)
        for sensor_result in results:
            sensor_result.results.sort(key=lambda result: result.index)
        counts = _outcome_counts(results)
        audit.record(
            actor,
            "logistics.readings.uploaded",
            county,
            {
                "readings_stored": counts["stored"],
                "readings_duplicate": counts["duplicate"],
                "readings_refused": counts["refused"],
                "sensor_codes": sorted({sensor.code for sensor in sensors})[:50],
            },
        )
    try:
        evaluate_readings(stored.news, now=received_at, rules=rules)
    except Exception:
        # The readings are stored; the next batch or upload for the sensor evaluates again.
        logger.exception("evaluating cold-chain rules after an upload failed")
    return UploadResult(results, counts)
