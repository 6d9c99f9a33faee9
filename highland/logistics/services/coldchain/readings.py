"""Storing readings in batches, exactly once, and counting what came in.

One INSERT … ON CONFLICT DO NOTHING RETURNING per 500 readings (PostgreSQL and SQLite
3.35+ alike) stores a batch and says which readings were new: the rest were stored
before (a message the broker delivered again, a logger uploaded twice). The sensor's
newest reading is kept on its row for the pages. Counters say how many readings each
channel stored, recognised as duplicates or refused, and why.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from highland.core.models import County
from highland.logistics.coldchain.payloads import CheckedReading, Refusal
from highland.logistics.models import Reading, Sensor, TelemetryCounter, TelemetryOutcome

INSERT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class NewReading:
    sensor_id: int
    measured_at: dt.datetime
    centi_celsius: int


@dataclass(frozen=True, slots=True)
class StoredReading:
    id: int
    measured_at: dt.datetime
    centi_celsius: int


@dataclass
class SensorNews:
    """What one batch added to one sensor: what rule evaluation starts from."""

    county_id: int
    temperature_class: str
    previous_last_at: dt.datetime | None
    readings: list[StoredReading] = field(default_factory=list)

    @property
    def since(self) -> dt.datetime:
        return min(reading.measured_at for reading in self.readings)

    @property
    def until(self) -> dt.datetime:
        return max(reading.measured_at for reading in self.readings)

    @property
    def appended(self) -> bool:
        """Whether every new reading is newer than all the sensor had before."""
        return self.previous_last_at is None or self.since > self.previous_last_at


def utc(value: dt.datetime | str) -> dt.datetime:
    """A datetime as the database gives it back, aware and in UTC."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    assert parsed is not None
    if timezone.is_naive(parsed):
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


COLUMNS = "sensor_id, measured_at, received_at, centi_celsius"
RETURNING = "ON CONFLICT DO NOTHING RETURNING id, sensor_id, measured_at, centi_celsius"


