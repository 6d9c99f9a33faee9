"""The tracking API for drivers' and agents' devices and the hub's scanners.

Devices record events offline and upload them in batches when they have a connection:
each event carries its own idempotency key, SSCC and time, and gets its own result
(created, duplicate, refused with code and message), so one bad event loses none of the
others. Proof of delivery with a photo goes one event at a time, as multipart.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import Field, ValidationError

from highland.core.access import home_county
from highland.core.errors import DomainError, ValidationFailed
from highland.core.gs1 import validate_sscc
from highland.core.idempotency import KEY_PATTERN
from highland.core.models import User
from highland.core.schemas import ERROR_RESPONSES, IDEMPOTENT_ERROR_RESPONSES, Moment
from highland.logistics.access import access_parcel_by_sscc
from highland.logistics.models import Parcel, TrackingEvent, TrackingEventKind
from highland.logistics.services.tracking import RecordedEvent, record_tracking_event
from highland.logistics.tracking_reads import parcel_events, place_of, places_by_code

router = Router(tags=["logistics: tracking"])

MAX_BATCH = 200


class TrackingEventIn(Schema):
    """One event as a device recorded it."""

    idempotency_key: str = Field(
        ..., description=f"The device's key for this event ({KEY_PATTERN}); a retry reuses it"
    )
    sscc: str = Field(..., max_length=40, description="The parcel's 18-digit SSCC")
    kind: TrackingEventKind = Field(..., description="What happened")
    occurred_at: Moment = Field(..., description="When, on the device, with its time zone")
    location_code: str = Field(
        "", max_length=20, description="Hub location (put away, picked, sorted)"
    )
    vehicle_plate: str = Field("", max_length=12, description="Vehicle (loaded)")
    bus_line_code: str = Field("", max_length=20, description="Bus line (handed to a bus)")
    point_code: str = Field("", max_length=20, description="Service point (arrived, picked up)")
    reason: str = Field("", max_length=200, description="Why delivery failed")
    note: str = Field("", max_length=200)
    pickup_code: str = Field("", max_length=8, description="The recipient's pickup code")


# A malformed event must not refuse the whole batch: whatever does not fit TrackingEventIn
# is taken as a plain object here and refused on its own, with its errors, in the loop.
LenientEvent = Annotated[TrackingEventIn | dict[str, Any], Field(union_mode="left_to_right")]


class TrackingBatchIn(Schema):
    events: list[LenientEvent] = Field(
        ...,
        min_length=1,
        max_length=MAX_BATCH,
        description=(
            "Up to 200 events, each a TrackingEventIn; each is checked and recorded on its "
            "own, so a malformed one is refused alone."
        ),
    )


class TrackingErrorOut(Schema):
    code: str
    detail: str
    errors: dict[str, list[str]] | None = None


class TrackingEventOut(Schema):
    id: int
    sscc: str
    kind: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    idempotency_key: str
    place: str
    location_code: str | None
    vehicle_plate: str | None
    bus_line_code: str | None
    point_code: str | None
    reason: str
    note: str
    pickup_code_checked: bool
    has_photo: bool
    via_tote_sscc: str | None
    order_status: str
    order_held_code: str
    order_held_detail: str


class TrackingResultOut(Schema):
    index: int
    idempotency_key: str | None
    sscc: str | None
    outcome: Literal["created", "duplicate", "refused"]
    event: TrackingEventOut | None = None
    error: TrackingErrorOut | None = None


class TrackingBatchOut(Schema):
    created: int
    duplicates: int
    refused: int
    results: list[TrackingResultOut]


class TrackedParcelOut(Schema):
    id: int
    sscc: str
    kind: str
    status: str
    status_at: dt.datetime | None
    order_number: str | None
    destination_point_code: str | None
    origin_point_code: str | None
    tote_sscc: str | None
    events: list[TrackingEventOut]


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def event_out(event: TrackingEvent) -> dict[str, Any]:
    via = event.via_tote_event
    return {
        "id": event.pk,
        "sscc": event.parcel.sscc,
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "idempotency_key": event.idempotency_key,
        "place": place_of(event),
        "location_code": event.location.code if event.location else None,
        "vehicle_plate": event.vehicle.plate if event.vehicle else None,
        "bus_line_code": event.bus_line.code if event.bus_line else None,
        "point_code": event.point.code if event.point else None,
        "reason": event.reason,
        "note": event.note,
        "pickup_code_checked": event.pickup_code_checked,
        "has_photo": bool(event.photo),
        "via_tote_sscc": via.parcel.sscc if via is not None else None,
        "order_status": event.order_status,
        "order_held_code": event.order_held_code,
        "order_held_detail": event.order_held_detail,
    }


def _record_one(user: User, item: TrackingEventIn, photo: UploadedFile | None) -> RecordedEvent:
    parcel = access_parcel_by_sscc(user, validate_sscc(item.sscc))
    places = places_by_code(
        parcel.county,
        location_code=item.location_code,
        vehicle_plate=item.vehicle_plate,
        bus_line_code=item.bus_line_code,
        point_code=item.point_code,
    )
    return record_tracking_event(
        parcel,
        kind=item.kind,
        occurred_at=item.occurred_at,
        idempotency_key=item.idempotency_key,
        actor=user,
        location=places.location,
        vehicle=places.vehicle,
        bus_line=places.bus_line,
        point=places.point,
        reason=item.reason,
        note=item.note,
        pickup_code=item.pickup_code,
        photo=photo,
    )


def _schema_refusal(error: ValidationError) -> ValidationFailed:
    errors: dict[str, list[str]] = {}
    for problem in error.errors():
        field = ".".join(str(part) for part in problem.get("loc", ())) or "__all__"
        errors.setdefault(field, []).append(str(problem.get("msg", "")))
    return ValidationFailed(_("Please correct the errors below."), errors=errors)


@router.post(
    "/events",
    response={200: TrackingBatchOut, **ERROR_RESPONSES},
    summary="Upload tracking events",
)
def upload_events(request: HttpRequest, payload: TrackingBatchIn) -> dict[str, Any]:
    """Record a batch of events, each on its own (its own transaction and result): created,
    duplicate (the same key and content again: the stored event) or refused (code and
    message: an unknown parcel, a bad time, a key reused for another event, …)."""
    user = _user(request)
    home_county(user)
    results: list[dict[str, Any]] = []
    counts = {"created": 0, "duplicate": 0, "refused": 0}
    for index, raw in enumerate(payload.events):
        fields = raw.model_dump() if isinstance(raw, TrackingEventIn) else raw
        key, sscc = fields.get("idempotency_key"), fields.get("sscc")
        result: dict[str, Any] = {
            "index": index,
            "idempotency_key": key if isinstance(key, str) else None,
            "sscc": sscc if isinstance(sscc, str) else None,
        }
        try:
            try:
                item = (
                    raw if isinstance(raw, TrackingEventIn) else TrackingEventIn.model_validate(raw)
                )
            except ValidationError as error:
                raise _schema_refusal(error) from None
            recorded = _record_one(user, item, None)
        except DomainError as refusal:
            result.update(outcome="refused", error=refusal.as_dict())
        else:
            result.update(
                outcome="created" if recorded.created else "duplicate",
                event=event_out(_reloaded(recorded.event)),
            )
        counts[result["outcome"]] += 1
        results.append(result)
    return {
        "created": counts["created"],
        "duplicates": counts["duplicate"],
        "refused": counts["refused"],
        "results": results,
    }


def _reloaded(event: TrackingEvent) -> TrackingEvent:
    return TrackingEvent.objects.select_related(
        "parcel", "location__zone", "vehicle", "bus_line", "point", "via_tote_event__parcel"
    ).get(pk=event.pk)


@router.post(
    "/parcels/{sscc}/events",
    response={201: TrackingEventOut, 200: TrackingEventOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Record one tracking event, with a proof-of-delivery photo",
)
def record_event_with_photo(
    request: HttpRequest,
    sscc: str,
    idempotency_key: Form[str],
    kind: Form[TrackingEventKind],
    occurred_at: Form[Moment],
    location_code: Form[str] = "",
    vehicle_plate: Form[str] = "",
    bus_line_code: Form[str] = "",
    point_code: Form[str] = "",
    reason: Form[str] = "",
    note: Form[str] = "",
    pickup_code: Form[str] = "",
    photo: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    """One event as multipart form data, with a photo (JPEG, PNG or WebP, at most 8 MB)
    when the agent confirms a pickup without the code. 201 when stored, 200 when the same
    event was stored before, 409 for a key used for another event."""
    user = _user(request)
    try:
        item = TrackingEventIn(
            idempotency_key=idempotency_key,
            sscc=sscc,
            kind=kind,
            occurred_at=occurred_at,
            location_code=location_code,
            vehicle_plate=vehicle_plate,
            bus_line_code=bus_line_code,
            point_code=point_code,
            reason=reason,
            note=note,
            pickup_code=pickup_code,
        )
    except ValidationError as error:
        raise _schema_refusal(error) from None
    recorded = _record_one(user, item, photo)
    return Status(201 if recorded.created else 200, event_out(_reloaded(recorded.event)))


@router.get(
    "/parcels/{sscc}",
    response={200: TrackedParcelOut, **ERROR_RESPONSES},
    summary="A parcel and its tracking events",
)
def get_parcel(request: HttpRequest, sscc: str) -> dict[str, Any]:
    """The parcel with this SSCC in the caller's county, with its events in the order they
    happened; 422 for a malformed SSCC (its check digit named), 404 for one the caller
    may not see."""
    user = _user(request)
    parcel = access_parcel_by_sscc(user, validate_sscc(sscc))
    return parcel_out(parcel)


def parcel_out(parcel: Parcel) -> dict[str, Any]:
    parcel = Parcel.objects.select_related(
        "order", "destination_point", "origin_point", "tote"
    ).get(pk=parcel.pk)
    return {
        "id": parcel.pk,
        "sscc": parcel.sscc,
        "kind": parcel.kind,
        "status": parcel.status,
        "status_at": parcel.status_at,
        "order_number": parcel.order.number if parcel.order else None,
        "destination_point_code": parcel.destination_point.code
        if parcel.destination_point
        else None,
        "origin_point_code": parcel.origin_point.code if parcel.origin_point else None,
        "tote_sscc": parcel.tote.sscc if parcel.tote else None,
        "events": [event_out(event) for event in parcel_events(parcel)],
    }
