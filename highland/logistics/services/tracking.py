"""Tracking events: what happened to a parcel, where and when, as a device recorded it.

Devices (drivers' and agents' phones, the hub's scanners) record events offline and send
them later, retried and in any order, so (ADR 0013):

- every event carries the device's idempotency key, unique in the county: the same key
  with the same content gives back the stored event (`created=False`); with other content
  it is a 409. A concurrent twin loses the race on the unique constraint and replays;
- `occurred_at` is the device's time, checked (aware, not ahead of the server by more than
  CLOCK_SKEW, not before the parcel's label by more than BEFORE_PARCEL_MARGIN);
- the parcel's status is the kind of its latest event by `occurred_at` (ties by the
  lifecycle order of kinds, then arrival), so an old event arriving late changes nothing;
- an order's parcel moves its order through the order services (shipped when it is
  loaded or handed to a bus, delivered when picked up), forward only and once; when the
  order cannot move (cancelled, not packed) the event is kept and says why;
- a tote's loaded / handed-to-bus / arrived events are recorded for the parcels inside it
  too, each with a key derived from the tote event's, so a retry stays idempotent.

Locks: the parcel row first, then (through the order services) the payment and the order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from highland.catalog.services.photos import make_thumbnail
from highland.core import audit, events
from highland.core.errors import Conflict, DomainError, ValidationFailed
from highland.core.idempotency import KEY_PATTERN, fingerprint
from highland.core.models import User
from highland.core.permissions import require
from highland.logistics.models import (
    BusLine,
    HubLocation,
    Parcel,
    ParcelKind,
    TrackingEvent,
    TrackingEventKind,
    Vehicle,
)
from highland.network.models import ServicePoint
from highland.orders.fulfilment import ship_with_county_delivery
from highland.orders.models import Delivery, Order, OrderStatus
from highland.orders.services import advance_order, record_pickup

Kind = TrackingEventKind

# A device's clock and the server's may differ a little; an event further ahead is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Nothing happens to a parcel before its label is printed; a device's clock running a
# little behind the server's may still date its first scan slightly earlier.
BEFORE_PARCEL_MARGIN = dt.timedelta(minutes=30)
MAX_TEXT = 200
MAX_PHOTO_BYTES = 8 * 1024 * 1024
EVENT_RECORDED = "logistics.tracking_event.recorded"

# The lifecycle order of kinds: two events at the same instant count in this order, so
# the parcel's status does not depend on which one reached the server first.
KIND_ORDER: tuple[str, ...] = (
    Kind.COLLECTED,
    Kind.RECEIVED_AT_HUB,
    Kind.SORTED,
    Kind.PUT_AWAY,
    Kind.PICKED,
    Kind.PACKED,
    Kind.LOADED,
    Kind.HANDED_TO_BUS,
    Kind.ARRIVED_AT_POINT,
    Kind.DELIVERY_FAILED,
    Kind.RETURNED,
    Kind.PICKED_UP,
)
KIND_RANK = {str(kind): rank for rank, kind in enumerate(KIND_ORDER)}
NEEDS_LOCATION = frozenset({Kind.PUT_AWAY, Kind.PICKED, Kind.SORTED})
NEEDS_POINT = frozenset({Kind.ARRIVED_AT_POINT, Kind.PICKED_UP})
# What a tote's event says about every parcel inside it.
PASSED_TO_TOTE_CONTENTS = frozenset({Kind.LOADED, Kind.HANDED_TO_BUS, Kind.ARRIVED_AT_POINT})
# Events that mean the order's parcel has left on the county's own delivery.
SHIPS_ORDER = frozenset({Kind.LOADED, Kind.HANDED_TO_BUS, Kind.ARRIVED_AT_POINT, Kind.PICKED_UP})
# How far along an order is, for "forward only": statuses missing here cannot be moved by
# a tracking event (not yet packed, cancelled).
ORDER_PROGRESS = {
    OrderStatus.PACKED: 0,
    OrderStatus.SHIPPED: 1,
    OrderStatus.DELIVERED: 2,
    OrderStatus.COMPLETED: 3,
}


@dataclass(frozen=True)
class RecordedEvent:
    """The stored event, and whether this call stored it (False: a retry replayed)."""

    event: TrackingEvent
    created: bool


@dataclass(frozen=True)
class _Photo:
    webp: bytes
    digest: str


def event_order_key(kind: str, occurred_at: dt.datetime) -> tuple[dt.datetime, int]:
    """Where an event stands in its parcel's history (ties between equal keys: by id)."""
    return occurred_at, KIND_RANK[kind]


