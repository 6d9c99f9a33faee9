"""The demo county's cold chain: a sensor in each hub zone and one in the refrigerated
van, the county's excursion rules, and the last day of readings (every 5 minutes; the
chilled room's door stood open for 20 minutes four hours ago, too short for an excursion;
the van ran a chilled round yesterday). Idempotent: readings are added only to a sensor
that has none.

Nothing publishes the demo sensors' readings after the load, so the demo county's rules
leave silent-sensor alerts off (they would open half an hour after every load); switch
them on in the back office once real sensors or `ingest_telemetry` feed it."""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.utils import timezone

from highland.core.models import County, User
from highland.logistics.coldchain.ruleset import default_rule
from highland.logistics.models import ExcursionRule, HubZone, Reading, Sensor, Vehicle
from highland.logistics.services.coldchain import register_sensor, set_excursion_rule
from highland.logistics.services.coldchain.readings import NewReading, store_readings
from highland.logistics.temperature import TemperatureClass

DEMO_SENSORS = [
    # code, name, zone code or vehicle plate
    ("HUB-A1", "常温区温湿度计", "A"),
    ("HUB-C1", "冷藏库探头", "C"),
    ("HUB-F1", "冷冻库探头", "F"),
    ("VAN-L3341", "冷藏车车厢探头", "川R·L3341"),
]
STEP = dt.timedelta(minutes=5)


def _celsius(code: str, moment: dt.datetime, door_open: tuple[dt.datetime, dt.datetime]) -> float:
    """A plausible temperature: a daily swing, a compressor's small cycle, one open door."""
    local = timezone.localtime(moment)
    day = math.sin((local.hour + local.minute / 60 - 9) / 24 * 2 * math.pi)
    cycle = math.sin(moment.timestamp() / 1800 * 2 * math.pi)
    if code == "HUB-A1":
        return round(6 + 5 * day, 1)
    if code == "HUB-C1":
        if door_open[0] <= moment < door_open[1]:
            return 5.6
        return round(2.8 + 0.5 * cycle, 1)
    if code == "HUB-F1":
        return round(-21 + 0.8 * cycle, 1)
    return round(3.0 + 0.6 * cycle, 1)


def _moments(sensor: Sensor, now: dt.datetime) -> list[dt.datetime]:
    end = now.replace(second=0, microsecond=0)
    end -= dt.timedelta(minutes=end.minute % 5)
    if sensor.vehicle_id:
        # Yesterday's chilled round, 09:00 to 15:00 Beijing time.
        day = timezone.localtime(end).date() - dt.timedelta(days=1)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
        return [start + STEP * index for index in range(6 * 12 + 1)]
    return [end - STEP * index for index in range(24 * 12, -1, -1)]


def load_demo_cold_chain(county: County, *, admin: User) -> dict[str, int]:
    """Create what is missing; returns counts created."""
    created = {"sensors": 0, "readings": 0}
    for temperature_class in TemperatureClass.values:
        if not ExcursionRule.objects.filter(
            county=county, temperature_class=temperature_class
        ).exists():
            rule = default_rule(temperature_class)
            set_excursion_rule(
                county,
                temperature_class=temperature_class,
                min_celsius=rule.min_celsius,
                max_celsius=rule.max_celsius,
                excursion_after_minutes=rule.excursion_after_minutes,
                silent_after_minutes=None,
                actor=admin,
            )
    now = timezone.now()
    door_open = (
        now - dt.timedelta(hours=4),
        now - dt.timedelta(hours=4) + dt.timedelta(minutes=20),
    )
    for code, name, place in DEMO_SENSORS:
        sensor = Sensor.objects.filter(county=county, code=code, active=True).first()
        if sensor is None:
            zone = HubZone.objects.filter(county=county, code=place).first()
            vehicle = Vehicle.objects.filter(county=county, plate=place).first()
            if zone is None and vehicle is None:
                continue
            sensor = register_sensor(
                county,
                code=code,
                name=name,
                zone=zone,
                vehicle=None if zone else vehicle,
                installed_at=now - dt.timedelta(days=30),
                actor=admin,
            )
            created["sensors"] += 1
        if Reading.objects.filter(sensor=sensor).exists():
            continue
        rows = [
            NewReading(sensor.pk, moment, round(_celsius(code, moment, door_open) * 100))
            for moment in _moments(sensor, now)
        ]
        with transaction.atomic():
            created["readings"] += len(store_readings(rows, received_at=now).stored)
    return created
