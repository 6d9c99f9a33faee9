"""The hub's layout: zones by temperature class and the locations within them.

A zone's class never changes once it holds a location (goods were put away by it);
a zone or location that holds goods cannot be closed until they are moved out.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import Conflict, ValidationFailed
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import (
    HubLocation,
    HubZone,
    LotPlacement,
    ParcelStatus,
    TrackingEvent,
    TrackingEventKind,
)
from highland.logistics.temperature import TemperatureClass

ZONE_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")
LOCATION_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")
NAME_LIMITS = {"name_zh": 120, "name_bo": 200, "name_en": 120}


def _code(raw: str, pattern: re.Pattern[str], field: str) -> str:
    code = raw.strip().upper()
    if not pattern.fullmatch(code):
        raise ValidationFailed(
            _("A code is 1 to 20 letters, digits or hyphens, starting with a letter or digit."),
            field=field,
            code="bad_code",
        )
    return code


def _names(name_zh: str, name_bo: str, name_en: str) -> dict[str, str]:
    names = {"name_zh": name_zh.strip(), "name_bo": name_bo.strip(), "name_en": name_en.strip()}
    errors: dict[str, list[str]] = {}
    if not names["name_zh"]:
        errors["name_zh"] = [_("Give the name in Chinese.")]
    for field, limit in NAME_LIMITS.items():
        if len(names[field]) > limit:
            errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    if errors:
        raise ValidationFailed(_("Please correct the zone's names."), errors=errors)
    return names


@transaction.atomic
def add_zone(
    county: County,
    *,
    code: str,
    temperature_class: str,
    name_zh: str,
    name_bo: str = "",
    name_en: str = "",
    actor: User,
) -> HubZone:
    """A new zone of the hub, kept at one temperature class."""
    require(actor, "logistics.run_hub", county)
    zone_code = _code(code, ZONE_CODE, "code")
    if temperature_class not in TemperatureClass.values:
        raise ValidationFailed(_("Choose the temperature class."), field="temperature_class")
    names = _names(name_zh, name_bo, name_en)
    try:
        with transaction.atomic():
            zone = HubZone.objects.create(
                county=county, code=zone_code, temperature_class=temperature_class, **names
            )
    except IntegrityError:
        raise ValidationFailed(
            _("Zone %(code)s already exists.") % {"code": zone_code},
            field="code",
            code="duplicate_code",
        ) from None
    audit.record(
        actor,
        "logistics.zone.added",
        zone,
        {"code": zone_code, "temperature_class": temperature_class, **names},
    )
    return zone


@transaction.atomic
def rename_zone(
    zone: HubZone, *, name_zh: str, name_bo: str = "", name_en: str = "", actor: User
) -> HubZone:
    """Change a zone's names (its code and class stay: labels and goods refer to them)."""
    require(actor, "logistics.run_hub", zone.county)
    names = _names(name_zh, name_bo, name_en)
    changes = {
        field: {"from": getattr(zone, field), "to": value}
        for field, value in names.items()
        if getattr(zone, field) != value
    }
    if not changes:
        return zone
    for field, value in names.items():
        setattr(zone, field, value)
    zone.save(update_fields=list(changes))
    audit.record(actor, "logistics.zone.renamed", zone, changes)
    return zone


@transaction.atomic
def add_location(zone: HubZone, *, code: str, actor: User) -> HubLocation:
    """A new location (shelf, bay, floor space) in an open zone; codes are unique in the
    county, so a location is found by its code alone."""
    require(actor, "logistics.run_hub", zone.county)
    zone = HubZone.objects.select_for_update().get(pk=zone.pk)
    if not zone.active:
        raise ValidationFailed(
            _("Zone %(zone)s is closed; open it before adding locations.") % {"zone": zone.code},
            code="zone_closed",
        )
    location_code = _code(code, LOCATION_CODE, "code")
    try:
        with transaction.atomic():
            location = HubLocation.objects.create(
                county_id=zone.county_id, zone=zone, code=location_code
            )
    except IntegrityError:
        raise ValidationFailed(
            _("Location %(code)s already exists.") % {"code": location_code},
            field="code",
            code="duplicate_code",
        ) from None
    audit.record(
        actor, "logistics.location.added", location, {"code": location_code, "zone": zone.code}
    )
    return location


