"""The fleet pages: vehicles (list, add, edit) and passenger bus lines (their stops and
timetables). Seen by those who plan; changed by those who manage the fleet."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.errors import DomainError
from highland.core.http import domain_errors_as_pages, run_action_and_redirect
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics.models import BusDeparture, BusLine, BusLineStop, Vehicle
from highland.logistics.plans_access import access_bus_line, access_vehicle, planning_county
from highland.logistics.plans_forms import BusDepartureForm, BusStopForm, VehicleForm
from highland.logistics.services.buses import (
    add_bus_departures,
    add_bus_stop,
    remove_bus_departure,
    remove_bus_stop,
)
from highland.logistics.services.fleet import VehicleDetails, add_vehicle, change_vehicle

# The service's field names and the form's, where they differ.
VEHICLE_FIELDS = {
    "capacity_g": "capacity_kg",
    "capacity_ml": "capacity_litres",
    "cost_per_km_fen": "cost_per_km",
    "cost_per_hour_fen": "cost_per_hour",
}


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _form_errors(form: Any, error: DomainError, renames: dict[str, str] | None = None) -> None:
    if error.status_code in (403, 404):
        raise error
    renames = renames or {}
    for field, texts in (error.errors or {"": [error.message]}).items():
        name = renames.get(field or "", field)
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


@login_required
@domain_errors_as_pages
def vehicle_list(request: HttpRequest) -> HttpResponse:
    county = planning_county(_person(request), "logistics.manage_fleet")
    vehicles = Vehicle.objects.filter(county=county).select_related("driver").order_by("plate")
    return render(request, "logistics/plans/vehicle_list.html", {"vehicles": vehicles})


def _details(data: dict[str, Any]) -> VehicleDetails:
    return VehicleDetails(
        plate=data["plate"],
        name=data["name"],
        carrier=data["carrier"],
        capacity_g=data["capacity_kg"] * 1000,
        capacity_ml=data["capacity_litres"] * 1000,
        refrigerated=data["refrigerated"],
        shift_minutes=data["shift_minutes"],
        cost_per_km_fen=data["cost_per_km"],
        cost_per_hour_fen=data["cost_per_hour"],
        driver=data.get("driver"),
        active=data["active"],
    )


@login_required
@domain_errors_as_pages
def vehicle_form(request: HttpRequest, vehicle_id: int | None = None) -> HttpResponse:
    user = _person(request)
    county = planning_county(user, "logistics.manage_fleet")
    vehicle = access_vehicle(user, vehicle_id) if vehicle_id is not None else None
    initial: dict[str, Any] = {}
    if vehicle is not None:
        initial = {
            "plate": vehicle.plate,
            "name": vehicle.name,
            "carrier": vehicle.carrier,
            "capacity_kg": vehicle.capacity_g // 1000,
            "capacity_litres": vehicle.capacity_ml // 1000,
            "refrigerated": vehicle.refrigerated,
            "shift_minutes": vehicle.shift_minutes,
            "cost_per_km": vehicle.cost_per_km_fen,
            "cost_per_hour": vehicle.cost_per_hour_fen,
            "driver": vehicle.driver,
            "active": vehicle.active,
        }
    form = VehicleForm(request.POST or None, county=county, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            details = _details(form.cleaned_data)
            if vehicle is None:
                add_vehicle(county, details, actor=user)
            else:
                change_vehicle(vehicle, details, actor=user)
        except DomainError as error:
            _form_errors(form, error, VEHICLE_FIELDS)
        else:
            messages.success(request, _("The vehicle was saved."))
            return redirect("logistics:vehicle-list")
    title = (
        _("Edit vehicle %(plate)s") % {"plate": vehicle.plate} if vehicle else _("Add a vehicle")
    )
    return render(request, "logistics/plans/vehicle_form.html", {"form": form, "title": title})


@login_required
@domain_errors_as_pages
def bus_line_list(request: HttpRequest) -> HttpResponse:
    county = planning_county(_person(request))
    lines = BusLine.objects.filter(county=county).order_by("code")
    return render(request, "logistics/plans/bus_line_list.html", {"lines": lines})


@login_required
@domain_errors_as_pages
def bus_line_detail(request: HttpRequest, line_id: int) -> HttpResponse:
    """The line's stops and timetable; forms to add a stop and departures."""
    user = _person(request)
    line = access_bus_line(user, line_id)
    county = line.county
    may_edit = allowed(user, "logistics.manage_fleet", line)
    stop_form = BusStopForm(
        request.POST if request.POST.get("form") == "stop" else None,
        county=county,
        prefix="stop",
    )
    departure_form = BusDepartureForm(
        request.POST if request.POST.get("form") == "departure" else None,
        county=county,
        prefix="departure",
    )
    if request.method == "POST" and may_edit:
        if stop_form.is_bound and stop_form.is_valid():
            try:
                add_bus_stop(line, actor=user, **stop_form.cleaned_data)
            except DomainError as error:
                _form_errors(stop_form, error)
            else:
                messages.success(request, _("The stop was added."))
                return redirect("logistics:bus-line-detail", line.pk)
        if departure_form.is_bound and departure_form.is_valid():
            try:
                add_bus_departures(line, actor=user, **departure_form.cleaned_data)
            except DomainError as error:
                _form_errors(departure_form, error)
            else:
                messages.success(request, _("The departures were added."))
                return redirect("logistics:bus-line-detail", line.pk)
    stops = BusLineStop.objects.filter(line=line).select_related("point").order_by("sequence")
    departures = (
        BusDeparture.objects.filter(line=line, active=True)
        .select_related("driver", "line")
        .order_by("weekday", "departs_at")
    )
    return render(
        request,
        "logistics/plans/bus_line_detail.html",
        {
            "line": line,
            "stops": stops,
            "departures": departures,
            "may_edit": may_edit,
            "stop_form": stop_form,
            "departure_form": departure_form,
        },
    )


