"""The county's vehicles: added and changed by the dispatcher (or the centre)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, Organisation, OrganisationType, Role, User
from highland.core.permissions import require, roles_of
from highland.logistics.models import Vehicle

MAX_CAPACITY_G = 50_000_000  # 50 t
MAX_CAPACITY_ML = 200_000_000  # 200 m³
MAX_SHIFT_MINUTES = 16 * 60
MAX_UNIT_COST_FEN = 1_000_000  # ¥10,000 a km or an hour


@dataclass(frozen=True)
class VehicleDetails:
    """What the vehicles page edits."""

    plate: str
    name: str
    carrier: Organisation
    capacity_g: int
    capacity_ml: int
    refrigerated: bool
    shift_minutes: int
    cost_per_km_fen: int
    cost_per_hour_fen: int
    driver: User | None
    active: bool = True


def _checked(county: County, details: VehicleDetails) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    plate = details.plate.strip().upper()
    if not 2 <= len(plate) <= 12:
        errors["plate"] = [_("A number plate has 2 to 12 characters.")]
    if not 0 < details.capacity_g <= MAX_CAPACITY_G:
        errors["capacity_g"] = [_("The load capacity is more than 0 and at most 50 t.")]
    if not 0 < details.capacity_ml <= MAX_CAPACITY_ML:
        errors["capacity_ml"] = [_("The load volume is more than 0 and at most 200 m³.")]
    if not 60 <= details.shift_minutes <= MAX_SHIFT_MINUTES:
        errors["shift_minutes"] = [_("A shift lasts from 1 to 16 hours.")]
    for field in ("cost_per_km_fen", "cost_per_hour_fen"):
        if not 0 <= getattr(details, field) <= MAX_UNIT_COST_FEN:
            errors[field] = [_("A cost is between ¥0 and ¥10,000.")]
    carrier = details.carrier
    if carrier.county_id != county.pk or carrier.type != OrganisationType.CARRIER:
        errors["carrier"] = [_("Choose a carrier of this county.")]
    driver = details.driver
    if driver is not None and Role.DRIVER not in roles_of(driver, county):
        errors["driver"] = [_("The driver must be a person with the driver role in this county.")]
    if errors:
        raise ValidationFailed(_("Please correct the vehicle."), errors=errors)
    cleaned = asdict(details)
    cleaned["plate"] = plate
    cleaned["name"] = details.name.strip()[:60]
    cleaned["carrier"] = carrier
    cleaned["driver"] = driver
    return cleaned


def _plate_taken(plate: str) -> ValidationFailed:
    return ValidationFailed(
        _("The county has a vehicle with plate %(plate)s already.") % {"plate": plate},
        code="plate_taken",
        field="plate",
    )


@transaction.atomic
def add_vehicle(county: County, details: VehicleDetails, *, actor: User) -> Vehicle:
    require(actor, "logistics.manage_fleet", county)
    cleaned = _checked(county, details)
    if Vehicle.objects.filter(county=county, plate=cleaned["plate"]).exists():
        raise _plate_taken(str(cleaned["plate"]))
    vehicle = Vehicle.objects.create(county=county, **cleaned)
    audit.record(
        actor,
        "logistics.vehicle.added",
        vehicle,
        {
            "plate": vehicle.plate,
            "capacity_g": vehicle.capacity_g,
            "refrigerated": vehicle.refrigerated,
        },
    )
    return vehicle


@transaction.atomic
def change_vehicle(vehicle: Vehicle, details: VehicleDetails, *, actor: User) -> Vehicle:
    require(actor, "logistics.manage_fleet", vehicle)
    locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    cleaned = _checked(locked.county, details)

    def save(**kwargs: object) -> None:
        try:
            with transaction.atomic():
                locked.save(**kwargs)  # type: ignore[arg-type]
        except IntegrityError as error:
            raise _plate_taken(str(cleaned["plate"])) from error

    audit.save_changes(locked, cleaned, actor=actor, action="logistics.vehicle.changed", save=save)
    return locked
