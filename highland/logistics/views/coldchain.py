"""Cold-chain pages: the board of zones and vehicles, alerts (list, detail, acknowledge),
the sensors, and a parcel's exposure. Phone-first cards, no JavaScript needed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.http import (
    domain_errors_as_pages,
    posted_next,
    posted_text,
    run_action_and_redirect,
)
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics.access import access_parcel_by_sscc
from highland.logistics.coldchain.access import access_cold_alert, cold_chain_county
from highland.logistics.coldchain.exposure import parcel_exposure
from highland.logistics.coldchain.selectors import (
    alert_readings,
    cold_chain_board,
    open_alerts,
    recent_alerts,
    sensors_of,
    telemetry_totals,
)
from highland.logistics.coldchain.texts import range_text
from highland.logistics.models import TelemetryCounter
from highland.logistics.services.coldchain import acknowledge_alert


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@domain_errors_as_pages
def cold_chain(request: HttpRequest) -> HttpResponse:
    """Every zone and vehicle: last readings, the last 24 hours, open alerts."""
    user = _person(request)
    county = cold_chain_county(user)
    board = cold_chain_board(county)
    return render(
        request,
        "logistics/coldchain/board.html",
        {
            "board": board,
            "totals": telemetry_totals(board.counters),
            "may_acknowledge": allowed(user, "logistics.acknowledge_alert", county),
            "next": request.get_full_path(),
        },
    )


@login_required
@domain_errors_as_pages
def cold_alert_list(request: HttpRequest) -> HttpResponse:
    """The open alerts, or (`?all=1`) the latest 100 of any state."""
    user = _person(request)
    county = cold_chain_county(user)
    show_all = request.GET.get("all") == "1"
    alerts = recent_alerts(county, limit=100) if show_all else open_alerts(county, limit=100)
    return render(
        request,
        "logistics/coldchain/alert_list.html",
        {
            "alerts": alerts,
            "show_all": show_all,
            "may_acknowledge": allowed(user, "logistics.acknowledge_alert", county),
            "next": request.get_full_path(),
        },
    )


@login_required
@domain_errors_as_pages
def cold_alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = _person(request)
    alert = access_cold_alert(user, alert_id)
    return render(
        request,
        "logistics/coldchain/alert_detail.html",
        {
            "alert": alert,
            "range_text": range_text(alert.min_centi_celsius, alert.max_centi_celsius),
            "readings": alert_readings(alert),
            "may_acknowledge": allowed(user, "logistics.acknowledge_alert", alert),
            "next": request.get_full_path(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def cold_alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = _person(request)
    alert = access_cold_alert(user, alert_id)
    note = posted_text(request, "note")
    target = posted_next(request, reverse("logistics:cold-alert", args=[alert.pk]))
    return run_action_and_redirect(
        request,
        lambda: acknowledge_alert(alert, note=note, actor=user),
        target,
        success=_("Alert acknowledged."),
    )


@login_required
@domain_errors_as_pages
def sensor_list(request: HttpRequest) -> HttpResponse:
    """Every sensor of the county (retired ones last) and the telemetry intake's counts."""
    user = _person(request)
    county = cold_chain_county(user)
    counters = list(TelemetryCounter.objects.filter(county=county).order_by("channel", "outcome"))
    return render(
        request,
        "logistics/coldchain/sensor_list.html",
        {"sensors": sensors_of(county), "counters": counters},
    )


@login_required
@domain_errors_as_pages
def parcel_exposure_page(request: HttpRequest, sscc: str) -> HttpResponse:
    """What a parcel went through, place by place (the parcel page includes the same
    partial)."""
    user = _person(request)
    parcel = access_parcel_by_sscc(user, sscc)
    return render(
        request,
        "logistics/coldchain/parcel_exposure.html",
        {"parcel": parcel, "exposure": parcel_exposure(parcel)},
    )


urlpatterns = [
    path("cold-chain/", cold_chain, name="cold-chain"),
    path("cold-chain/alerts/", cold_alert_list, name="cold-alert-list"),
    path("cold-chain/alerts/<int:alert_id>/", cold_alert_detail, name="cold-alert"),
    path(
        "cold-chain/alerts/<int:alert_id>/acknowledge/",
        cold_alert_acknowledge,
        name="cold-alert-acknowledge",
    ),
    path("cold-chain/sensors/", sensor_list, name="sensor-list"),
    path(
        "cold-chain/parcels/<str:sscc>/",
        parcel_exposure_page,
        name="parcel-exposure",
    ),
]
