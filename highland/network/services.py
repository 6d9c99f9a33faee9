"""Business actions on the service network."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import Conflict, ValidationFailed
from highland.core.hooks import Hook
from highland.core.models import County, Membership, Organisation, Role, User
from highland.core.pagecache import shop_changed
from highland.core.permissions import allowed, require, roles_of
from highland.core.phones import normalise_mobile
from highland.network.models import (
    ALTITUDE_RANGE_M,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    PARENT_TIER,
    Connectivity,
    OpeningHours,
    Resident,
    Service,
    ServicePoint,
    Tier,
)
from highland.network.selectors import likely_duplicate_villagers

# Fields a point's own agents may change; everything else is the centre's.
AGENT_EDITABLE_FIELDS = frozenset({"connectivity", "connectivity_stable", "services"})
# In the order forms show them.
EDITABLE_FIELDS: tuple[str, ...] = (
    "organisation",
    "name_zh",
    "name_bo",
    "name_en",
    "township_zh",
    "township_bo",
    "township_en",
    "village_zh",
    "village_bo",
    "village_en",
    "latitude",
    "longitude",
    "altitude_m",
    "connectivity",
    "connectivity_stable",
    "services",
)

# Other apps register "does this point still have open work?" checks here (orders
# awaiting pickup, parcels in transit ...). Each returns a reason or None.
OpenWorkCheck = Callable[[ServicePoint], "str | None"]
open_work_checks: Hook[OpenWorkCheck] = Hook("open work of a service point")


def register_open_work_check(check: OpenWorkCheck) -> OpenWorkCheck:
    """Add a check, keyed by where it is defined (registering it again changes nothing)."""
    return open_work_checks.register(f"{check.__module__}.{check.__qualname__}", check)


@register_open_work_check
def _active_children(point: ServicePoint) -> str | None:
    count = point.children.filter(active=True).count()
    if count:
        return _("%(count)d active points still depend on it; move or deactivate them first.") % {
            "count": count
        }
    return None


def require_active_point(point: ServicePoint) -> None:
    """Cash and parcels change hands only at a working point: an inactive one has no
    agent on duty and no cash box to reconcile."""
    if not point.active:
        raise ValidationFailed(
            _("%(point)s is not active; nothing can be collected or handed over there.")
            % {"point": point.name},
            code="point_inactive",
        )


@dataclass
class PointDetails:
    tier: str
    code: str
    name_zh: str
    name_bo: str
    name_en: str
    township_zh: str
    latitude: Decimal | str | float
    longitude: Decimal | str | float
    altitude_m: int
    parent: ServicePoint | None = None
    township_bo: str = ""
    township_en: str = ""
    village_zh: str = ""
    village_bo: str = ""
    village_en: str = ""
    connectivity: str = Connectivity.G4
    connectivity_stable: bool = True
    services: list[str] = field(default_factory=list)
    organisation: Organisation | None = None


def _as_coordinate(value: Any, field_name: str, bounds: tuple[Decimal, Decimal]) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as error:
        raise ValidationFailed(_("Enter a number in decimal degrees."), field=field_name) from error
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        raise ValidationFailed(
            _("This point lies outside China (allowed %(low)s to %(high)s).")
            % {"low": bounds[0], "high": bounds[1]},
            field=field_name,
        )
    return number


def _validated_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check editable fields; raise ValidationFailed listing every bad one."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name == "latitude":
                cleaned[name] = _as_coordinate(value, name, LATITUDE_RANGE)
            elif name == "longitude":
                cleaned[name] = _as_coordinate(value, name, LONGITUDE_RANGE)
            elif name == "altitude_m":
                if isinstance(value, bool) or not isinstance(value, int | str):
                    raise ValidationFailed(_("Enter the altitude in whole metres."), field=name)
                try:
                    altitude = int(value)
                except ValueError as error:
                    raise ValidationFailed(
                        _("Enter the altitude in whole metres."), field=name
                    ) from error
                if not ALTITUDE_RANGE_M[0] <= altitude <= ALTITUDE_RANGE_M[1]:
                    raise ValidationFailed(
                        _("Altitude must be between 0 and 6000 metres."), field=name
                    )
                cleaned[name] = altitude
            elif name == "connectivity":
                if value not in Connectivity.values:
                    raise ValidationFailed(_("Unknown connectivity."), field=name)
                cleaned[name] = value
            elif name == "connectivity_stable":
                cleaned[name] = bool(value)
            elif name == "services":
                unknown = [code for code in value if code not in Service.values]
                if unknown:
                    raise ValidationFailed(
                        _("Unknown services: %(codes)s.") % {"codes": ", ".join(map(str, unknown))},
                        field=name,
                    )
                # Keep the canonical order so equal sets compare equal.
                cleaned[name] = [code for code in Service.values if code in set(value)]
            elif name in {"name_zh", "name_bo", "name_en", "township_zh"}:
                text = str(value or "").strip()
                if not text:
                    raise ValidationFailed(_("This field is required."), field=name)
                cleaned[name] = text
            elif name == "organisation":
                cleaned[name] = value
            elif name in EDITABLE_FIELDS:
                cleaned[name] = str(value or "").strip()
            else:
                raise ValidationFailed(_("This field cannot be changed here."), field=name)
        except ValidationFailed as error:
            for field_name, messages in error.errors.items():
                errors.setdefault(field_name, []).extend(messages)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors=errors)
    return cleaned


def _check_parent(county: County, tier: str, parent: ServicePoint | None) -> None:
    if tier not in Tier.values:
        raise ValidationFailed(_("Unknown tier."), field="tier")
    wanted = PARENT_TIER[Tier(tier)]
    if wanted is None:
        if parent is not None:
            raise ValidationFailed(_("The county centre has no parent point."), field="parent")
        return
    if parent is None:
        raise ValidationFailed(_("Choose the point this one belongs to."), field="parent")
    if parent.county_id != county.pk:
        raise ValidationFailed(_("The parent point belongs to another county."), field="parent")
    if parent.tier != wanted:
        message = {
            Tier.TOWNSHIP_STATION: _("A township station belongs to the county centre."),
            Tier.VILLAGE_POINT: _("A village point belongs to a township station."),
        }[Tier(tier)]
        raise ValidationFailed(message, field="parent", code="bad_hierarchy")
    if not parent.active:
        raise ValidationFailed(_("The parent point is not active."), field="parent")


def _check_organisation(county: County, organisation: Organisation | None) -> None:
    if organisation is not None and organisation.county_id != county.pk:
        raise ValidationFailed(
            _("The organisation belongs to another county."), field="organisation"
        )


def _save_unique(point: ServicePoint, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            point.save(**kwargs)
    except IntegrityError as error:
        if (
            ServicePoint.objects.filter(county=point.county, code=point.code)
            .exclude(pk=point.pk)
            .exists()
        ):
            raise ValidationFailed(
                _("Another point already uses this code."), field="code"
            ) from error
        raise ValidationFailed(
            _("The county already has an active county centre."), field="tier"
        ) from error


def check_point(
    county: County, tier: str, parent: ServicePoint | None, fields: dict[str, Any]
) -> None:
    """Raise ValidationFailed if these details would be refused; changes nothing."""
    _validated_changes(fields)
    _check_parent(county, tier, parent)
    _check_organisation(county, fields.get("organisation"))


@transaction.atomic
def create_service_point(county: County, details: PointDetails, *, actor: User) -> ServicePoint:
    """Add a point to the county's network under a parent of the tier above."""
    require(actor, "network.add_point", county)
    if details.tier not in Tier.values:
        raise ValidationFailed(_("Unknown tier."), field="tier")
    code = details.code.strip().upper()
    if not code:
        raise ValidationFailed(_("This field is required."), field="code")
    fields = _validated_changes({name: getattr(details, name) for name in EDITABLE_FIELDS})
    _check_parent(county, details.tier, details.parent)
    _check_organisation(county, details.organisation)
    point = ServicePoint(
        county=county, tier=details.tier, code=code, parent=details.parent, **fields
    )
    _save_unique(point)
    audit.record(
        actor,
        "network.point.created",
        point,
        {
            "tier": point.tier,
            "code": point.code,
            "parent": details.parent.pk if details.parent else None,
        },
    )
    shop_changed(county)
    return point


