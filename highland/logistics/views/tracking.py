"""Tracking pages: the public tracking page (no login), a parcel's page for the people who
handle it, the scan-and-record form, and the agent's list of parcels for their points with
one-tap "arrived" and "picked up" buttons.

Phone-first: plain GET and POST, cards, no script needed. Each form carries a one-time
key, so a double tap records the event once.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.gs1 import validate_sscc
from highland.core.http import domain_errors_as_pages, posted_text, private_file_response
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics.access import access_parcel, access_parcel_by_sscc
from highland.logistics.models import Parcel, ParcelKind, ParcelStatus, TrackingEvent
from highland.logistics.services.tracking import (
    RecordedEvent,
    event_order_key,
    record_tracking_event,
)
from highland.logistics.tracking_forms import TrackingEventForm, new_page_key
from highland.logistics.tracking_reads import (
    MAX_POINT_PARCELS,
    look_up_tracking,
    parcel_events,
    parcels_for_points,
    place_of,
    places_by_code,
)

ARRIVABLE = (
    ParcelStatus.CREATED,
    ParcelStatus.COLLECTED,
    ParcelStatus.RECEIVED_AT_HUB,
    ParcelStatus.SORTED,
    ParcelStatus.PUT_AWAY,
    ParcelStatus.PICKED,
    ParcelStatus.PACKED,
    ParcelStatus.LOADED,
    ParcelStatus.HANDED_TO_BUS,
)


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- public ------------------------------------------------------------------------------------


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """Look a parcel up by its SSCC or an order's number; no login, no personal data."""
    number = request.GET.get("number", "").strip()[:40]
    context: dict[str, object] = {"number": number}
    status = 200
    if number and "\x00" not in number:
        try:
            context["parcels"] = look_up_tracking(request, number)
        except DomainError as refusal:
            context["refusal"] = refusal.message
            status = refusal.status_code
    response = render(request, "logistics/tracking/track.html", context, status=status)
    # Where a parcel is changes by the hour: never served from a shared cache.
    response["Cache-Control"] = "no-store"
    return response


# --- staff -------------------------------------------------------------------------------------


@require_GET
@login_required
@domain_errors_as_pages
def parcel_detail(request: HttpRequest, parcel_id: int) -> HttpResponse:
    """A parcel's history for the people who handle it: every event, where and by whom,
    what it did to the order, and the proof of delivery (photos for those allowed)."""
    user = _person(request)
    parcel = access_parcel(user, parcel_id)
    events = parcel_events(parcel)
    rows = [(event, place_of(event)) for event in events]
    latest = max(
        rows,
        key=lambda row: (*event_order_key(row[0].kind, row[0].occurred_at), row[0].pk),
        default=None,
    )
    context = {
        "parcel": parcel,
        "rows": rows,
        "current_place": latest[1] if latest else "",
        "contents": Parcel.objects.filter(tote=parcel).order_by("pk")
        if parcel.kind == ParcelKind.TOTE
        else [],
        "may_see_photos": allowed(user, "logistics.view_proof_of_delivery", parcel),
        "may_record": allowed(user, "logistics.record_tracking_event", parcel),
        "may_see_cold_chain": allowed(user, "logistics.view_cold_chain", parcel),
    }
    return render(request, "logistics/tracking/parcel.html", context)


@require_GET
@login_required
@domain_errors_as_pages
def proof_photo(request: HttpRequest, parcel_id: int, event_id: int) -> HttpResponse:
    """A proof-of-delivery photo, for those allowed; the same 404 for anyone else."""
    user = _person(request)
    parcel = access_parcel(user, parcel_id)
    event = TrackingEvent.objects.filter(parcel=parcel, pk=event_id).exclude(photo="").first()
    if event is None or not allowed(user, "logistics.view_proof_of_delivery", parcel):
        raise NotFound(_("No such photo."))
    return private_file_response(event.photo, content_type="image/webp")


def _recorded_message(recorded: RecordedEvent) -> str:
    event = recorded.event
    if not recorded.created:
        return _("This event was recorded already.")
    if event.order_held_detail:
        return _("Recorded. The order did not move: %(reason)s") % {
            "reason": event.order_held_detail
        }
    return _("Recorded: %(kind)s.") % {"kind": event.get_kind_display()}


def _first_time_of(key: str, user: User) -> dt.datetime:
    """A blank time means now; the same form sent again (a double tap) keeps the time its
    first sending was recorded with, so it is the same event, not a conflict."""
    first = (
        TrackingEvent.objects.filter(county=user.county, idempotency_key=key, actor=user)
        .values_list("occurred_at", flat=True)
        .first()
    )
    return first or timezone.now()


