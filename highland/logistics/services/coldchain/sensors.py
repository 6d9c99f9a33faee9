"""Registering sensors where they stand, retiring and moving them, and setting the
excursion rule of a temperature class."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import Conflict, ValidationFailed
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import ExcursionRule, HubZone, Sensor, Vehicle
from highland.logistics.models.coldchain import SENSOR_CODE_PATTERN
from highland.logistics.temperature import TemperatureClass

_CODE = re.compile(SENSOR_CODE_PATTERN)


def check_place(
    county: County,
    *,
    zone: HubZone | None,
    vehicle: Vehicle | None,
    temperature_class: str | None,
) -> str:
    """The class the sensor watches at this place; refuses a place of another county, two
    places or none, and a class the place cannot keep."""
    if (zone is None) == (vehicle is None):
        raise ValidationFailed(
            _("Place the sensor in one hub zone or one vehicle."), field="zone", code="place"
        )
    if zone is not None:
        if zone.county_id != county.pk:
            raise ValidationFailed(_("That zone is in another county."), field="zone")
        if temperature_class and temperature_class != zone.temperature_class:
            raise ValidationFailed(
                _("A zone's sensor watches the zone's own temperature class."),
                field="temperature_class",
            )
        return zone.temperature_class
    assert vehicle is not None
    if vehicle.county_id != county.pk:
        raise ValidationFailed(_("That vehicle is in another county."), field="vehicle")
    chosen = temperature_class or (
        TemperatureClass.CHILLED if vehicle.refrigerated else TemperatureClass.AMBIENT
    )
    if chosen not in TemperatureClass.values:
        raise ValidationFailed(_("Choose the temperature class."), field="temperature_class")
    if not vehicle.refrigerated and chosen != TemperatureClass.AMBIENT:
        raise ValidationFailed(
            _("A vehicle without refrigeration only keeps ambient goods."),
            field="temperature_class",
        )
    return chosen


def _check_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise ValidationFailed(
            _("A device code is 1 to 40 letters, digits, '.', '_' or '-'."), field="code"
        )
    return code


def _create(
    county: County,
    code: str,
    name: str,
    zone: HubZone | None,
    vehicle: Vehicle | None,
    temperature_class: str,
    installed_at: dt.datetime,
) -> Sensor:
    try:
        with transaction.atomic():
            return Sensor.objects.create(
                county=county,
                code=code,
                name=name.strip()[:60],
                zone=zone,
                vehicle=vehicle,
                temperature_class=temperature_class,
                installed_at=installed_at,
            )
    except IntegrityError:
        raise Conflict(
            _("An active sensor of this county has the device code %(code)s.") % {"code": code},
            code="sensor_code_taken",
            field="code",
        ) from None


@transaction.atomic
def register_sensor(
    county: County,
    *,
    code: str,
    name: str = "",
    zone: HubZone | None = None,
    vehicle: Vehicle | None = None,
    temperature_class: str | None = None,
    installed_at: dt.datetime | None = None,
    actor: User,
) -> Sensor:
    """A new sensor in a zone or a vehicle; its readings are accepted from now on."""
    require(actor, "logistics.manage_sensors", county)
    code = _check_code(code)
    chosen = check_place(county, zone=zone, vehicle=vehicle, temperature_class=temperature_class)
    sensor = _create(county, code, name, zone, vehicle, chosen, installed_at or timezone.now())
    audit.record(
        actor,
        "logistics.sensor.registered",
        sensor,
        {
            "code": code,
            "zone": zone.code if zone else None,
            "vehicle": vehicle.plate if vehicle else None,
            "temperature_class": chosen,
        },
    )
    return sensor


@transaction.atomic
def change_sensor(sensor: Sensor, *, name: str, temperature_class: str, actor: User) -> Sensor:
    """Rename a sensor, or set the class a refrigerated van's sensor watches (a van runs
    chilled one day and frozen the next)."""
    require(actor, "logistics.manage_sensors", sensor.county)
    sensor = Sensor.objects.select_for_update().get(pk=sensor.pk)
    chosen = check_place(
        sensor.county, zone=sensor.zone, vehicle=sensor.vehicle, temperature_class=temperature_class
    )
    audit.save_changes(
        sensor,
        {"name": name.strip()[:60], "temperature_class": chosen},
        actor=actor,
        action="logistics.sensor.changed",
    )
    return sensor


def _close_open_alerts(sensor: Sensor, now: dt.datetime) -> None:
    from highland.logistics.services.coldchain.alerts import close_alerts_of_retired_sensor

    close_alerts_of_retired_sensor(sensor, now=now)


def _retire(sensor: Sensor, now: dt.datetime) -> Sensor:
    sensor = Sensor.objects.select_for_update().get(pk=sensor.pk)
    if not sensor.active:
        raise Conflict(_("This sensor is retired already."), code="sensor_retired")
    sensor.active = False
    sensor.retired_at = now
    sensor.save(update_fields=["active", "retired_at"])
    _close_open_alerts(sensor, now)
    return sensor


@transaction.atomic
def retire_sensor(sensor: Sensor, *, actor: User) -> Sensor:
    """Take a sensor out of service: later readings with its code are refused (or go to
    the sensor registered in its place), its open alerts close."""
    require(actor, "logistics.manage_sensors", sensor.county)
    sensor = _retire(sensor, timezone.now())
    audit.record(actor, "logistics.sensor.retired", sensor, {"code": sensor.code})
    return sensor


@dataclass(frozen=True)
class MovedSensor:
    retired: Sensor
    registered: Sensor


@transaction.atomic
def move_sensor(
    sensor: Sensor,
    *,
    zone: HubZone | None = None,
    vehicle: Vehicle | None = None,
    temperature_class: str | None = None,
    actor: User,
) -> MovedSensor:
    """Move a device to another place: its row is retired and the same code registered at
    the new place from now on, so readings so far stay with the old place."""
    require(actor, "logistics.manage_sensors", sensor.county)
    chosen = check_place(
        sensor.county, zone=zone, vehicle=vehicle, temperature_class=temperature_class
    )
    now = timezone.now()
    retired = _retire(sensor, now)
    registered = _create(sensor.county, retired.code, retired.name, zone, vehicle, chosen, now)
    audit.record(
        actor,
        "logistics.sensor.moved",
        registered,
        {
            "code": registered.code,
            "retired_sensor": retired.pk,
            "zone": zone.code if zone else None,
            "vehicle": vehicle.plate if vehicle else None,
            "temperature_class": chosen,
        },
    )
    return MovedSensor(retired, registered)


def _centi_from_celsius(value: float | None, field: str) -> int | None:
    if value is None:
        return None
    if not -60 <= value <= 70:
        raise ValidationFailed(_("A limit lies between −60 and 70 °C."), field=field)
    return round(value * 100)


@transaction.atomic
def set_excursion_rule(
    county: County,
    *,
    temperature_class: str,
    min_celsius: float | None,
    max_celsius: float | None,
    excursion_after_minutes: int,
    silent_after_minutes: int | None,
    activation_energy_j_per_mol: int | None = None,
    actor: User,
) -> ExcursionRule:
    """Set what a temperature class must keep to in the county (creating its rule)."""
    require(actor, "logistics.manage_sensors", county)
    if temperature_class not in TemperatureClass.values:
        raise ValidationFailed(_("Choose the temperature class."), field="temperature_class")
    low = _centi_from_celsius(min_celsius, "min_celsius")
    high = _centi_from_celsius(max_celsius, "max_celsius")
    if low is not None and high is not None and low >= high:
        raise ValidationFailed(
            _("The lowest allowed temperature must be below the highest."), field="max_celsius"
        )
    if not 1 <= excursion_after_minutes <= 24 * 60:
        raise ValidationFailed(
            _("An excursion is counted after 1 minute to 24 hours out of range."),
            field="excursion_after_minutes",
        )
    if silent_after_minutes is not None and not 5 <= silent_after_minutes <= 7 * 24 * 60:
        raise ValidationFailed(
            _("A sensor counts as silent after 5 minutes to 7 days without a reading."),
            field="silent_after_minutes",
        )
    energy = (
        activation_energy_j_per_mol
        or ExcursionRule._meta.get_field("activation_energy_j_per_mol").default
    )
    if not 10_000 <= energy <= 300_000:
        raise ValidationFailed(
            _("The activation energy lies between 10,000 and 300,000 J/mol."),
            field="activation_energy_j_per_mol",
        )
    values = {
        "min_centi_celsius": low,
        "max_centi_celsius": high,
        "excursion_after_minutes": excursion_after_minutes,
        "silent_after_minutes": silent_after_minutes,
        "activation_energy_j_per_mol": energy,
    }
    rule = (
        ExcursionRule.objects.select_for_update()
        .filter(county=county, temperature_class=temperature_class)
        .first()
    )
    if rule is None:
        rule = ExcursionRule.objects.create(
            county=county, temperature_class=temperature_class, **values
        )
        audit.record(
            actor,
            "logistics.excursion_rule.set",
            rule,
            {"temperature_class": temperature_class, **values},
        )
        return rule
    audit.save_changes(
        rule,
        values,
        actor=actor,
        action="logistics.excursion_rule.set",
        also_update=["updated_at"],
    )
    return rule
