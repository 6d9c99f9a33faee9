"""Reading the cold chain: each zone's and vehicle's last readings, MKT and range over a
window, open alerts, and a parcel's exposure along its journey.

Summaries of a place with several sensors take the worst sensor for time out of range
and the extremes, and the time-weighted mean of all of them for the MKT.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from highland.core.models import County
from highland.logistics.coldchain import mkt
from highland.logistics.coldchain.ruleset import EffectiveRule, rules_for
from highland.logistics.coldchain.texts import range_text
from highland.logistics.models import (
    ColdChainAlert,
    HubZone,
    Reading,
    Sensor,
    TelemetryCounter,
    Vehicle,
)
from highland.logistics.temperature import TemperatureClass

Samples = dict[int, list[tuple[dt.datetime, float]]]  # sensor id -> (time, °C), sorted


@dataclass
class Summary:
    """A place over a window: MKT, extremes and time out of range (minutes)."""

    mkt: float | None = None
    lowest: float | None = None
    highest: float | None = None
    minutes_out: float = 0.0
    monitored_minutes: float = 0.0
    readings: int = 0


def summarise(
    samples: Samples,
    sensor_ids: Iterable[int],
    *,
    start: dt.datetime,
    end: dt.datetime,
    low: float | None,
    high: float | None,
    activation_energy: float,
) -> Summary:
    """The summary of these sensors' samples over [start, end)."""
    summary = Summary()
    every_segment: list[mkt.Segment] = []
    for sensor_id in sensor_ids:
        segments = mkt.held_segments(samples.get(sensor_id, []), start=start, end=end)
        if not segments:
            continue
        every_segment += segments
        values = [segment.celsius for segment in segments]
        summary.lowest = min(values) if summary.lowest is None else min(summary.lowest, *values)
        summary.highest = max(values) if summary.highest is None else max(summary.highest, *values)
        summary.minutes_out = max(
            summary.minutes_out, mkt.seconds_out_of_range(segments, low, high) / 60
        )
        summary.monitored_minutes = max(
            summary.monitored_minutes, mkt.covered_seconds(segments) / 60
        )
        summary.readings += sum(1 for at, _c in samples.get(sensor_id, []) if start <= at < end)
    summary.mkt = mkt.segments_mkt(every_segment, activation_energy=activation_energy)
    return summary


def load_samples(condition: Q) -> Samples:
    """Readings matching `condition`, by sensor, in time order (one query)."""
    samples: Samples = defaultdict(list)
    rows = (
        Reading.objects.filter(condition)
        .order_by("sensor_id", "measured_at")
        .values_list("sensor_id", "measured_at", "centi_celsius")
    )
    for sensor_id, measured_at, centi in rows:
        samples[sensor_id].append((measured_at, centi / 100))
    return samples


# --- the sparkline --------------------------------------------------------------------------

SPARK_WIDTH = 240
SPARK_HEIGHT = 48


