"""Sensors for cold-chain tests, registered through the service in the demo county's hub
zones and its refrigerated van, and small helpers to make readings and MQTT payloads."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from highland.logistics.models import HubZone, Sensor, Vehicle
from highland.logistics.services.coldchain import register_sensor

COUNTY_CODE = "513334"
# A fixed day, well in the past, so the silent-sensor job and "now" never interfere.
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@dataclass
class ColdSetup:
    demo: Any
    chilled: Sensor  # zone C, 0–4 °C
    frozen: Sensor  # zone F, ≤ −18 °C
    van: Sensor  # the refrigerated van 川R·L3341, chilled

    @property
    def county(self) -> Any:
        return self.demo.county


def make_cold_setup(
    demo: Any, *, installed_at: dt.datetime = T0 - dt.timedelta(days=1)
) -> ColdSetup:
    operator = demo.user("operator")
    zone_c = HubZone.objects.get(county=demo.county, code="C")
    zone_f = HubZone.objects.get(county=demo.county, code="F")
    van = Vehicle.objects.get(county=demo.county, plate="川R·L3341")
    return ColdSetup(
        demo,
        register_sensor(
            demo.county, code="T-C1", zone=zone_c, installed_at=installed_at, actor=operator
        ),
        register_sensor(
            demo.county, code="T-F1", zone=zone_f, installed_at=installed_at, actor=operator
        ),
        register_sensor(
            demo.county, code="T-V1", vehicle=van, installed_at=installed_at, actor=operator
        ),
    )


def watch_silence(demo: Any, minutes: int = 30) -> None:
    """Turn silent-sensor alerts on for every class (the demo county leaves them off)."""
    from highland.logistics.coldchain.ruleset import default_rule
    from highland.logistics.services.coldchain import set_excursion_rule
    from highland.logistics.temperature import TemperatureClass

    for temperature_class in TemperatureClass.values:
        rule = default_rule(temperature_class)
        set_excursion_rule(
            demo.county,
            temperature_class=temperature_class,
            min_celsius=rule.min_celsius,
            max_celsius=rule.max_celsius,
            excursion_after_minutes=rule.excursion_after_minutes,
            silent_after_minutes=minutes,
            actor=demo.user("operator"),
        )


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def reading(minutes: float, celsius: float, **extra: Any) -> dict[str, Any]:
    """A reading's JSON object, its time given in Beijing time with its offset."""
    local = timezone.localtime(at(minutes), timezone.get_fixed_timezone(8 * 60))
    return {"measured_at": local.isoformat(), "celsius": celsius, **extra}


def topic(sensor_code: str, county_code: str = COUNTY_CODE) -> str:
    return f"highland/{county_code}/sensors/{sensor_code}/readings"


def message(sensor_code: str, *readings: dict[str, Any]) -> tuple[str, bytes]:
    body: Any = readings[0] if len(readings) == 1 else list(readings)
    return topic(sensor_code), json.dumps(body).encode()


def store(sensor_code: str, *readings: dict[str, Any], received_at: dt.datetime | None = None):
    """Store readings as one MQTT batch would be, and evaluate the rules after it."""
    from highland.logistics.services.coldchain import evaluate_readings, ingest_mqtt_messages
    from highland.logistics.services.coldchain.readings import SensorDirectory

    received = received_at or T0 + dt.timedelta(days=1)
    outcome = ingest_mqtt_messages(
        [message(sensor_code, *readings)], directory=SensorDirectory(), received_at=received
    )
    evaluate_readings(outcome.news, now=received)
    return outcome
