"""The hub's inbound and outbound pages: receive a parcel or a seller's goods and put them
away; hand address orders to national carriers; consolidate pickup orders into one tote
per village point and temperature class."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.errors import DomainError
from highland.core.gs1 import validate_sscc
from highland.core.http import domain_errors_as_pages
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics import hub_selectors
from highland.logistics.access import access_parcel_by_sscc
from highland.logistics.hub_access import (
    access_order,
    hub_county,
    location_by_code,
    sku_by_code,
)
from highland.logistics.hub_forms import (
    MakeTotesForm,
    ReceiveGoodsForm,
    ReceiveParcelForm,
    ShipForm,
)
from highland.logistics.services.hub import (
    make_totes,
    receive_goods_at_hub,
    receive_parcel_at_hub,
    ship_by_carrier,
)
from highland.logistics.services.hub.stock import quantity_text


def _person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _inbound_page(
    request: HttpRequest, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = _person(request)
    county = hub_county(user)
    given = forms or {}
    return render(
        request,
        "logistics/hub/inbound.html",
        {
            "parcel_form": given.get("parcel") or ReceiveParcelForm(),
            "goods_form": given.get("goods") or ReceiveGoodsForm(),
            "runs_hub": allowed(user, "logistics.run_hub", county),
            "location_codes": hub_selectors.location_codes(county),
        },
        status=status,
    )


@login_required
@domain_errors_as_pages
def inbound(request: HttpRequest) -> HttpResponse:
    """Receive a parcel (scan its SSCC) or a seller's goods, and put them away."""
    return _inbound_page(request)


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
@require_POST
@domain_errors_as_pages
def inbound_parcel(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = hub_county(user)
    form = ReceiveParcelForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            parcel = access_parcel_by_sscc(user, validate_sscc(data["sscc"]))
            location = location_by_code(county, data["location"]) if data["location"] else None
            received = receive_parcel_at_hub(
                parcel,
                idempotency_key=data["idempotency_key"],
                location=location,
                actor=user,
            )
        except DomainError as error:
            if error.status_code == 403:
                raise
            if error.status_code == 404 and not error.field:
                error.field = "sscc"
            _form_error(form, error)
        else:
            if received.put_away is not None and location is not None:
                text = _("Parcel %(sscc)s received and put away at %(location)s.") % {
                    "sscc": parcel.sscc,
                    "location": location.code,
                }
            else:
                text = _("Parcel %(sscc)s received at the hub.") % {"sscc": parcel.sscc}
            messages.success(request, text)
            return redirect("logistics:hub-inbound")
    return _inbound_page(request, {"parcel": form}, status=400)


@login_required
@require_POST
@domain_errors_as_pages
def inbound_goods(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = hub_county(user)
    form = ReceiveGoodsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = receive_goods_at_hub(
                sku_by_code(county, data["sku_code"]),
                quantity=data["quantity"],
                location=location_by_code(county, data["location"]),
                best_before=data["best_before"],
                actor=user,
                idempotent_request=IdempotentRequest.of_form(data, action="goods"),
            )
        except DomainError as error:
            if error.status_code == 403:
                raise
            _form_error(form, error)
        else:
            lot = moved.movement.lot
            destination = moved.movement.to_location
            messages.success(
                request,
                _("Lot %(lot)s received: %(quantity)s put away at %(location)s.")
                % {
                    "lot": lot.code,
                    "quantity": quantity_text(lot, moved.movement.quantity),
                    "location": destination.code if destination else "",
                },
            )
            return redirect("logistics:hub-lot", lot.pk)
    return _inbound_page(request, {"goods": form}, status=400)


def _outbound_page(
    request: HttpRequest, ship_forms: dict[int, ShipForm] | None = None, status: int = 200
) -> HttpResponse:
    user = _person(request)
    county = hub_county(user)
    runs_hub = allowed(user, "logistics.run_hub", county)
    orders = hub_selectors.orders_for_carriers(county)
    forms = ship_forms or {}
    for order in orders:
        order.ship_form = forms.get(order.pk) or ShipForm(prefix=f"o{order.pk}")  # type: ignore[attr-defined]
    points = hub_selectors.points_waiting(county)
    open_totes = [tote.pk for point in points for tote in point.totes]
    return render(
        request,
        "logistics/hub/outbound.html",
        {
            "points": points,
            "open_totes": open_totes,
            "orders": orders,
            "runs_hub": runs_hub,
            "totes_form": MakeTotesForm(),
            "location_codes": hub_selectors.location_codes(county) if runs_hub else [],
        },
        status=status,
    )


@login_required
@domain_errors_as_pages
def outbound(request: HttpRequest) -> HttpResponse:
    """Points with orders waiting (make totes) and address orders for national carriers."""
    return _outbound_page(request)


@login_required
@require_POST
@domain_errors_as_pages
def outbound_make_totes(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = hub_county(user)
    form = MakeTotesForm(request.POST)
    if not form.is_valid():
        return _outbound_page(request, status=400)
    code = form.cleaned_data["sorted_at"]
    try:
        sorted_at = location_by_code(county, code, field="sorted_at") if code else None
        run = make_totes(county, actor=user, sorted_at=sorted_at)
    except DomainError as error:
        if error.status_code == 403:
            raise
        messages.error(request, error.message)
        return redirect("logistics:hub-outbound")
    if run.parcel_count:
        messages.success(
            request,
            _("%(parcels)d order parcels put in %(totes)d totes (%(opened)d new).")
            % {
                "parcels": run.parcel_count,
                "totes": len(run.filled),
                "opened": len(run.totes_opened),
            },
        )
    else:
        messages.info(request, _("No orders were waiting for a tote."))
    return redirect("logistics:hub-outbound")


@login_required
@require_POST
@domain_errors_as_pages
def outbound_ship(request: HttpRequest, order_id: int) -> HttpResponse:
    user = _person(request)
    order = access_order(user, order_id)
    form = ShipForm(request.POST, prefix=f"o{order.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            parcel = ship_by_carrier(
                order,
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                carrier_name=data["carrier_name"],
                actor=user,
            )
        except DomainError as error:
            if error.status_code == 403:
                raise
            if not error.errors:
                form.add_error(None, error.message)
            for field, problems in error.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(
                request,
                _("Order %(order)s handed to %(carrier)s, tracking number %(number)s.")
                % {
                    "order": order.number,
                    "carrier": parcel.carrier_name,
                    "number": parcel.carrier_tracking_number,
                },
            )
            return redirect("logistics:hub-label", parcel.pk)
    return _outbound_page(request, {order.pk: form}, status=400)


urlpatterns = [
    path("hub/inbound/", inbound, name="hub-inbound"),
    path("hub/inbound/parcel/", inbound_parcel, name="hub-inbound-parcel"),
    path("hub/inbound/goods/", inbound_goods, name="hub-inbound-goods"),
    path("hub/outbound/", outbound, name="hub-outbound"),
    path("hub/outbound/totes/", outbound_make_totes, name="hub-make-totes"),
    path("hub/outbound/orders/<int:order_id>/ship/", outbound_ship, name="hub-ship"),
]
