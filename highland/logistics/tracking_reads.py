"""Reads for tracking: the public history of a parcel (no personal data), a parcel's full
history for the people who handle it, the parcels of an agent's points, and the places a
device names by code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from highland.core import throttling
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.gs1 import normalise_sscc, validate_sscc
from highland.core.models import County, User
from highland.logistics.models import (
    BusLine,
    HubLocation,
    Parcel,
    ParcelKind,
    ParcelStatus,
    TrackingEvent,
    TrackingEventKind,
    Vehicle,
)
from highland.network.models import ServicePoint
from highland.orders.models import Order

PUBLIC_LOOKUP_SCOPE = "logistics.track"
# An order number: the county code's last four digits, the day, ten random digits.
ORDER_NUMBER = re.compile(r"[0-9]{20}")
MAX_PUBLIC_PARCELS = 10
# Parcels waiting at a point or on their way there, on the agent's list.
MAX_POINT_PARCELS = 200
DONE_STATUSES = (ParcelStatus.PICKED_UP, ParcelStatus.RETURNED)
HUB_KINDS = frozenset(
    {
        TrackingEventKind.RECEIVED_AT_HUB,
        TrackingEventKind.SORTED,
        TrackingEventKind.PUT_AWAY,
        TrackingEventKind.PICKED,
        TrackingEventKind.PACKED,
        TrackingEventKind.RETURNED,
    }
)


class TooManyLookups(DomainError):
    status_code = 429
    code = "throttled"


# --- places named by code -----------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    location: HubLocation | None = None
    vehicle: Vehicle | None = None
    bus_line: BusLine | None = None
    point: ServicePoint | None = None


def places_by_code(
    county: County,
    *,
    location_code: str = "",
    vehicle_plate: str = "",
    bus_line_code: str = "",
    point_code: str = "",
) -> Places:
    """The county's hub location, vehicle, bus line and point a device named; a code that
    names none is refused with its field."""
    errors: dict[str, list[str]] = {}
    location = vehicle = bus_line = point = None
    if location_code.strip():
        location = (
            HubLocation.objects.select_related("zone")
            .filter(county=county, code=location_code.strip().upper())
            .first()
        )
        if location is None:
            errors["location_code"] = [_("No hub location has this code.")]
    if vehicle_plate.strip():
        vehicle = Vehicle.objects.filter(county=county, plate=vehicle_plate.strip()).first()
        if vehicle is None:
            errors["vehicle_plate"] = [_("No vehicle has this number plate.")]
    if bus_line_code.strip():
        bus_line = BusLine.objects.filter(county=county, code=bus_line_code.strip()).first()
        if bus_line is None:
            errors["bus_line_code"] = [_("No bus line has this code.")]
    if point_code.strip():
        point = ServicePoint.objects.filter(county=county, code=point_code.strip()).first()
        if point is None:
            errors["point_code"] = [_("No service point has this code.")]
    if errors:
        raise ValidationFailed(
            _("Please correct the codes of the places."), code="unknown_place", errors=errors
        )
    return Places(location=location, vehicle=vehicle, bus_line=bus_line, point=point)


# --- where an event happened, in the reader's language --------------------------------------


def place_of(event: TrackingEvent, *, public: bool = False) -> str:
    """Where the event happened: the point, the bus line, the vehicle or the hub's zone.
    `public` leaves out what only staff need (a location's shelf, a vehicle's plate)."""
    if event.point is not None:
        return event.point.name
    if event.bus_line is not None:
        return event.bus_line.name
    if event.vehicle is not None:
        return _("County delivery van") if public else str(event.vehicle)
    if event.location is not None:
        if public:
            return _("County hub, %(zone)s") % {"zone": event.location.zone.name}
        return _("County hub, %(zone)s, %(location)s") % {
            "zone": event.location.zone.name,
            "location": event.location.code,
        }
    if event.kind in HUB_KINDS:
        return _("County hub")
    return ""


def events_with_places() -> QuerySet[TrackingEvent]:
    return TrackingEvent.objects.select_related(
        "point", "bus_line", "vehicle", "location__zone"
    ).order_by("occurred_at", "pk")


# --- the public page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    label: str
    occurred_at: object
    place: str


@dataclass(frozen=True)
class PublicParcel:
    sscc: str
    status: str
    status_at: object
    destination: str
    steps: list[PublicStep]


def public_parcel(parcel: Parcel, events: list[TrackingEvent]) -> PublicParcel:
    """What anyone with the number may see: what happened where and when. Never the
    pickup code, the order's buyer or recipient, reasons typed by staff, or who did it."""
    steps = [
        PublicStep(event.get_kind_display(), event.occurred_at, place_of(event, public=True))
        for event in events
    ]
    destination = parcel.destination_point.name if parcel.destination_point else ""
    return PublicParcel(
        parcel.sscc, parcel.get_status_display(), parcel.status_at, destination, steps
    )


