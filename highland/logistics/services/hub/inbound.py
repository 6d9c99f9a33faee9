"""Goods coming into the hub: parcels (a collection of produce from a village point, a
seller's packed parcel) received and put away, and a seller's goods received into a new
stock lot and put away at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import LotOrigin, Sku, StockLot
from highland.catalog.services import receive_stock_lot
from highland.core import idempotency
from highland.core.errors import NotFound, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import require
from highland.logistics.models import HubLocation, LotMovement, Parcel, ParcelKind, ParcelStatus
from highland.logistics.services.hub.stock import CLASS_NAMES, MovedLot, put_away
from highland.logistics.services.tracking import RecordedEvent, record_tracking_event
from highland.logistics.temperature import may_hold

GOODS_SCOPE = "logistics.hub_goods_received"


@dataclass(frozen=True)
class ReceivedParcel:
    """The parcel's "received at hub" event, and its "put away" event when a location was
    given (each `created=False` when a retry found it recorded)."""

    received: RecordedEvent
    put_away: RecordedEvent | None


def check_parcel_fits(parcel: Parcel, location: HubLocation) -> None:
    """Refuse a location too warm for the parcel, closed, or of another county."""
    if location.county_id != parcel.county_id:
        raise NotFound(_("No such location."), field="location")
    zone = location.zone
    if not location.active or not zone.active:
        raise ValidationFailed(
            _("Location %(location)s is closed; choose another.") % {"location": location.code},
            field="location",
            code="location_closed",
        )
    if not may_hold(zone.temperature_class, parcel.temperature_class):
        raise ValidationFailed(
            _(
                "Parcel %(sscc)s is %(goods_class)s and location %(location)s is in zone "
                "%(zone)s, which is %(place_class)s: too warm for it. Choose a colder location."
            )
            % {
                "sscc": parcel.sscc,
                "goods_class": CLASS_NAMES[parcel.temperature_class],
                "location": location.code,
                "zone": zone.code,
                "place_class": CLASS_NAMES[zone.temperature_class],
            },
            field="location",
            code="too_warm",
        )


def _derived_key(key: str, step: str) -> str:
    """The key of a second event of one receiving, fixed by the device's key."""
    return f"hub-{step}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


@transaction.atomic
def receive_parcel_at_hub(
    parcel: Parcel,
    *,
    idempotency_key: str,
    actor: User,
    location: HubLocation | None = None,
    occurred_at: dt.datetime | None = None,
) -> ReceivedParcel:
    """A parcel arrives at the hub (a collection from a village point, or a seller's
    parcel): "received at hub", then "put away" at `location` if given, which must be cold
    enough. Repeating it with the same key records nothing twice."""
    require(actor, "logistics.run_hub", parcel.county)
    if parcel.kind == ParcelKind.TOTE:
        raise ValidationFailed(
            _("A tote is made at the hub; receive the parcels it carries instead."),
            code="tote_not_received",
        )
    if location is not None:
        location = HubLocation.objects.select_related("zone").filter(pk=location.pk).first()
        if location is None:
            raise NotFound(_("No such location."), field="location")
        check_parcel_fits(parcel, location)
    when = occurred_at or timezone.now()
    received = record_tracking_event(
        parcel,
        kind=ParcelStatus.RECEIVED_AT_HUB,
        occurred_at=when,
        idempotency_key=idempotency_key,
        actor=actor,
    )
    stored: RecordedEvent | None = None
    if location is not None:
        stored = record_tracking_event(
            parcel,
            kind=ParcelStatus.PUT_AWAY,
            occurred_at=when,
            idempotency_key=_derived_key(idempotency_key, "put-away"),
            actor=actor,
            location=location,
        )
    return ReceivedParcel(received=received, put_away=stored)


@transaction.atomic
def receive_goods_at_hub(
    sku: Sku,
    *,
    quantity: int,
    location: HubLocation,
    actor: User,
    best_before: dt.date | None = None,
    idempotent_request: IdempotentRequest | None = None,
) -> MovedLot:
    """A seller brings goods to the hub: a new stock lot of `sku` (on sale at once, ADR
    0010) put away whole at `location`. A location too warm refuses the whole receipt."""
    require(actor, "logistics.run_hub", sku.county)
    claim = None
    if idempotent_request is not None:
        claim = idempotency.claim(
            GOODS_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return MovedLot(claim.stored_object(LotMovement), created=False)
    if location.county_id != sku.county_id:
        raise NotFound(_("No such location."), field="location")
    lot: StockLot = receive_stock_lot(
        sku, quantity, actor=actor, origin=LotOrigin.SELLER, best_before=best_before
    )
    moved = put_away(lot, location=location, quantity=lot.on_hand, actor=actor)
    if claim is not None:
        claim.complete(obj=moved.movement)
    return moved
