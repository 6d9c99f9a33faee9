"""Back office for planning: runs and their plans are read-only (they change only through
the planning services); bus stops and departures are added through the bus services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from highland.core.admin import ServiceRefusalsAsFormErrors
from highland.core.models import User
from highland.core.readonly_admin import ReadOnly, ReadOnlyInline
from highland.logistics.models import (
    BusChoice,
    BusConsignment,
    BusDeparture,
    BusLineStop,
    ParcelCost,
    PlannedRoute,
    PlanningRun,
    UnservedStop,
)
from highland.logistics.services.buses import add_bus_departures, add_bus_stop


def _become(obj: Any, created: Any) -> None:
    """The admin's unsaved object takes the saved one's values (for its log and message)."""
    for field in created._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class PlannedRouteInline(ReadOnlyInline):
    model = PlannedRoute
    fields = ("order", "vehicle", "driver", "starts_at", "ends_at", "distance_m", "cost_fen")


class UnservedStopInline(ReadOnlyInline):
    model = UnservedStop
    fields = ("point", "reason", "weight_g", "details")


class BusChoiceInline(ReadOnlyInline):
    model = BusChoice
    fields = ("point", "line", "chosen", "bus_fee_fen", "van_marginal_cost_fen", "reason")


@admin.register(PlanningRun)
class PlanningRunAdmin(ReadOnly):
    list_display = (
        "pk",
        "day",
        "status",
        "is_current",
        "van_cost_fen",
        "bus_fees_fen",
        "created_at",
    )
    list_filter = ("status", "is_current", "county")
    inlines = [PlannedRouteInline, UnservedStopInline, BusChoiceInline]


@admin.register(ParcelCost)
class ParcelCostAdmin(ReadOnly):
    list_display = ("parcel", "point", "day", "carrier", "cost_fen", "run")
    list_filter = ("carrier", "county")


@admin.register(BusConsignment)
class BusConsignmentAdmin(ReadOnly):
    list_display = ("parcel", "line", "departure_date", "point", "fee_fen", "status")
    list_filter = ("status", "line")


class _ServiceAdmin(ServiceRefusalsAsFormErrors):
    """Added through the service (audited, checked; a refusal is shown and nothing is
    saved); not edited in place."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ServiceForm(forms.ModelForm):
    def _post_clean(self) -> None:
        """Skip the model's own save-time checks: the service checks and numbers."""


class BusLineStopForm(_ServiceForm):
    class Meta:
        model = BusLineStop
        fields = ("line", "point", "minutes_from_departure")


class BusDepartureForm(_ServiceForm):
    class Meta:
        model = BusDeparture
        fields = ("line", "weekday", "departs_at", "parcel_capacity", "driver")


@admin.register(BusLineStop)
class BusLineStopAdmin(_ServiceAdmin):
    form = BusLineStopForm
    list_display = ("line", "sequence", "point", "minutes_from_departure")

    def save_model(self, request: HttpRequest, obj: BusLineStop, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = add_bus_stop(
            data["line"],
            point=data["point"],
            minutes_from_departure=data["minutes_from_departure"],
            actor=_actor(request),
        )
        _become(obj, created)


@admin.register(BusDeparture)
class BusDepartureAdmin(_ServiceAdmin):
    list_display = ("line", "weekday", "departs_at", "parcel_capacity", "driver", "active")
    form = BusDepartureForm
    list_filter = ("line", "weekday", "active")

    def save_model(self, request: HttpRequest, obj: BusDeparture, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = add_bus_departures(
            data["line"],
            weekdays=[data["weekday"]],
            departs_at=data["departs_at"],
            parcel_capacity=data.get("parcel_capacity"),
            driver=data.get("driver"),
            actor=_actor(request),
        )
        _become(obj, created[0])
