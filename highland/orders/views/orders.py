"""Order lists, an order's page and its actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.core.access import home_county
from highland.core.errors import ValidationFailed
from highland.core.http import (
    domain_errors_as_pages,
    posted_next,
    run_action_and_redirect,
)
from highland.core.permissions import allowed
from highland.core.schemas import MAX_GRAMS
from highland.orders import aftersales, fulfilment, services
from highland.orders.access import access_order
from highland.orders.forms import (
    PickupForm,
    ReasonForm,
    ShipForm,
)
from highland.orders.models import (
    ORDER_MACHINE,
    OrderStatus,
)
from highland.orders.selectors import orders_visible_to
from highland.orders.views.shared import _person

# --- orders ----------------------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def order_list(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    home_county(user)
    status = request.GET.get("status", "")
    orders = orders_visible_to(user)
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    return render(
        request,
        "orders/order_list.html",
        {
            "orders": orders[:100],
            "statuses": OrderStatus.choices,
            "status": status,
        },
    )


@login_required
@domain_errors_as_pages
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    user = _person(request)
    order = access_order(user, order_id)
    lines = list(order.lines.all())
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "weight_lines": [line for line in lines if line.selling_unit == "weight"],
            "can_cancel": allowed(user, "orders.cancel_order", order)
            and ORDER_MACHINE.can_move(order, OrderStatus.CANCELLED),
            "can_fulfil": allowed(user, "orders.fulfil_order", order),
            "can_deliver": allowed(user, "orders.deliver_order", order),
            "reason_form": ReasonForm(),
            "ship_form": ShipForm(),
            "carrier": fulfilment.carrier_label(order),
            "pickup_form": PickupForm(),
            "aftersales": list(aftersales.aftersales_of_order(order)),
            "can_request_aftersale": allowed(user, "orders.open_aftersale", order)
            and aftersales.eligible_for_aftersale(order),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    user = _person(request)
    order = access_order(user, order_id)

    def act() -> None:
        if action == "cancel":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(_("Say why the order is cancelled."), field="reason")
            services.cancel_order(order, actor=user, reason=form.cleaned_data["reason"])
        elif action == "pack":
            grams: dict[int, int] = {}
            for line in order.lines.filter(selling_unit="weight"):
                raw = request.POST.get(f"grams_{line.pk}", "").strip()
                # isdigit() alone also passes "²" and other digits int() cannot read.
                if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_GRAMS:
                    raise ValidationFailed(
                        _("Enter the packed weight in whole grams."), field="packed_grams"
                    )
                grams[line.pk] = int(raw)
            # An empty choice packs first expiry first; a lot id names the lot.
            lots: dict[int, int] = {}
            for line in order.lines.all():
                raw = request.POST.get(f"lot_{line.pk}", "").strip()
                if not raw:
                    continue
                if not (raw.isascii() and raw.isdigit()):
                    raise ValidationFailed(_("Choose a lot from the list."), field="lots")
                lots[line.pk] = int(raw)
            services.pack_order(order, grams, actor=user, lots=lots)
        elif action == "ship":
            ship_form = ShipForm(request.POST)
            if not ship_form.is_valid():
                raise ValidationFailed(_("Choose the carrier."), field="carrier")
            fulfilment.ship_order(order, actor=user, **ship_form.cleaned_data)
        elif action == "pickup":
            services.record_pickup(
                order, agent=user, pickup_code=request.POST.get("pickup_code", "")
            )
        else:
            services.advance_order(
                order,
                {
                    "deliver": OrderStatus.DELIVERED,
                    "complete": OrderStatus.COMPLETED,
                }[action],
                actor=user,
            )

    return run_action_and_redirect(
        request,
        act,
        posted_next(request, reverse("orders:order-detail", args=[order.pk])),
        success=_("Done."),
    )


ORDER_ACTIONS = ("cancel", "pack", "ship", "deliver", "complete", "pickup")