def _insert(
    rows: Sequence[NewReading], received_at: dt.datetime
) -> list[tuple[int, int, dt.datetime, int]]:
    """Insert, skipping rows stored before; (id, sensor, time, centi) of the new ones.

    PostgreSQL gets four arrays to unnest (a statement of 2,000 placeholders costs the
    driver more to parse than the server to run); SQLite gets one VALUES row per reading.
    Only placeholders are put into the text; every value is a parameter.
    """
    table = connection.ops.quote_name(Reading._meta.db_table)
    inserted: list[tuple[int, int, dt.datetime, int]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {table} ({COLUMNS}) "  # noqa: S608
                    "SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], "
                    f"%s::smallint[]) {RETURNING}",
                    [
                        [row.sensor_id for row in chunk],
                        [row.measured_at for row in chunk],
                        [received_at] * len(chunk),
                        [row.centi_celsius for row in chunk],
                    ],
                )
            else:
                adapt = connection.ops.adapt_datetimefield_value
                received = adapt(received_at)
                params: list[Any] = []
                for row in chunk:
                    params += [row.sensor_id, adapt(row.measured_at), received, row.centi_celsius]
                values = ",".join(["(%s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({COLUMNS}) VALUES {values} {RETURNING}",  # noqa: S608
                    params,
                )
            inserted += [
                (int(pk), int(sensor), utc(at), int(centi))
                for pk, sensor, at, centi in cursor.fetchall()
            ]
    return inserted


def _remember_newest(news: dict[int, SensorNews], received_at: dt.datetime) -> None:
    """Keep each sensor's newest reading on its row: one statement for all sensors, run
    for each (an ORM update per sensor costs more than the batch's insert)."""
    table = connection.ops.quote_name(Sensor._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    received = adapt(received_at)
    params = []
    for sensor_id, sensor_news in sorted(news.items()):
        newest = max(sensor_news.readings, key=lambda reading: reading.measured_at)
        at = adapt(newest.measured_at)
        params.append((received, at, at, at, newest.centi_celsius, sensor_id))
    newer = "last_reading_at IS NULL OR last_reading_at < %s"
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET last_received_at = %s, "  # noqa: S608 (no value in the text)
            f"last_reading_at = CASE WHEN {newer} THEN %s ELSE last_reading_at END, "
            f"last_centi_celsius = CASE WHEN {newer} THEN %s ELSE last_centi_celsius END "
            "WHERE id = %s",
            params,
        )


@dataclass
class StoreResult:
    news: dict[int, SensorNews]
    # (sensor, UTC time) of every reading stored now.
    stored: set[tuple[int, dt.datetime]]
    duplicates: int


def store_readings(rows: Iterable[NewReading], *, received_at: dt.datetime) -> StoreResult:
    """Store checked readings of known sensors; the same (sensor, time) again is a
    duplicate. Call inside a transaction (the caller commits before acknowledging)."""
    if not connection.in_atomic_block:
        raise RuntimeError("store_readings runs inside the caller's transaction")
    unique: dict[tuple[int, dt.datetime], NewReading] = {}
    total = 0
    for row in rows:
        total += 1
        unique.setdefault((row.sensor_id, row.measured_at.astimezone(dt.UTC)), row)
    if not unique:
        return StoreResult({}, set(), 0)
    sensor_ids = {sensor_id for sensor_id, _at in unique}
    before = {
        pk: (county_id, temperature_class, last_at)
        for pk, county_id, temperature_class, last_at in Sensor.objects.filter(
            pk__in=sensor_ids
        ).values_list("pk", "county_id", "temperature_class", "last_reading_at")
    }
    inserted = _insert(list(unique.values()), received_at)
    news: dict[int, SensorNews] = {}
    for pk, sensor_id, measured_at, centi in inserted:
        if sensor_id not in news:
            news[sensor_id] = SensorNews(*before[sensor_id])
        news[sensor_id].readings.append(StoredReading(pk, measured_at, centi))
    for sensor_news in news.values():
        sensor_news.readings.sort(key=lambda reading: reading.measured_at)
    _remember_newest(news, received_at)
    stored = {(sensor_id, measured_at) for _pk, sensor_id, measured_at, _centi in inserted}
    return StoreResult(news, stored, total - len(stored))


# --- which sensor a code names ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SensorSpan:
    sensor_id: int
    county_id: int
    installed_at: dt.datetime
    retired_at: dt.datetime | None


def pick_sensor(spans: Sequence[SensorSpan], measured_at: dt.datetime) -> SensorSpan | None:
    """The row of a device code that was in service when the reading was taken (spans
    sorted by installation). Readings from before the first installation belong to the
    first row; readings after a retirement with no successor belong to nobody."""
    chosen = None
    for span in spans:
        if span.installed_at <= measured_at and (
            span.retired_at is None or measured_at < span.retired_at
        ):
            chosen = span
    if chosen is None and spans and measured_at < spans[0].installed_at:
        return spans[0]
    return chosen


class SensorDirectory:
    """Device codes to sensors, remembered for `ttl` seconds (0: ask every time) so the
    subscriber does not query per message; a new sensor is found within `ttl`."""

    def __init__(self, ttl: float = 0.0, *, unknown_ttl: float = 10.0) -> None:
        self.ttl = ttl
        self.unknown_ttl = unknown_ttl if ttl else 0.0
        self._spans: dict[tuple[str, str], tuple[float, list[SensorSpan]]] = {}
        self._counties: dict[str, tuple[float, int | None]] = {}

    def county_id(self, county_code: str) -> int | None:
        now = time.monotonic()
        cached = self._counties.get(county_code)
        if cached is not None and cached[0] > now:
            return cached[1]
        pk = County.objects.filter(code=county_code).values_list("pk", flat=True).first()
        self._counties[county_code] = (now + (self.ttl if pk else self.unknown_ttl), pk)
        return pk

    def load(self, keys: Iterable[tuple[str, str]]) -> None:
        """Fetch the codes not remembered (one query for all of them)."""
        now = time.monotonic()
        missing = {key for key in keys if key not in self._spans or self._spans[key][0] <= now}
        if not missing:
            return
        found: dict[tuple[str, str], list[SensorSpan]] = defaultdict(list)
        condition = Q()
        for county_code, sensor_code in missing:
            condition |= Q(county__code=county_code, code=sensor_code)
        rows = (
            Sensor.objects.filter(condition)
            .order_by("installed_at", "pk")
            .values_list("county__code", "code", "pk", "county_id", "installed_at", "retired_at")
        )
        for county_code, sensor_code, pk, county_id, installed_at, retired_at in rows:
            found[(county_code, sensor_code)].append(
                SensorSpan(pk, county_id, installed_at, retired_at)
            )
        for key in missing:
            spans = found.get(key, [])
            self._spans[key] = (now + (self.ttl if spans else self.unknown_ttl), spans)

    def spans(self, county_code: str, sensor_code: str) -> list[SensorSpan]:
        key = (county_code, sensor_code)
        if key not in self._spans:
            self.load([key])
        return self._spans[key][1]

    def forget(self) -> None:
        self._spans.clear()
        self._counties.clear()


def unknown_sensor(sensor_code: str) -> Refusal:
    return Refusal(
        TelemetryOutcome.UNKNOWN_SENSOR,
        _("No sensor in service has the device code %(code)s.") % {"code": sensor_code},
    )


def resolve(
    directory: SensorDirectory,
    county_code: str,
    sensor_code: str,
    reading: CheckedReading,
) -> SensorSpan | Refusal:
    span = pick_sensor(directory.spans(county_code, sensor_code), reading.measured_at)
    return span if span is not None else unknown_sensor(sensor_code)


# --- counters -------------------------------------------------------------------------------

CounterKey = tuple[int | None, str, str]  # county, channel, outcome


class Tally:
    """Outcomes of one batch, written as one UPDATE per (county, channel, outcome)."""

    def __init__(self) -> None:
        self.counts: dict[CounterKey, int] = defaultdict(int)
        self.details: dict[CounterKey, str] = {}

    def add(self, key: CounterKey, count: int = 1, detail: str = "") -> None:
        if count <= 0:
            return
        self.counts[key] += count
        if detail:
            self.details[key] = detail[:300]

    def by_outcome(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for (_county, _channel, outcome), count in self.counts.items():
            totals[outcome] += count
        return dict(totals)

    def write(self, now: dt.datetime) -> None:
        """Add the counts to the counters. Call inside the batch's transaction."""
        for (county_id, channel, outcome), count in sorted(
            self.counts.items(), key=lambda item: (item[0][0] or 0, item[0][1], item[0][2])
        ):
            detail = self.details.get((county_id, channel, outcome))
            changes: dict[str, object] = {"count": F("count") + count, "last_at": now}
            if detail is not None:
                changes["last_detail"] = detail
            rows = TelemetryCounter.objects.filter(
                county__isnull=county_id is None, channel=channel, outcome=outcome
            )
            if county_id is not None:
                rows = rows.filter(county_id=county_id)
            if rows.update(**changes):
                continue
            try:
                with transaction.atomic():
                    TelemetryCounter.objects.create(
                        county_id=county_id,
                        channel=channel,
                        outcome=outcome,
                        count=count,
                        last_at=now,
                        last_detail=detail or "",
                    )
            except IntegrityError:  # another writer created it meanwhile
                rows.update(**changes)