@transaction.atomic
def update_service_point(
    point: ServicePoint, changes: dict[str, Any], *, actor: User
) -> ServicePoint:
    """Change a point's details; its own agents may change connectivity and services only."""
    require(actor, "network.change_point", point)
    if not allowed(actor, "network.manage_point", point):
        forbidden = set(changes) - AGENT_EDITABLE_FIELDS
        if forbidden:
            require(actor, "network.manage_point", point)
    cleaned = _validated_changes(changes)
    if "organisation" in cleaned:
        _check_organisation(point.county, cleaned["organisation"])
    audit.save_changes(
        point,
        cleaned,
        actor=actor,
        action="network.point.updated",
        also_update=["updated_at"],
        save=lambda **kwargs: _save_unique(point, **kwargs),
    )
    shop_changed(point.county)
    return point


@transaction.atomic
def move_service_point(
    point: ServicePoint, new_parent: ServicePoint, *, actor: User
) -> ServicePoint:
    """Hang a station or village point under another parent of the right tier."""
    require(actor, "network.manage_point", point)
    _check_parent(point.county, point.tier, new_parent)
    if new_parent.pk == point.parent_id:
        return point
    old_parent_id = point.parent_id
    point.parent = new_parent
    point.save(update_fields=["parent", "updated_at"])
    audit.record(actor, "network.point.moved", point, {"from": old_parent_id, "to": new_parent.pk})
    shop_changed(point.county)
    return point