@dataclass(frozen=True)
class Sparkline:
    """An SVG polyline of a place's temperature (15-minute means), with its range's
    limits as lines where they fall within the chart."""

    points: str
    limit_ys: tuple[float, ...]
    top: float
    bottom: float
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(
    samples: Samples,
    sensor_ids: Iterable[int],
    *,
    start: dt.datetime,
    end: dt.datetime,
    low: float | None,
    high: float | None,
    step: dt.timedelta = dt.timedelta(minutes=15),
) -> Sparkline | None:
    buckets: dict[int, list[float]] = defaultdict(list)
    step_seconds = step.total_seconds()
    for sensor_id in sensor_ids:
        for measured_at, celsius in samples.get(sensor_id, []):
            if start <= measured_at < end:
                buckets[int((measured_at - start).total_seconds() // step_seconds)].append(celsius)
    if len(buckets) < 2:
        return None
    means = {index: sum(values) / len(values) for index, values in sorted(buckets.items())}
    limits = [value for value in (low, high) if value is not None]
    top = max([*means.values(), *limits]) + 1
    bottom = min([*means.values(), *limits]) - 1
    slots = max(1, int((end - start).total_seconds() // step_seconds) - 1)

    def y(celsius: float) -> float:
        return round(SPARK_HEIGHT * (top - celsius) / (top - bottom), 1)

    points = " ".join(
        f"{round(SPARK_WIDTH * index / slots, 1)},{y(celsius)}" for index, celsius in means.items()
    )
    return Sparkline(points, tuple(y(limit) for limit in limits), top, bottom)


# --- the cold-chain board -------------------------------------------------------------------


@dataclass
class PlaceCard:
    kind: str  # "zone" or "vehicle"
    place: HubZone | Vehicle
    temperature_class: str
    range_text: str
    sensors: list[Sensor]
    summary: Summary
    sparkline: Sparkline | None
    alerts: list[ColdChainAlert] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.place.pk}"

    @property
    def name(self) -> str:
        if isinstance(self.place, HubZone):
            return f"{self.place.name} ({self.place.code})"
        return str(self.place)

    @property
    def class_label(self) -> str:
        return str(TemperatureClass(self.temperature_class).label)


@dataclass
class Board:
    county: County
    start: dt.datetime
    end: dt.datetime
    cards: list[PlaceCard]
    counters: list[TelemetryCounter]
    open_alerts: list[ColdChainAlert]

    @property
    def open_alert_count(self) -> int:
        return len(self.open_alerts)


def _alerts(county: County) -> QuerySet[ColdChainAlert]:
    return ColdChainAlert.objects.filter(county=county).select_related(
        "sensor__zone", "sensor__vehicle", "acknowledged_by"
    )


def open_alerts(county: County, *, limit: int = 50) -> list[ColdChainAlert]:
    """The county's open alerts, newest first (for the hub's and dispatcher's pages)."""
    return list(
        _alerts(county).filter(closed_at__isnull=True).order_by("-opened_at", "-pk")[:limit]
    )


def recent_alerts(county: County, *, limit: int = 50) -> list[ColdChainAlert]:
    return list(_alerts(county).order_by("-opened_at", "-pk")[:limit])


def _class_of(place: HubZone | Vehicle, sensors: Sequence[Sensor]) -> str:
    if isinstance(place, HubZone):
        return place.temperature_class
    classes = {sensor.temperature_class for sensor in sensors}
    if len(classes) == 1:
        return classes.pop()
    return "chilled" if place.refrigerated else "ambient"


def cold_chain_board(county: County, *, now: dt.datetime | None = None, hours: int = 24) -> Board:
    """Every active zone and every refrigerated or sensor-fitted vehicle, with the last
    reading of each sensor, the summary and sparkline of the last `hours`, and the open
    alerts. A fixed number of queries, whatever the number of places."""
    end = now or timezone.now()
    start = end - dt.timedelta(hours=hours)
    rules = rules_for(county.pk)
    sensors = list(Sensor.objects.filter(county=county, active=True).order_by("code"))
    by_zone: dict[int, list[Sensor]] = defaultdict(list)
    by_vehicle: dict[int, list[Sensor]] = defaultdict(list)
    for sensor in sensors:
        if sensor.zone_id:
            by_zone[sensor.zone_id].append(sensor)
        elif sensor.vehicle_id:
            by_vehicle[sensor.vehicle_id].append(sensor)
    samples = load_samples(
        Q(
            sensor_id__in=[sensor.pk for sensor in sensors],
            measured_at__gte=start - mkt.DEFAULT_MAX_HOLD,
            measured_at__lt=end,
        )
    )
    alerts = open_alerts(county, limit=200)
    alerts_by_sensor: dict[int, list[ColdChainAlert]] = defaultdict(list)
    for alert in alerts:
        alerts_by_sensor[alert.sensor_id].append(alert)
    places: list[tuple[str, HubZone | Vehicle, list[Sensor]]] = [
        ("zone", zone, by_zone.get(zone.pk, []))
        for zone in HubZone.objects.filter(county=county, active=True).order_by("code")
    ]
    places += [
        ("vehicle", vehicle, by_vehicle.get(vehicle.pk, []))
        for vehicle in Vehicle.objects.filter(county=county, active=True)
        .filter(Q(refrigerated=True) | Q(pk__in=list(by_vehicle)))
        .order_by("plate")
    ]
    cards = []
    for kind, place, place_sensors in places:
        temperature_class = _class_of(place, place_sensors)
        rule = rules[temperature_class]
        ids = [sensor.pk for sensor in place_sensors]
        for sensor in place_sensors:
            sensor.zone = place if isinstance(place, HubZone) else None
            sensor.vehicle = place if isinstance(place, Vehicle) else None
        cards.append(
            PlaceCard(
                kind=kind,
                place=place,
                temperature_class=temperature_class,
                range_text=range_text(rule.min_centi, rule.max_centi),
                sensors=place_sensors,
                summary=summarise(
                    samples,
                    ids,
                    start=start,
                    end=end,
                    low=rule.min_celsius,
                    high=rule.max_celsius,
                    activation_energy=rule.activation_energy,
                ),
                sparkline=sparkline(
                    samples, ids, start=start, end=end, low=rule.min_celsius, high=rule.max_celsius
                ),
                alerts=[
                    alert for sensor_id in ids for alert in alerts_by_sensor.get(sensor_id, [])
                ],
            )
        )
    counters = list(TelemetryCounter.objects.filter(county=county).order_by("channel", "outcome"))
    return Board(county, start, end, cards, counters, alerts)


def place_summary(
    county: County,
    place: HubZone | Vehicle,
    *,
    start: dt.datetime,
    end: dt.datetime,
) -> tuple[EffectiveRule, Summary, list[Sensor]]:
    """One zone's or vehicle's summary over [start, end), from the sensors that were in
    service there then (retired ones included)."""
    sensors_here = Sensor.objects.filter(county=county).filter(
        Q(retired_at__isnull=True) | Q(retired_at__gt=start), installed_at__lt=end
    )
    if isinstance(place, HubZone):
        sensors_here = sensors_here.filter(zone=place)
    else:
        sensors_here = sensors_here.filter(vehicle=place)
    sensors = list(sensors_here.order_by("code", "installed_at"))
    rule = rules_for(county.pk)[_class_of(place, sensors)]
    ids = [sensor.pk for sensor in sensors]
    samples = load_samples(
        Q(sensor_id__in=ids, measured_at__gte=start - mkt.DEFAULT_MAX_HOLD, measured_at__lt=end)
    )
    summary = summarise(
        samples,
        ids,
        start=start,
        end=end,
        low=rule.min_celsius,
        high=rule.max_celsius,
        activation_energy=rule.activation_energy,
    )
    return rule, summary, sensors


def sensors_of(county: County) -> list[Sensor]:
    """The county's sensors, those in service first."""
    return list(
        Sensor.objects.filter(county=county)
        .select_related("zone", "vehicle")
        .order_by("-active", "code", "-installed_at")
    )


def alert_readings(alert: ColdChainAlert, *, limit: int = 100) -> list[Reading]:
    """The readings around an alert, from half an hour before it started to half an hour
    after it ended; evenly thinned to `limit` for a long one (first and last kept)."""
    start = (alert.started_at or alert.opened_at) - dt.timedelta(minutes=30)
    end = (alert.ended_at or alert.closed_at or timezone.now()) + dt.timedelta(minutes=30)
    readings = list(
        Reading.objects.filter(
            sensor_id=alert.sensor_id, measured_at__gte=start, measured_at__lte=end
        ).order_by("measured_at")[:20_000]
    )
    if len(readings) <= limit:
        return readings
    step = (len(readings) - 1) / (limit - 1)
    return [readings[round(index * step)] for index in range(limit)]


def telemetry_totals(counters: Iterable[TelemetryCounter]) -> dict[str, Any]:
    totals: dict[str, int] = defaultdict(int)
    for counter in counters:
        totals[counter.outcome] += counter.count
    return dict(totals)