def _holding(locations: list[HubLocation]) -> str | None:
    """The code of the first of these locations that holds goods (a lot's placement, or a
    parcel whose latest event put it away there), or None."""
    lots_at = LotPlacement.objects.filter(location__in=locations, quantity__gt=0).values_list(
        "location__code", flat=True
    )
    parcels_at = TrackingEvent.objects.filter(
        location__in=locations,
        kind=TrackingEventKind.PUT_AWAY,
        parcel__status=ParcelStatus.PUT_AWAY,
        occurred_at=F("parcel__status_at"),
    ).values_list("location__code", flat=True)
    codes = [
        code
        for code in (
            lots_at.order_by("location__code").first(),
            parcels_at.order_by("location__code").first(),
        )
        if code
    ]
    return min(codes) if codes else None


@transaction.atomic
def deactivate_location(location: HubLocation, *, actor: User) -> HubLocation:
    """Close a location: nothing more is put away there. Refused while it holds goods."""
    require(actor, "logistics.run_hub", location.county)
    # Put-away locks the location it fills: closing waits for it, and it for closing.
    location = HubLocation.objects.select_for_update().get(pk=location.pk)
    if not location.active:
        return location
    if _holding([location]) is not None:
        raise Conflict(
            _("Location %(code)s still holds goods; move them out first.")
            % {"code": location.code},
            code="location_not_empty",
        )
    location.active = False
    location.save(update_fields=["active"])
    audit.record(actor, "logistics.location.deactivated", location, {"code": location.code})
    return location


@transaction.atomic
def reactivate_location(location: HubLocation, *, actor: User) -> HubLocation:
    """Open a closed location again (its zone must be open)."""
    require(actor, "logistics.run_hub", location.county)
    location = HubLocation.objects.select_for_update().select_related("zone").get(pk=location.pk)
    if location.active:
        return location
    if not location.zone.active:
        raise ValidationFailed(
            _("Zone %(zone)s is closed; open it first.") % {"zone": location.zone.code},
            code="zone_closed",
        )
    location.active = True
    location.save(update_fields=["active"])
    audit.record(actor, "logistics.location.reactivated", location, {"code": location.code})
    return location


@transaction.atomic
def deactivate_zone(zone: HubZone, *, actor: User) -> HubZone:
    """Close a zone and all its locations. Refused while any of them holds goods."""
    require(actor, "logistics.run_hub", zone.county)
    zone = HubZone.objects.select_for_update().get(pk=zone.pk)
    if not zone.active:
        return zone
    locations = list(
        HubLocation.objects.select_for_update().filter(zone=zone, active=True).order_by("pk")
    )
    holding = _holding(locations)
    if holding is not None:
        raise Conflict(
            _("Zone %(zone)s still holds goods at %(location)s; move them out first.")
            % {"zone": zone.code, "location": holding},
            code="location_not_empty",
        )
    HubLocation.objects.filter(pk__in=[location.pk for location in locations]).update(active=False)
    zone.active = False
    zone.save(update_fields=["active"])
    audit.record(
        actor,
        "logistics.zone.deactivated",
        zone,
        {"code": zone.code, "locations": [location.code for location in locations]},
    )
    return zone


@transaction.atomic
def reactivate_zone(zone: HubZone, *, actor: User) -> HubZone:
    """Open a closed zone again; its locations stay closed until opened one by one."""
    require(actor, "logistics.run_hub", zone.county)
    zone = HubZone.objects.select_for_update().get(pk=zone.pk)
    if zone.active:
        return zone
    zone.active = True
    zone.save(update_fields=["active"])
    audit.record(actor, "logistics.zone.reactivated", zone, {"code": zone.code})
    return zone