@transaction.atomic
def deactivate_service_point(point: ServicePoint, *, actor: User) -> ServicePoint:
    """Take a point out of service; refused while it has open work."""
    require(actor, "network.manage_point", point)
    if not point.active:
        raise ValidationFailed(_("This point is already inactive."), code="already_inactive")
    # Lock the row so work cannot be attached between the check and the update.
    ServicePoint.objects.select_for_update().filter(pk=point.pk).first()
    reasons = [reason for check in open_work_checks.values() if (reason := check(point))]
    if reasons:
        raise ValidationFailed(
            _("This point still has open work: %(reasons)s") % {"reasons": " ".join(reasons)},
            code="open_work",
        )
    point.active = False
    point.save(update_fields=["active", "updated_at"])
    audit.record(actor, "network.point.deactivated", point, {})
    shop_changed(point.county)
    return point


@transaction.atomic
def reactivate_service_point(point: ServicePoint, *, actor: User) -> ServicePoint:
    require(actor, "network.manage_point", point)
    if point.active:
        raise ValidationFailed(_("This point is already active."), code="already_active")
    if point.parent is not None and not point.parent.active:
        raise ValidationFailed(_("The parent point is not active."), field="parent")
    point.active = True
    _save_unique(point, update_fields=["active", "updated_at"])
    audit.record(actor, "network.point.reactivated", point, {})
    shop_changed(point.county)
    return point


@transaction.atomic
def set_opening_hours(
    point: ServicePoint, periods: Iterable[tuple[int, dt.time, dt.time]], *, actor: User
) -> list[OpeningHours]:
    """Replace the weekly opening hours; periods on one day must not overlap."""
    require(actor, "network.change_point", point)
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in periods:
        if not 0 <= weekday <= 6:
            raise ValidationFailed(_("Weekday must be 0 (Monday) to 6 (Sunday)."), field="weekday")
        if closes <= opens:
            raise ValidationFailed(_("Closing time must be after opening time."), field="closes")
        by_day.setdefault(weekday, []).append((opens, closes))
    for day_periods in by_day.values():
        day_periods.sort()
        for (_opens, closes), (next_opens, _closes) in itertools.pairwise(day_periods):
            if next_opens < closes:
                raise ValidationFailed(_("Opening periods on one day overlap."), field="opens")
    point.opening_hours.all().delete()
    created = OpeningHours.objects.bulk_create(
        OpeningHours(point=point, weekday=day, opens=opens, closes=closes)
        for day, day_periods in sorted(by_day.items())
        for opens, closes in day_periods
    )
    audit.record(
        actor,
        "network.point.hours_set",
        point,
        {
            "periods": [
                [hours.weekday, f"{hours.opens:%H:%M}", f"{hours.closes:%H:%M}"]
                for hours in created
            ]
        },
    )
    return created


