"""The county hub's pages: zones as cards with what lies in them, "where is lot X" with
put-away, move and pick, inbound and outbound (`hub_flow`), labels (`hub_labels`).

Phone-first, plain GET and POST: every page works without JavaScript. Forms carry a
hidden one-time key, so a double tap moves goods once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.catalog.models import SellingUnit, StockLot
from highland.core.errors import DomainError
from highland.core.http import domain_errors_as_pages
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import allowed
from highland.logistics import hub_selectors
from highland.logistics.coldchain.page_alerts import cold_alerts_context
from highland.logistics.hub_access import (
    access_lot,
    hub_county,
    location_by_code,
    order_by_number,
)
from highland.logistics.hub_forms import MoveForm, PickForm, PutAwayForm
from highland.logistics.models import HubLocation
from highland.logistics.services.hub import move_lot, pick_from_location, put_away
from highland.logistics.services.hub.stock import MovedLot, movement_text
from highland.logistics.views import hub_flow, hub_labels


def person(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@domain_errors_as_pages
def hub_home(request: HttpRequest) -> HttpResponse:
    """Zones as cards: class, locations and what lies in each; links to the hub's work."""
    user = person(request)
    county = hub_county(user)
    return render(
        request,
        "logistics/hub/home.html",
        {
            "zones": hub_selectors.hub_overview(county),
            "runs_hub": allowed(user, "logistics.run_hub", county),
            **cold_alerts_context(request, user, county),
        },
    )


@login_required
@domain_errors_as_pages
def lot_search(request: HttpRequest) -> HttpResponse:
    """Where is lot X: by code; one match opens its page."""
    user = person(request)
    county = hub_county(user)
    query = request.GET.get("q", "")[:40]
    lots = hub_selectors.find_lots(county, query) if query.strip() else []
    if len(lots) == 1 and lots[0].code == query.strip().upper():
        return redirect("logistics:hub-lot", lots[0].pk)
    return render(request, "logistics/hub/lot_search.html", {"q": query, "lots": lots})


def _sources(whereabouts: hub_selectors.Whereabouts) -> list[tuple[str, str]]:
    return [
        (str(placement.location_id), f"{placement.location.code} · {placement.quantity_text}")  # type: ignore[attr-defined]
        for placement in whereabouts.placements
    ]


def _lot_page(
    request: HttpRequest, lot: StockLot, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = person(request)
    whereabouts = hub_selectors.where_is(lot)
    sources = _sources(whereabouts)
    runs_hub = allowed(user, "logistics.run_hub", lot.county)
    given = forms or {}
    context = {
        "lot": lot,
        "where": whereabouts,
        "runs_hub": runs_hub,
        "by_weight": lot.sku.selling_unit == SellingUnit.WEIGHT,
        "put_away_form": given.get("put_away")
        or PutAwayForm(initial={"quantity": max(whereabouts.unplaced, 0) or None}),
        "move_form": given.get("move") or MoveForm(sources=sources),
        "pick_form": given.get("pick") or PickForm(sources=sources),
        "location_codes": hub_selectors.location_codes(lot.county) if runs_hub else [],
    }
    return render(request, "logistics/hub/lot.html", context, status=status)


@login_required
@domain_errors_as_pages
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    """One lot: where its goods lie, what is not yet put away, its latest movements, and
    the forms to put away, move and pick."""
    return _lot_page(request, access_lot(person(request), lot_id))


def _moved_message(moved: MovedLot, lot: StockLot) -> str:
    if not moved.created:
        return _("This was already done; nothing was changed again.")
    return movement_text(moved.movement, lot)


def _form_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _location_choice(lot: StockLot, raw: str) -> HubLocation:
    return HubLocation.objects.get(pk=int(raw), county_id=lot.county_id)


def _lot_action(
    request: HttpRequest,
    lot: StockLot,
    form: Any,
    form_key: str,
    act: Callable[[dict[str, Any], IdempotentRequest], MovedLot],
) -> HttpResponse:
    """Run one stock action from a valid form: a success message and back to the lot, or
    the lot page again with the refusal on the form (a 403 stays a 403)."""
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = act(data, IdempotentRequest.of_form(data, lot=lot.pk, action=form_key))
        except DomainError as error:
            if error.status_code == 403:
                raise
            _form_error(form, error)
        else:
            messages.success(request, _moved_message(moved, lot))
            return redirect("logistics:hub-lot", lot.pk)
    return _lot_page(request, lot, {form_key: form}, status=400)


@login_required
@require_POST
@domain_errors_as_pages
def lot_put_away(request: HttpRequest, lot_id: int) -> HttpResponse:
    user = person(request)
    lot = access_lot(user, lot_id)
    return _lot_action(
        request,
        lot,
        PutAwayForm(request.POST),
        "put_away",
        lambda data, key: put_away(
            lot,
            location=location_by_code(lot.county, data["location"]),
            quantity=data["quantity"],
            actor=user,
            idempotent_request=key,
        ),
    )


@login_required
@require_POST
@domain_errors_as_pages
def lot_move(request: HttpRequest, lot_id: int) -> HttpResponse:
    user = person(request)
    lot = access_lot(user, lot_id)
    return _lot_action(
        request,
        lot,
        MoveForm(request.POST, sources=_sources(hub_selectors.where_is(lot))),
        "move",
        lambda data, key: move_lot(
            lot,
            from_location=_location_choice(lot, data["from_location"]),
            to_location=location_by_code(lot.county, data["to_location"], field="to_location"),
            quantity=data["quantity"],
            actor=user,
            idempotent_request=key,
        ),
    )


@login_required
@require_POST
@domain_errors_as_pages
def lot_pick(request: HttpRequest, lot_id: int) -> HttpResponse:
    user = person(request)
    lot = access_lot(user, lot_id)
    return _lot_action(
        request,
        lot,
        PickForm(request.POST, sources=_sources(hub_selectors.where_is(lot))),
        "pick",
        lambda data, key: pick_from_location(
            lot,
            location=_location_choice(lot, data["from_location"]),
            quantity=data["quantity"],
            order=order_by_number(lot.county, data["order"]) if data["order"] else None,
            actor=user,
            idempotent_request=key,
        ),
    )


urlpatterns = [
    path("hub/", hub_home, name="hub"),
    path("hub/lots/", lot_search, name="hub-lot-search"),
    path("hub/lots/<int:lot_id>/", lot_detail, name="hub-lot"),
    path("hub/lots/<int:lot_id>/put-away/", lot_put_away, name="hub-lot-put-away"),
    path("hub/lots/<int:lot_id>/move/", lot_move, name="hub-lot-move"),
    path("hub/lots/<int:lot_id>/pick/", lot_pick, name="hub-lot-pick"),
    *hub_flow.urlpatterns,
    *hub_labels.urlpatterns,
]
