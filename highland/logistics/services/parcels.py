"""Making parcels: one per consignment, each with a new SSCC (highland/core/gs1.py)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.gs1 import next_sscc
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import Parcel, ParcelKind
from highland.logistics.temperature import WARMTH, TemperatureClass
from highland.network.models import ServicePoint

# Without measured dimensions a parcel's volume is estimated from its weight: farm produce
# packed in cartons runs at about 2 litres per kilogram (dried goods more, butter less).
MILLILITRES_PER_GRAM_ESTIMATE = 2
# The heaviest single parcel the hub handles (a tote of a village point's orders).
MAX_PARCEL_G = 500_000


def estimate_volume_ml(weight_g: int) -> int:
    return weight_g * MILLILITRES_PER_GRAM_ESTIMATE


def coldest(classes: list[str]) -> str:
    """The coldest of several temperature classes (ambient for none)."""
    return min(classes, key=WARMTH.__getitem__, default=TemperatureClass.AMBIENT)


def _check_size(weight_g: int, volume_ml: int) -> None:
    errors: dict[str, list[str]] = {}
    if not 0 < weight_g <= MAX_PARCEL_G:
        errors["weight_g"] = [
            _("A parcel weighs more than 0 g and at most %(max)d kg.")
            % {"max": MAX_PARCEL_G // 1000}
        ]
    if volume_ml < 0:
        errors["volume_ml"] = [_("A volume cannot be negative.")]
    if errors:
        raise ValidationFailed(_("Please correct the parcel's size."), errors=errors)


@transaction.atomic
def create_parcel(
    county: County,
    *,
    kind: str,
    weight_g: int,
    temperature_class: str,
    volume_ml: int | None = None,
    order_id: int | None = None,
    origin_point: ServicePoint | None = None,
    destination_point: ServicePoint | None = None,
    actor: User,
) -> Parcel:
    """A new parcel with a new SSCC, ready for its label."""
    require(actor, "logistics.create_parcel", county)
    if kind not in ParcelKind.values:
        raise ValidationFailed(_("Choose what kind of parcel this is."), field="kind")
    if temperature_class not in TemperatureClass.values:
        raise ValidationFailed(_("Choose the temperature class."), field="temperature_class")
    if kind == ParcelKind.ORDER and order_id is None:
        raise ValidationFailed(_("A packed order's parcel names its order."), field="order")
    for point in (origin_point, destination_point):
        if point is not None and point.county_id != county.pk:
            raise ValidationFailed(_("That point is in another county."), code="wrong_county")
    volume = estimate_volume_ml(weight_g) if volume_ml is None else volume_ml
    _check_size(weight_g, volume)
    parcel = Parcel.objects.create(
        county=county,
        sscc=next_sscc(county),
        kind=kind,
        order_id=order_id,
        origin_point=origin_point,
        destination_point=destination_point,
        weight_g=weight_g,
        volume_ml=volume,
        temperature_class=temperature_class,
        created_by=actor,
    )
    audit.record(
        actor,
        "logistics.parcel.created",
        parcel,
        {"sscc": parcel.sscc, "kind": kind, "weight_g": weight_g},
    )
    return parcel