def record_tracking_event(
    parcel: Parcel,
    *,
    kind: str,
    occurred_at: dt.datetime,
    idempotency_key: str,
    actor: User,
    location: HubLocation | None = None,
    vehicle: Vehicle | None = None,
    bus_line: BusLine | None = None,
    point: ServicePoint | None = None,
    reason: str = "",
    note: str = "",
    pickup_code: str = "",
    photo: UploadedFile | None = None,
) -> RecordedEvent:
    """Record what happened to `parcel`, once per idempotency key (see the module).

    Raises PermissionDenied, ValidationFailed (bad time, missing place or proof, wrong
    pickup code: nothing is stored) or Conflict (the key was used for another event).
    """
    require(actor, "logistics.record_tracking_event", parcel)
    _check_key(idempotency_key)
    reason, note, pickup_code = reason.strip(), note.strip(), pickup_code.strip()
    proof_photo = _read_photo(photo) if photo is not None else None
    request = _fingerprint(
        parcel,
        kind=kind,
        occurred_at=occurred_at,
        location=location,
        vehicle=vehicle,
        bus_line=bus_line,
        point=point,
        reason=reason,
        note=note,
        pickup_code=pickup_code,
        photo_digest=proof_photo.digest if proof_photo else "",
    )
    with _stored_files() as stored, transaction.atomic():
        recorded = _record(
            parcel,
            kind=kind,
            occurred_at=occurred_at,
            key=idempotency_key,
            request=request,
            actor=actor,
            location=location,
            vehicle=vehicle,
            bus_line=bus_line,
            point=point,
            reason=reason,
            note=note,
            pickup_code=pickup_code,
            photo=proof_photo,
            stored=stored,
        )
        if recorded.created:
            event = recorded.event
            contents = (
                list(event.content_events.values_list("parcel__sscc", flat=True))
                if event.parcel.kind == ParcelKind.TOTE
                else []
            )
            audit.record(
                actor,
                "logistics.parcel.event_recorded",
                event.parcel,
                {
                    "event_kind": event.kind,
                    "occurred_at": event.occurred_at.isoformat(),
                    "idempotency_key": event.idempotency_key,
                    "status": event.parcel.status,
                    **({"contents": contents} if contents else {}),
                    **({"order_status": event.order_status} if event.order_status else {}),
                    **({"order_held": event.order_held_code} if event.order_held_code else {}),
                },
            )
        return recorded


# --- the recording itself ---------------------------------------------------------------------


def _record(
    parcel: Parcel,
    *,
    kind: str,
    occurred_at: dt.datetime,
    key: str,
    request: str,
    actor: User,
    location: HubLocation | None,
    vehicle: Vehicle | None,
    bus_line: BusLine | None,
    point: ServicePoint | None,
    reason: str,
    note: str,
    pickup_code: str,
    photo: _Photo | None,
    stored: list[str],
    via_tote_event: TrackingEvent | None = None,
) -> RecordedEvent:
    """Call inside the action's transaction, after the permission check on `parcel`."""
    # One event of a parcel at a time: its status is read and written under this lock.
    parcel = (
        Parcel.objects.select_for_update(of=("self",))
        .select_related("county", "order", "destination_point", "origin_point")
        .get(pk=parcel.pk)
    )
    existing = TrackingEvent.objects.filter(county_id=parcel.county_id, idempotency_key=key).first()
    if existing is not None:
        return _replay(existing, request)
    _check_event(
        parcel,
        kind=kind,
        occurred_at=occurred_at,
        location=location,
        vehicle=vehicle,
        bus_line=bus_line,
        point=point,
        reason=reason,
        note=note,
        pickup_code=pickup_code,
        has_photo=photo is not None,
    )
    event = TrackingEvent(
        county=parcel.county,
        parcel=parcel,
        kind=kind,
        occurred_at=occurred_at,
        idempotency_key=key,
        fingerprint=request,
        actor=actor,
        location=location,
        vehicle=vehicle,
        bus_line=bus_line,
        point=point,
        reason=reason,
        note=note,
        pickup_code_checked=bool(pickup_code),
        via_tote_event=via_tote_event,
    )
    if photo is not None:
        event.photo.save(f"{secrets.token_hex(12)}.webp", ContentFile(photo.webp), save=False)
        stored.append(event.photo.name)
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        # The same key in flight on another connection, committed while this one waited.
        if event.photo.name in stored:
            stored.remove(event.photo.name)
            event.photo.storage.delete(event.photo.name)
        existing = TrackingEvent.objects.get(county_id=parcel.county_id, idempotency_key=key)
        return _replay(existing, request)
    _project_status(parcel, event)
    if parcel.order_id is not None:
        _move_order(parcel, event, actor=actor, pickup_code=pickup_code)
    if parcel.kind == ParcelKind.TOTE and kind in PASSED_TO_TOTE_CONTENTS:
        _record_for_contents(parcel, event, actor=actor, stored=stored)
    events.emit(
        EVENT_RECORDED,
        event_payload(event),
        county=parcel.county,
        key=f"{EVENT_RECORDED}:{event.pk}",
    )
    return RecordedEvent(event=event, created=True)