@login_required
@require_POST
@domain_errors_as_pages
def bus_stop_remove(request: HttpRequest, line_id: int, stop_id: int) -> HttpResponse:
    user = _person(request)
    line = access_bus_line(user, line_id)
    stop = BusLineStop.objects.select_related("line", "point").filter(pk=stop_id, line=line).first()
    if stop is None:
        messages.error(request, _("No such stop."))
        return redirect("logistics:bus-line-detail", line.pk)
    return run_action_and_redirect(
        request,
        lambda: remove_bus_stop(stop, actor=user),
        "logistics:bus-line-detail",
        line.pk,
        success=_("The stop was removed."),
    )


@login_required
@require_POST
@domain_errors_as_pages
def bus_departure_remove(request: HttpRequest, line_id: int, departure_id: int) -> HttpResponse:
    user = _person(request)
    line = access_bus_line(user, line_id)
    departure = (
        BusDeparture.objects.select_related("line").filter(pk=departure_id, line=line).first()
    )
    if departure is None:
        messages.error(request, _("No such departure."))
        return redirect("logistics:bus-line-detail", line.pk)
    return run_action_and_redirect(
        request,
        lambda: remove_bus_departure(departure, actor=user),
        "logistics:bus-line-detail",
        line.pk,
        success=_("The departure was taken out of the timetable."),
    )


urlpatterns: list[URLPattern] = [
    path("vehicles/", vehicle_list, name="vehicle-list"),
    path("vehicles/create/", vehicle_form, name="vehicle-create"),
    path("vehicles/<int:vehicle_id>/edit/", vehicle_form, name="vehicle-edit"),
    path("bus-lines/", bus_line_list, name="bus-line-list"),
    path("bus-lines/<int:line_id>/", bus_line_detail, name="bus-line-detail"),
    path(
        "bus-lines/<int:line_id>/stops/<int:stop_id>/remove/",
        bus_stop_remove,
        name="bus-stop-remove",
    ),
    path(
        "bus-lines/<int:line_id>/departures/<int:departure_id>/remove/",
        bus_departure_remove,
        name="bus-departure-remove",
    ),
]
