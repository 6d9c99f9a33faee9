"""Order lists, an order's page and its actions, and ordering for a villager at a desk."""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.catalog.models import Sku
from highland.core.access import home_county
from highland.core.errors import DomainError, ValidationFailed
from highland.core.http import (
    domain_errors_as_pages,
    posted_next,
    run_action_and_redirect,
)
from highland.core.idempotency import IdempotentRequest
from highland.core.permissions import allowed, require
from highland.core.schemas import MAX_GRAMS
from highland.network.selectors import villagers_served_by
from highland.orders import aftersales, fulfilment, services
from highland.orders.access import access_order
from highland.orders.forms import (
    AssistedOrderForm,
    PickupForm,
    ReasonForm,
    ShipForm,
)
from highland.orders.models import (
    ORDER_MACHINE,
    Delivery,
    OrderStatus,
)
from highland.orders.selectors import orders_visible_to
from highland.orders.views.shared import _form_error, _person, pickup_points
from highland.payments.models import PaymentMethod

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
            services.pack_order(order, grams, actor=user)
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


# --- assisted ordering at a station desk ------------------------------------------------------


@login_required
@domain_errors_as_pages
def assisted_order(request: HttpRequest) -> HttpResponse:
    """An agent orders for a villager who has no smartphone; cash is paid at the point."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.place_for_villager", county)
    villagers = villagers_served_by(user, county)
    points = pickup_points(county).filter(agents=user) or pickup_points(county)
    form = AssistedOrderForm(
        request.POST or None,
        villagers=villagers,
        points=points,
        initial={"idempotency_key": secrets.token_urlsafe(16)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sku = Sku.objects.filter(county=county, code=data["sku_code"].strip().upper()).first()
        if sku is None:
            form.add_error("sku_code", _("No product has this code."))
        else:
            delivery = services.DeliveryDetails(
                method=Delivery.PICKUP,
                recipient_name=str(data["villager"]),
                phone=data["villager"].phone,
                pickup_point=data["pickup_point"],
            )
            try:
                with transaction.atomic():
                    result = services.place_order(
                        county,
                        [services.CheckoutLine(sku.pk, data["quantity"])],
                        buyer=data["villager"],
                        actor=user,
                        delivery=delivery,
                        payment_method=PaymentMethod.CASH_AT_POINT,
                        idempotent_request=IdempotentRequest.of_form(data),
                    )
            except DomainError as error:
                _form_error(form, error)
            else:
                return redirect("orders:payment", result.payment.pk)
    return render(request, "orders/assisted.html", {"form": form})