def _replay(existing: TrackingEvent, request: str) -> RecordedEvent:
    if existing.fingerprint != request:
        raise Conflict(
            _(
                "This event's key was already used for a different event; a new event "
                "needs a new key."
            ),
            code="idempotency_key_reused",
            field="idempotency_key",
        )
    return RecordedEvent(event=existing, created=False)


def _project_status(parcel: Parcel, event: TrackingEvent) -> None:
    """The parcel's status is its latest event's kind: the new event takes over only if it
    is not earlier than the one that set the status (adding an event can only raise the
    maximum, so comparing with the current one is enough)."""
    if parcel.status_at is not None and parcel.status in KIND_RANK:
        current = event_order_key(parcel.status, parcel.status_at)
        if event_order_key(event.kind, event.occurred_at) < current:
            return
    parcel.status = event.kind
    parcel.status_at = event.occurred_at
    parcel.save(update_fields=["status", "status_at"])


def _record_for_contents(
    tote: Parcel, tote_event: TrackingEvent, *, actor: User, stored: list[str]
) -> None:
    for content in Parcel.objects.filter(tote=tote).order_by("pk"):
        require(actor, "logistics.record_tracking_event", content)
        key = derived_key(tote_event.idempotency_key, content.sscc)
        _record(
            content,
            kind=tote_event.kind,
            occurred_at=tote_event.occurred_at,
            key=key,
            request=fingerprint({"tote_event": tote_event.pk, "parcel": content.sscc}),
            actor=actor,
            location=tote_event.location,
            vehicle=tote_event.vehicle,
            bus_line=tote_event.bus_line,
            point=tote_event.point,
            reason=tote_event.reason,
            note=tote_event.note,
            pickup_code="",
            photo=None,
            stored=stored,
            via_tote_event=tote_event,
        )


def derived_key(tote_key: str, content_sscc: str) -> str:
    """The key of a tote event's copy for one parcel inside: fixed by the tote event's key,
    so a retried tote event finds its copies, and never a device's own (no device key has
    this prefix and the hash's length)."""
    digest = hashlib.sha256(f"{tote_key}|{content_sscc}".encode()).hexdigest()
    return f"tote:{digest}"


def event_payload(event: TrackingEvent) -> dict[str, Any]:
    """What subscribers of EVENT_RECORDED receive (primary keys and codes only)."""
    return {
        "event": event.pk,
        "parcel": event.parcel_id,
        "sscc": event.parcel.sscc,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "location": event.location_id,
        "vehicle": event.vehicle_id,
        "bus_line": event.bus_line_id,
        "point": event.point_id,
        "order": event.parcel.order_id,
        "via_tote_event": event.via_tote_event_id,
    }


# --- the order --------------------------------------------------------------------------------


def _move_order(parcel: Parcel, event: TrackingEvent, *, actor: User, pickup_code: str) -> None:
    """Move the parcel's order forward as far as the event says, through the order
    services; what they refuse is noted on the event, which is kept."""
    order = parcel.order
    assert order is not None
    target = (
        OrderStatus.DELIVERED
        if event.kind == Kind.PICKED_UP
        else OrderStatus.SHIPPED
        if event.kind in SHIPS_ORDER
        else None
    )
    held_code, held_detail = "", ""
    if target is not None:
        if order.delivery != Delivery.PICKUP:
            held_code = "address_order"
            held_detail = _(
                "This order goes to an address: it is shipped when the hub hands it to its "
                "carrier with a tracking number."
            )
        else:
            held_code, held_detail = _advance(order, target, actor=actor, pickup_code=pickup_code)
    event.order_status = Order.objects.values_list("status", flat=True).get(pk=order.pk)
    event.order_held_code = held_code[:40]
    event.order_held_detail = held_detail[:300]
    event.save(update_fields=["order_status", "order_held_code", "order_held_detail"])