def _record_from_form(form: TrackingEventForm, user: User) -> RecordedEvent:
    data = form.cleaned_data
    parcel = access_parcel_by_sscc(user, validate_sscc(data["sscc"]))
    places = places_by_code(
        parcel.county, location_code=data["location_code"], point_code=data["point_code"]
    )
    return record_tracking_event(
        parcel,
        kind=data["kind"],
        occurred_at=data["occurred_at"] or _first_time_of(data["idempotency_key"], user),
        idempotency_key=data["idempotency_key"],
        actor=user,
        location=places.location,
        vehicle=data["vehicle"],
        bus_line=data["bus_line"],
        point=places.point,
        reason=data["reason"],
        note=data["note"],
        pickup_code=data["pickup_code"],
        photo=data["photo"],
    )


def _form_error(form: TrackingEventForm, error: DomainError) -> None:
    fields = {
        "location_code": "location_code",
        "location": "location_code",
        "point_code": "point_code",
        "point": "point_code",
        "vehicle": "vehicle",
        "vehicle_plate": "vehicle",
        "bus_line": "bus_line",
        "bus_line_code": "bus_line",
    }
    placed = False
    for field, messages_of_field in error.errors.items():
        target = fields.get(field, field)
        if target in form.fields:
            for message in messages_of_field:
                form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


@require_http_methods(["GET", "POST"])
@login_required
@domain_errors_as_pages
def record_event(request: HttpRequest) -> HttpResponse:
    """Scan or type a parcel's SSCC and say what happened to it."""
    user = _person(request)
    county = home_county(user)
    if request.method == "POST":
        form = TrackingEventForm(request.POST, request.FILES, county=county)
        if form.is_valid():
            try:
                recorded = _record_from_form(form, user)
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _recorded_message(recorded))
                return redirect("logistics:parcel-detail", recorded.event.parcel_id)
        status = 422
    else:
        initial = {
            "idempotency_key": new_page_key(),
            "sscc": request.GET.get("sscc", "")[:40],
            "kind": request.GET.get("kind", ""),
        }
        form = TrackingEventForm(initial=initial, county=county)
        status = 200
    return render(request, "logistics/tracking/record.html", {"form": form}, status=status)


@require_GET
@login_required
@domain_errors_as_pages
def point_parcels(request: HttpRequest) -> HttpResponse:
    """The parcels on their way to, or waiting at, the points the agent serves."""
    user = _person(request)
    county = home_county(user)
    parcels = list(parcels_for_points(user, county)[:MAX_POINT_PARCELS])
    waiting = [parcel for parcel in parcels if parcel.status not in ARRIVABLE]
    coming = [parcel for parcel in parcels if parcel.status in ARRIVABLE]
    context = {
        "waiting": waiting,
        "coming": coming,
        "key": new_page_key(),
        "full": len(parcels) >= MAX_POINT_PARCELS,
    }
    return render(request, "logistics/tracking/point_parcels.html", context)


POINT_ACTIONS = ("arrived", "picked_up")


@require_POST
@login_required
@domain_errors_as_pages
def point_parcel_action(request: HttpRequest, parcel_id: int, action: str) -> HttpResponse:
    """One tap on the agent's list: the parcel arrived at its point, or its recipient
    picked it up with their code."""
    user = _person(request)
    if action not in POINT_ACTIONS:
        raise NotFound(_("No such page."))
    parcel = access_parcel(user, parcel_id)
    point = parcel.destination_point
    if point is None:
        raise ValidationFailed(_("This parcel goes to no point."), code="no_point")
    key = posted_text(request, "idempotency_key")[:80]
    try:
        event_key = f"{key}:{parcel.pk}:{action}"
        if action == "arrived":
            recorded = record_tracking_event(
                parcel,
                kind="arrived_at_point",
                occurred_at=_first_time_of(event_key, user),
                idempotency_key=event_key,
                actor=user,
                point=point,
            )
        else:
            recorded = record_tracking_event(
                parcel,
                kind="picked_up",
                occurred_at=_first_time_of(event_key, user),
                idempotency_key=event_key,
                actor=user,
                point=point,
                pickup_code=posted_text(request, "pickup_code")[:8],
            )
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _recorded_message(recorded))
    return redirect(reverse("logistics:point-parcels"))


urlpatterns: list[URLPattern] = [
    path("track/", track, name="track"),
    path("parcels/<int:parcel_id>/", parcel_detail, name="parcel-detail"),
    path(
        "parcels/<int:parcel_id>/events/<int:event_id>/photo/",
        proof_photo,
        name="parcel-proof-photo",
    ),
    path("events/record/", record_event, name="record-event"),
    path("my-point/parcels/", point_parcels, name="point-parcels"),
    path(
        "my-point/parcels/<int:parcel_id>/<str:action>/",
        point_parcel_action,
        name="point-parcel-action",
    ),
]
