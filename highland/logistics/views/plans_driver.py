"""The driver's phone page, /logistics/driver/: today's stops in order, one tap to confirm
loading, each drop and each collection; for bus drivers, today's parcels on their
departures, one tap for the handover and one per point.

Small plain pages with plain forms (no script): every form carries a one-time key made
when the page was shown, so a tap sent twice on a poor connection records once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from highland.core.access import home_county
from highland.core.errors import ValidationFailed
from highland.core.http import domain_errors_as_pages
from highland.core.models import User
from highland.logistics.models import BusDeparture, Parcel, ParcelStatus, PlannedStop
from highland.logistics.plans_access import (
    access_drivers_departure,
    access_drivers_route,
    access_drivers_stop,
    drivers_bus_departures,
    drivers_routes,
)
from highland.logistics.plans_forms import ConfirmForm, new_key
from highland.logistics.services.driving import (
    Confirmation,
    confirm_bus_drop,
    confirm_bus_handover,
    confirm_loaded,
    confirm_stop,
)

AT_POINT = (ParcelStatus.ARRIVED_AT_POINT, ParcelStatus.PICKED_UP)
ON_BOARD_OR_LATER = (
    ParcelStatus.LOADED,
    ParcelStatus.HANDED_TO_BUS,
    ParcelStatus.ARRIVED_AT_POINT,
    ParcelStatus.PICKED_UP,
)


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _all_in(parcels: Iterable[Parcel], statuses: Iterable[str]) -> bool:
    wanted = set(statuses)
    listed = list(parcels)
    return bool(listed) and all(parcel.status in wanted for parcel in listed)


@dataclass(frozen=True)
class StopCard:
    stop: PlannedStop
    dropped: bool
    collected: bool
    drop_key: str
    collect_key: str


@dataclass(frozen=True)
class BusPointCard:
    point_id: int
    point_name: str
    arrives_at: object
    parcels: list[Parcel]
    dropped: bool
    key: str


@login_required
@domain_errors_as_pages
def driver_today(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    routes = []
    for route in drivers_routes(user, county):
        stops = list(route.stops.all())
        drops = [parcel for stop in stops for parcel in stop.drop_parcels.all()]
        cards = [
            StopCard(
                stop,
                _all_in(stop.drop_parcels.all(), AT_POINT),
                bool(stop.collect_parcels.all())
                and all(p.status != ParcelStatus.CREATED for p in stop.collect_parcels.all()),
                new_key(),
                new_key(),
            )
            for stop in stops
        ]
        routes.append((route, cards, _all_in(drops, ON_BOARD_OR_LATER), new_key()))
    departures = []
    for departure in drivers_bus_departures(user, county):
        consignments = list(departure.today)  # type: ignore[attr-defined]
        by_point: dict[int, BusPointCard] = {}
        for consignment in consignments:
            card = by_point.get(consignment.point_id)
            if card is None:
                card = BusPointCard(
                    consignment.point_id,
                    consignment.point.name,
                    consignment.arrives_at,
                    [],
                    False,
                    new_key(),
                )
                by_point[consignment.point_id] = card
            card.parcels.append(consignment.parcel)
        cards_by_point = [
            BusPointCard(
                c.point_id,
                c.point_name,
                c.arrives_at,
                c.parcels,
                _all_in(c.parcels, AT_POINT),
                c.key,
            )
            for c in by_point.values()
        ]
        parcels = [consignment.parcel for consignment in consignments]
        departures.append(
            (departure, cards_by_point, _all_in(parcels, ON_BOARD_OR_LATER), new_key())
        )
    return render(
        request,
        "logistics/plans/driver.html",
        {"routes": routes, "departures": departures},
    )


def _report(request: HttpRequest, done: Confirmation) -> None:
    if done.recorded:
        messages.success(
            request,
            ngettext(
                "Recorded for %(count)d parcel.", "Recorded for %(count)d parcels.", done.recorded
            )
            % {"count": done.recorded},
        )
    if done.repeated:
        messages.info(
            request,
            ngettext(
                "%(count)d parcel was recorded already.",
                "%(count)d parcels were recorded already.",
                done.repeated,
            )
            % {"count": done.repeated},
        )
    for sscc, why in done.refused:
        messages.error(request, _("%(sscc)s: %(why)s") % {"sscc": sscc, "why": why})
    if not done.total:
        messages.info(request, _("Nothing to record here."))


def _confirmed(request: HttpRequest, action: Callable[[str], Confirmation]) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("This page is out of date: reload it and tap again."))
    _report(request, action(form.cleaned_data["key"]))
    return redirect("logistics:driver-today")


@login_required
@require_POST
@domain_errors_as_pages
def confirm_route_loaded(request: HttpRequest, route_id: int) -> HttpResponse:
    user = _person(request)
    route = access_drivers_route(user, route_id)
    return _confirmed(request, lambda key: confirm_loaded(route, form_key=key, actor=user))


@login_required
@require_POST
@domain_errors_as_pages
def confirm_stop_view(request: HttpRequest, stop_id: int, what: str) -> HttpResponse:
    user = _person(request)
    stop = access_drivers_stop(user, stop_id)
    return _confirmed(request, lambda key: confirm_stop(stop, what=what, form_key=key, actor=user))


def _departure_parcels(departure: BusDeparture) -> list[Parcel]:
    return [consignment.parcel for consignment in departure.today]  # type: ignore[attr-defined]


@login_required
@require_POST
@domain_errors_as_pages
def confirm_bus_handover_view(request: HttpRequest, departure_id: int) -> HttpResponse:
    user = _person(request)
    departure = access_drivers_departure(user, departure_id)
    parcels = _departure_parcels(departure)
    return _confirmed(
        request,
        lambda key: confirm_bus_handover(departure, parcels, form_key=key, actor=user),
    )


@login_required
@require_POST
@domain_errors_as_pages
def confirm_bus_drop_view(request: HttpRequest, departure_id: int, point_id: int) -> HttpResponse:
    user = _person(request)
    departure = access_drivers_departure(user, departure_id)
    consignments = [c for c in departure.today if c.point_id == point_id]  # type: ignore[attr-defined]
    if not consignments:
        return _confirmed(request, lambda key: Confirmation())
    point = consignments[0].point
    parcels = [c.parcel for c in consignments]
    return _confirmed(
        request,
        lambda key: confirm_bus_drop(departure, point, parcels, form_key=key, actor=user),
    )


urlpatterns: list[URLPattern] = [
    path("driver/", driver_today, name="driver-today"),
    path("driver/routes/<int:route_id>/loaded/", confirm_route_loaded, name="driver-route-loaded"),
    path(
        "driver/stops/<int:stop_id>/drop/",
        confirm_stop_view,
        {"what": "drop"},
        name="driver-stop-drop",
    ),
    path(
        "driver/stops/<int:stop_id>/collect/",
        confirm_stop_view,
        {"what": "collect"},
        name="driver-stop-collect",
    ),
    path(
        "driver/bus/<int:departure_id>/handover/",
        confirm_bus_handover_view,
        name="driver-bus-handover",
    ),
    path(
        "driver/bus/<int:departure_id>/points/<int:point_id>/drop/",
        confirm_bus_drop_view,
        name="driver-bus-drop",
    ),
]