def _advance(order: Order, target: str, *, actor: User, pickup_code: str) -> tuple[str, str]:
    """Ship, then deliver, each step in its own savepoint: a refused delivery keeps the
    shipping it implied. Returns the refusal's (code, message), or two blanks."""
    steps: list[tuple[str, Callable[[], object]]] = [
        (OrderStatus.SHIPPED, lambda: ship_with_county_delivery(order, actor=actor))
    ]
    if target == OrderStatus.DELIVERED:
        steps.append(
            (
                OrderStatus.DELIVERED,
                (lambda: record_pickup(order, agent=actor, pickup_code=pickup_code))
                if pickup_code
                else (lambda: advance_order(order, OrderStatus.DELIVERED, actor=actor)),
            )
        )
    for reached, step in steps:
        status = Order.objects.values_list("status", flat=True).get(pk=order.pk)
        progress = ORDER_PROGRESS.get(OrderStatus(status))
        if progress is not None and progress >= ORDER_PROGRESS[OrderStatus(reached)]:
            continue  # already there (a later event moved it first): forward only
        # Not there yet: packed, or not movable (cancelled, not packed), and then the
        # order service refuses and says why.
        try:
            with transaction.atomic():
                step()
        except DomainError as refusal:
            return refusal.code, refusal.message
    return "", ""


# --- checks -----------------------------------------------------------------------------------


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not re.match(KEY_PATTERN, key):
        raise ValidationFailed(
            _(
                "An event's key has 8 to 80 characters: letters, digits, hyphens, "
                "underscores, dots or colons."
            ),
            code="bad_idempotency_key",
            field="idempotency_key",
        )


def _fingerprint(
    parcel: Parcel,
    *,
    kind: str,
    occurred_at: dt.datetime,
    location: HubLocation | None,
    vehicle: Vehicle | None,
    bus_line: BusLine | None,
    point: ServicePoint | None,
    reason: str,
    note: str,
    pickup_code: str,
    photo_digest: str,
) -> str:
    """What the device asked for, hashed: one instant written two ways is the same time."""
    moment = (
        occurred_at.astimezone(dt.UTC).isoformat()
        if timezone.is_aware(occurred_at)
        else occurred_at.isoformat()
    )
    return fingerprint(
        {
            "parcel": parcel.sscc,
            "kind": kind,
            "occurred_at": moment,
            "location": location.pk if location else None,
            "vehicle": vehicle.pk if vehicle else None,
            "bus_line": bus_line.pk if bus_line else None,
            "point": point.pk if point else None,
            "reason": reason,
            "note": note,
            "pickup_code": pickup_code,
            "photo": photo_digest,
        }
    )


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def check_occurred_at(
    occurred_at: dt.datetime, *, parcel: Parcel, now: dt.datetime | None = None
) -> None:
    """Refuse a time no device could have seen the event at."""
    if not isinstance(occurred_at, dt.datetime) or timezone.is_naive(occurred_at):
        raise ValidationFailed(
            _("Give the time the event happened with its time zone, such as +08:00."),
            code="naive_time",
            field="occurred_at",
        )
    now = now or timezone.now()
    if occurred_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            _("This event is dated %(when)s, which is still to come: check the device's clock.")
            % {"when": _when(occurred_at)},
            code="time_in_future",
            field="occurred_at",
        )
    if occurred_at < parcel.created_at - BEFORE_PARCEL_MARGIN:
        raise ValidationFailed(
            _(
                "This event is dated %(when)s, before the parcel's label was made "
                "(%(created)s): check the device's clock."
            )
            % {"when": _when(occurred_at), "created": _when(parcel.created_at)},
            code="time_before_parcel",
            field="occurred_at",
        )


