"""Permission-checked fetches for the cold chain: missing and not-yours are the same 404."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import County, User
from highland.core.permissions import allowed
from highland.logistics.models import ColdChainAlert, HubZone, Sensor, Vehicle


def cold_chain_county(user: User) -> County:
    """The person's county, if they may see its cold chain; NotFound otherwise."""
    county = home_county(user)
    if not allowed(user, "logistics.view_cold_chain", county):
        raise NotFound(_("No such page."))
    return county


def access_cold_alert(user: User, alert_id: int) -> ColdChainAlert:
    county = cold_chain_county(user)
    alert = (
        ColdChainAlert.objects.select_related(
            "county", "sensor__zone", "sensor__vehicle", "acknowledged_by"
        )
        .filter(pk=alert_id, county=county)
        .first()
    )
    if alert is None:
        raise NotFound(_("No such alert."))
    return alert


def access_sensor(user: User, sensor_id: int) -> Sensor:
    county = cold_chain_county(user)
    sensor = (
        Sensor.objects.select_related("zone", "vehicle").filter(pk=sensor_id, county=county).first()
    )
    if sensor is None:
        raise NotFound(_("No such sensor."))
    return sensor


def access_zone(user: User, zone_id: int) -> HubZone:
    zone = HubZone.objects.filter(pk=zone_id, county=cold_chain_county(user)).first()
    if zone is None:
        raise NotFound(_("No such zone."))
    return zone


def access_vehicle(user: User, vehicle_id: int) -> Vehicle:
    vehicle = Vehicle.objects.filter(pk=vehicle_id, county=cold_chain_county(user)).first()
    if vehicle is None:
        raise NotFound(_("No such vehicle."))
    return vehicle
