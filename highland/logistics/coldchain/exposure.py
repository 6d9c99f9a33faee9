"""A parcel's temperature exposure, derived from where it was when.

Its tracking events, in the order they happened, say where it was: an event at a hub
location puts it in that location's zone, an event with a vehicle in that vehicle, one
with a bus line or a village point somewhere no sensor watches; an event that names no
place leaves it where it was. From one event to the next it stayed in that place, and the
sensors there (those in service at the time) measured what it went through. The journey
ends when it is picked up or returned; until then it runs to now.

The parcel is judged by its own class's range, wherever it was (a chilled parcel in an
ambient van is out of range however well the van keeps ambient).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.logistics.coldchain import mkt
from highland.logistics.coldchain.ruleset import rules_for
from highland.logistics.coldchain.selectors import Summary, load_samples, summarise
from highland.logistics.coldchain.texts import range_text
from highland.logistics.models import (
    HubZone,
    Parcel,
    Sensor,
    TrackingEvent,
    TrackingEventKind,
    Vehicle,
)

JOURNEY_ENDS = frozenset({TrackingEventKind.PICKED_UP, TrackingEventKind.RETURNED})


@dataclass
class Leg:
    """A stretch of the journey in one place."""

    kind: str  # "zone", "vehicle" or "unmonitored"
    label: str
    start: dt.datetime
    end: dt.datetime
    zone: HubZone | None = None
    vehicle: Vehicle | None = None
    sensor_ids: list[int] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    @property
    def monitored(self) -> bool:
        return bool(self.sensor_ids)


@dataclass
class ParcelExposure:
    parcel: Parcel
    temperature_class: str
    range_text: str
    legs: list[Leg]
    summary: Summary
    finished: bool

    @property
    def minutes(self) -> float:
        return sum(leg.minutes for leg in self.legs)

    @property
    def unmonitored_minutes(self) -> float:
        return max(0.0, self.minutes - self.summary.monitored_minutes)


def _place_of(event: TrackingEvent) -> tuple[str, str, HubZone | None, Vehicle | None] | None:
    if event.location is not None:
        zone = event.location.zone
        return ("zone", f"{zone.name} ({event.location.code})", zone, None)
    if event.vehicle is not None:
        return ("vehicle", str(event.vehicle), None, event.vehicle)
    if event.bus_line is not None:
        return (
            "unmonitored",
            _("Bus %(line)s (no sensor)") % {"line": event.bus_line.code},
            None,
            None,
        )
    if event.point is not None:
        return (
            "unmonitored",
            _("%(point)s (no sensor)") % {"point": event.point.name},
            None,
            None,
        )
    return None


def journey_legs(events: list[TrackingEvent], *, now: dt.datetime) -> tuple[list[Leg], bool]:
    """The places the parcel was in, from its events in the order they happened."""
    legs: list[Leg] = []
    finished = False
    current: Leg | None = None
    for event in events:
        if current is not None:
            current.end = event.occurred_at
        if event.kind in JOURNEY_ENDS:
            finished = True
            break
        place = _place_of(event)
        if place is None:
            continue  # no place named: the parcel stays where it was
        kind, label, zone, vehicle = place
        if current is not None and (current.zone, current.vehicle, current.label) == (
            zone,
            vehicle,
            label,
        ):
            continue  # the same place again
        current = Leg(kind, label, event.occurred_at, event.occurred_at, zone, vehicle)
        legs.append(current)
    if current is not None and not finished:
        current.end = max(now, current.start)
    return [leg for leg in legs if leg.end > leg.start], finished


def parcel_exposure(parcel: Parcel, *, now: dt.datetime | None = None) -> ParcelExposure:
    """The parcel's journey with each place's readings: MKT, extremes and minutes out of
    the parcel's class's range, per place and in all. Five queries."""
    now = now or timezone.now()
    events = list(
        TrackingEvent.objects.filter(parcel=parcel)
        .select_related("location__zone", "vehicle", "bus_line", "point")
        .order_by("occurred_at", "pk")
    )
    legs, finished = journey_legs(events, now=now)
    rule = rules_for(parcel.county_id)[parcel.temperature_class]
    watched = [leg for leg in legs if leg.zone is not None or leg.vehicle is not None]
    if watched:
        place_filter = Q()
        for leg in watched:
            place_filter |= (
                (Q(zone=leg.zone) if leg.zone is not None else Q(vehicle=leg.vehicle))
                & (Q(retired_at__isnull=True) | Q(retired_at__gt=leg.start))
                & Q(installed_at__lt=leg.end)
            )
        sensors = list(Sensor.objects.filter(county_id=parcel.county_id).filter(place_filter))
        readings_filter = Q(pk__in=[])
        for leg in watched:
            leg.sensor_ids = [
                sensor.pk
                for sensor in sensors
                if (sensor.zone_id == (leg.zone.pk if leg.zone else None))
                and (sensor.vehicle_id == (leg.vehicle.pk if leg.vehicle else None))
                and sensor.installed_at < leg.end
                and (sensor.retired_at is None or sensor.retired_at > leg.start)
            ]
            if leg.sensor_ids:
                readings_filter |= Q(
                    sensor_id__in=leg.sensor_ids,
                    measured_at__gte=leg.start - mkt.DEFAULT_MAX_HOLD,
                    measured_at__lt=leg.end,
                )
        samples = load_samples(readings_filter) if any(leg.sensor_ids for leg in watched) else {}
        for leg in watched:
            if not leg.sensor_ids:
                leg.kind = "unmonitored"
                continue
            leg.summary = summarise(
                samples,
                leg.sensor_ids,
                start=leg.start,
                end=leg.end,
                low=rule.min_celsius,
                high=rule.max_celsius,
                activation_energy=rule.activation_energy,
            )
    else:
        samples = {}
    total = _journey_summary(legs, samples, rule.activation_energy)
    return ParcelExposure(
        parcel=parcel,
        temperature_class=parcel.temperature_class,
        range_text=range_text(rule.min_centi, rule.max_centi),
        legs=legs,
        summary=total,
        finished=finished,
    )


def _journey_summary(
    legs: list[Leg], samples: dict[int, list[tuple[dt.datetime, float]]], activation_energy: float
) -> Summary:
    """The whole journey: the legs' minutes added up, the extremes over all of them, and
    the MKT of every reading held in every leg, weighted by time."""
    total = Summary()
    segments: list[mkt.Segment] = []
    for leg in legs:
        for sensor_id in leg.sensor_ids:
            segments += mkt.held_segments(samples.get(sensor_id, []), start=leg.start, end=leg.end)
        summary = leg.summary
        total.minutes_out += summary.minutes_out
        total.monitored_minutes += summary.monitored_minutes
        total.readings += summary.readings
        lows = [value for value in (total.lowest, summary.lowest) if value is not None]
        highs = [value for value in (total.highest, summary.highest) if value is not None]
        total.lowest = min(lows) if lows else None
        total.highest = max(highs) if highs else None
    total.mkt = mkt.segments_mkt(segments, activation_energy=activation_energy)
    return total