def _check_event(
    parcel: Parcel,
    *,
    kind: str,
    occurred_at: dt.datetime,
    location: HubLocation | None,
    vehicle: Vehicle | None,
    bus_line: BusLine | None,
    point: ServicePoint | None,
    reason: str,
    note: str,
    pickup_code: str,
    has_photo: bool,
) -> None:
    if kind not in KIND_RANK:
        raise ValidationFailed(
            _("Choose what happened to the parcel."), code="bad_kind", field="kind"
        )
    check_occurred_at(occurred_at, parcel=parcel)
    for field, thing in (
        ("location", location),
        ("vehicle", vehicle),
        ("bus_line", bus_line),
        ("point", point),
    ):
        if thing is not None and getattr(thing, "county_id", None) != parcel.county_id:
            raise ValidationFailed(
                _("That place or vehicle belongs to another county."),
                code="wrong_county",
                field=field,
            )
    missing: tuple[str, str] | None = None
    if kind in NEEDS_LOCATION and location is None:
        missing = ("location", _("Say where in the hub: scan or type the location's code."))
    elif kind == Kind.LOADED and vehicle is None:
        missing = ("vehicle", _("Say which vehicle the parcel was loaded on."))
    elif kind == Kind.HANDED_TO_BUS and bus_line is None:
        missing = ("bus_line", _("Say which bus line took the parcel."))
    elif kind in NEEDS_POINT and point is None:
        missing = ("point", _("Say at which point this happened."))
    elif kind == Kind.DELIVERY_FAILED and not reason:
        missing = ("reason", _("Say why the parcel could not be delivered."))
    if missing is not None:
        raise ValidationFailed(missing[1], code=f"needs_{missing[0]}", field=missing[0])
    for field, text in (("reason", reason), ("note", note)):
        if len(text) > MAX_TEXT or "\x00" in text:
            raise ValidationFailed(
                _("Say it in at most %(limit)d characters.") % {"limit": MAX_TEXT},
                code="too_long",
                field=field,
            )
    if pickup_code and kind != Kind.PICKED_UP:
        raise ValidationFailed(
            _("A pickup code is given only when the parcel is picked up."),
            code="pickup_code_not_expected",
            field="pickup_code",
        )
    if kind == Kind.PICKED_UP:
        _check_proof(parcel, pickup_code=pickup_code, has_photo=has_photo)


def _check_proof(parcel: Parcel, *, pickup_code: str, has_photo: bool) -> None:
    """Picked up needs the recipient's pickup code (an order's parcel) or the agent's
    confirmation with a photo."""
    if not pickup_code and not has_photo:
        raise ValidationFailed(
            _(
                "Proof of delivery is needed: the recipient's pickup code, or your "
                "confirmation with a photo of the handover."
            ),
            code="needs_proof",
            field="pickup_code",
        )
    if not pickup_code:
        return
    order = parcel.order
    if order is None or order.delivery != Delivery.PICKUP or not order.pickup_code:
        raise ValidationFailed(
            _("This parcel has no pickup code: confirm the handover with a photo."),
            code="no_pickup_code",
            field="pickup_code",
        )
    # The order service checks it again when it records the pickup; checked here too
    # because an order that cannot move any more (delivered by a photo confirmation
    # first, or cancelled) still must not take a wrong code as proof.
    if not secrets.compare_digest(order.pickup_code.encode(), pickup_code.encode()):
        raise ValidationFailed(
            _("The pickup code does not match."), code="wrong_pickup_code", field="pickup_code"
        )


# --- photos -----------------------------------------------------------------------------------


def _read_photo(upload: IO[bytes] | File) -> _Photo:
    """The proof photo checked (JPEG, PNG or WebP, at most 8 MB) and shrunk to a WebP with
    no metadata (a phone's photo carries the GPS position of someone's home)."""
    too_large = ValidationFailed(
        _("The photo is larger than 8 MB. Send a smaller one."), code="too_large", field="photo"
    )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise too_large
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = bytes(upload.read(MAX_PHOTO_BYTES + 1))
    if len(data) > MAX_PHOTO_BYTES:
        raise too_large
    if not data:
        raise ValidationFailed(_("The file is empty."), code="empty", field="photo")
    try:
        webp, _width, _height, _extension = make_thumbnail(data)
    except ValidationFailed as refusal:
        raise ValidationFailed(refusal.message, code=refusal.code, field="photo") from None
    return _Photo(webp=webp, digest=hashlib.sha256(data).hexdigest())


@contextmanager
def _stored_files() -> Iterator[list[str]]:
    """Names of private files written during an action; removed again if it fails, so a
    refused event leaves no photo behind."""
    from highland.core.storage import private_storage

    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            private_storage().delete(name)
        raise