def _public_parcels(parcels: QuerySet[Parcel]) -> list[PublicParcel]:
    chosen = list(
        parcels.select_related("destination_point")
        .prefetch_related(Prefetch("events", queryset=events_with_places()))
        .order_by("pk")[:MAX_PUBLIC_PARCELS]
    )
    return [public_parcel(parcel, list(parcel.events.all())) for parcel in chosen]


def look_up_tracking(request: HttpRequest, typed: str) -> list[PublicParcel]:
    """The parcels of an SSCC or an order number typed by anyone, in any county (SSCCs are
    unique worldwide, order numbers in the whole system).

    A malformed SSCC raises its specific ValidationFailed (a typo, not a guess). An
    unknown number counts as a wrong guess of the address (core.throttling) and raises
    NotFound; past the limit, TooManyLookups (429) until the lockout time has passed.
    """
    if throttling.lookups_refused(request, PUBLIC_LOOKUP_SCOPE):
        raise TooManyLookups(
            _("Too many unknown numbers from here. Try again in %(minutes)d minutes.")
            % {"minutes": throttling.lockout_minutes()}
        )
    text = typed.strip()
    compact = re.sub(r"[\s-]", "", text)
    order_number = bool(ORDER_NUMBER.fullmatch(compact)) and not compact.startswith("00")
    if order_number:
        parcels = Parcel.objects.filter(order__number=compact, kind=ParcelKind.ORDER)
    else:
        parcels = Parcel.objects.filter(sscc=validate_sscc(text))
    found = _public_parcels(parcels)
    if not found and order_number and Order.objects.filter(number=compact).exists():
        # A real order (its number is ten random digits: no guess) not labelled yet.
        raise NotFound(_("This order has no parcel label yet. Look again once it has been packed."))
    if not found:
        throttling.record_failed_lookup(request, PUBLIC_LOOKUP_SCOPE)
        raise NotFound(
            _("No parcel has this number. Check the SSCC on the label or your order number.")
        )
    return found


# --- staff -------------------------------------------------------------------------------------


def parcel_events(parcel: Parcel) -> list[TrackingEvent]:
    """The parcel's events in the order they happened, with their places and people."""
    return list(
        events_with_places().filter(parcel=parcel).select_related("actor", "via_tote_event__parcel")
    )


def parcels_for_points(user: User, county: County) -> QuerySet[Parcel]:
    """Parcels on their way to or waiting at the points `user` serves (and the village
    points under their stations), not yet picked up or returned."""
    points = user.service_points.filter(county=county).values("pk")
    return (
        Parcel.objects.filter(county=county)
        .filter(Q(destination_point__in=points) | Q(destination_point__parent__in=points))
        .exclude(status__in=DONE_STATUSES)
        .exclude(kind=ParcelKind.COLLECTION)
        .select_related("destination_point", "order", "tote")
        .order_by("destination_point__code", "-status_at", "pk")
    )


def sscc_of(text: str) -> str:
    """The typed SSCC's digits (the check refused with its message)."""
    return validate_sscc(normalise_sscc(text))