@transaction.atomic
def assign_agent(point: ServicePoint, agent: User, *, actor: User) -> ServicePoint:
    """Make `agent` (a station agent of the county) serve at `point`."""
    require(actor, "network.manage_point", point)
    if Role.STATION_AGENT not in roles_of(agent, point.county):
        raise ValidationFailed(
            _("This person is not a station agent of the county."), field="agent"
        )
    if point.agents.filter(pk=agent.pk).exists():
        return point
    point.agents.add(agent)
    audit.record(actor, "network.point.agent_assigned", point, {"agent": agent.pk})
    return point


@transaction.atomic
def remove_agent(point: ServicePoint, agent: User, *, actor: User) -> ServicePoint:
    require(actor, "network.manage_point", point)
    if not point.agents.filter(pk=agent.pk).exists():
        raise ValidationFailed(_("This person does not serve at this point."), field="agent")
    point.agents.remove(agent)
    audit.record(actor, "network.point.agent_removed", point, {"agent": agent.pk})
    return point


class DuplicateVillagers(Conflict):
    """The villager seems registered already; `duplicates` are the likely ones."""

    code = "likely_duplicate"

    def __init__(self, duplicates: list[Resident]) -> None:
        super().__init__(
            _(
                "This villager may be registered already: the same name and phone, or the "
                "same household. Use the existing person, or confirm to register anyway."
            ),
            field="confirm_duplicate",
        )
        self.duplicates = duplicates


@transaction.atomic
def register_villager(
    point: ServicePoint,
    *,
    actor: User,
    display_name: str,
    phone: str = "",
    household: str = "",
    confirm_duplicate: bool = False,
) -> Resident:
    """Register a villager at their point so an agent can order and sell for them.

    The person gets no usable password: the agent acts for them, and the audit trail
    shows it. A phone is optional; when given it must be a mainland mobile number.
    Someone with the same name and phone, or the same household, is probably already
    registered: that is a `DuplicateVillagers` (409) with them, unless `confirm_duplicate`.
    """
    require(actor, "network.register_villager", point)
    errors: dict[str, list[str]] = {}
    if not display_name.strip():
        errors["display_name"] = [_("Enter the villager's name.")]
    mobile = normalise_mobile(phone) if phone.strip() else ""
    if mobile is None:
        errors["phone"] = [
            _("Enter a mainland China mobile number: 11 digits starting with 13–19.")
        ]
    if point.tier == Tier.COUNTY_CENTRE or not point.active:
        errors["point"] = [_("Villagers are registered at an active station or village point.")]
    if errors:
        raise ValidationFailed(_("Please correct the villager's details."), errors=errors)
    duplicates = list(
        likely_duplicate_villagers(
            point.county, display_name=display_name, phone=phone, household=household
        )
    )
    if duplicates and not confirm_duplicate:
        raise DuplicateVillagers(duplicates)
    person = User(
        county=point.county,
        username=f"v{point.county.code}-{secrets.token_hex(4)}",
        display_name=display_name.strip(),
        phone=mobile or "",
    )
    person.set_unusable_password()
    person.save()
    Membership.objects.create(county=point.county, user=person, role=Role.BUYER)
    resident = Resident.objects.create(
        county=point.county,
        person=person,
        point=point,
        household=household.strip()[:80],
        registered_by=actor,
    )
    audit.record(
        actor,
        "network.villager.registered",
        resident,
        {
            "point": point.code,
            "has_phone": bool(phone),
            "confirmed_duplicate_of": [resident.person_id for resident in duplicates],
        },
        on_behalf_of=person,
    )
    return resident
