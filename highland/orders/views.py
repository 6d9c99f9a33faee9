"""Pages: cart, checkout, payment, orders, the seller's packing and the agent's assisted order."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.catalog.models import Seller, Sku
from highland.catalog.selectors import storefront_county
from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.models import County, Role, User
from highland.core.permissions import allowed, require
from highland.network.models import Service, ServicePoint, Tier
from highland.orders import cart as carts
from highland.orders import services, settlement
from highland.orders.access import access_order, access_payment
from highland.orders.forms import (
    AssistedOrderForm,
    CartLineForm,
    CheckoutForm,
    PickupForm,
    ReasonForm,
    TransferForm,
)
from highland.orders.models import Delivery, OrderStatus, Payout
from highland.orders.selectors import orders_visible_to
from highland.payments.models import PaymentMethod, PaymentStatus
from highland.web.http import domain_errors_as_pages


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _cart(request: HttpRequest, county: County) -> carts.Cart:
    if not request.user.is_authenticated and not request.session.session_key:
        request.session.save()
    user = request.user if isinstance(request.user, User) else None
    return carts.cart_for(county, user=user, session_key=request.session.session_key or "")


def _form_error(form: Any, error: DomainError) -> None:
    placed = False
    for field, field_messages in error.errors.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def pickup_points(county: County) -> Any:
    """Points where parcels can be collected: stations and village points offering pickup."""
    points = ServicePoint.objects.filter(county=county, active=True).exclude(
        tier=Tier.COUNTY_CENTRE
    )
    ids = [
        pk
        for pk, offered in points.values_list("pk", "services")
        if Service.PARCEL_PICKUP in offered
    ]
    return ServicePoint.objects.filter(pk__in=ids).order_by("code")


# --- cart -------------------------------------------------------------------------------------


@domain_errors_as_pages
def cart_page(request: HttpRequest) -> HttpResponse:
    county = storefront_county(request)
    if county is None:
        return redirect("catalog:storefront")
    cart = _cart(request, county)
    lines = list(cart.lines.select_related("sku__product").order_by("sku_id"))
    rows = [
        {
            "line": line,
            "amount_fen": services.pricing.line_amount_fen(
                unit_price_fen=line.sku.price_fen,
                quantity=line.quantity,
                by_weight=line.sku.selling_unit == "weight",
            ),
        }
        for line in lines
    ]
    return render(
        request, "orders/cart.html", {"rows": rows, "total_fen": sum(r["amount_fen"] for r in rows)}
    )


@require_POST
@domain_errors_as_pages
def cart_add(request: HttpRequest) -> HttpResponse:
    county = storefront_county(request)
    if county is None:
        return redirect("catalog:storefront")
    form = CartLineForm(request.POST)
    if not form.is_valid() or form.cleaned_data["quantity"] < 1:
        messages.error(request, _("Enter a quantity of at least 1."))
        return redirect(request.POST.get("next") or "orders:cart")
    try:
        carts.add_to_cart(
            _cart(request, county), form.cleaned_data["sku_id"], form.cleaned_data["quantity"]
        )
    except DomainError as error:
        if error.status_code == 404:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Added to your cart."))
    return redirect("orders:cart")


@require_POST
@domain_errors_as_pages
def cart_update(request: HttpRequest) -> HttpResponse:
    county = storefront_county(request)
    if county is None:
        return redirect("catalog:storefront")
    form = CartLineForm(request.POST)
    if form.is_valid():
        try:
            carts.set_cart_quantity(
                _cart(request, county), form.cleaned_data["sku_id"], form.cleaned_data["quantity"]
            )
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Enter a whole number."))
    return redirect("orders:cart")


# --- checkout and payment ------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def checkout_page(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    cart = _cart(request, county)
    form = CheckoutForm(
        request.POST or None,
        points=pickup_points(county),
        initial={
            "idempotency_key": secrets.token_urlsafe(16),
            "recipient_name": str(user),
            "phone": user.phone,
            "delivery": Delivery.ADDRESS,
            "payment_method": PaymentMethod.GATEWAY,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        delivery = services.DeliveryDetails(
            method=data["delivery"],
            recipient_name=data["recipient_name"],
            phone=data["phone"],
            province=data["province"],
            city=data["city"],
            district=data["district"],
            township=data["township"],
            detail=data["detail"],
            pickup_point=data["pickup_point"],
        )
        try:
            result = services.place_order(
                county,
                carts.checkout_lines(cart),
                buyer=user,
                actor=user,
                delivery=delivery,
                payment_method=data["payment_method"],
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            if result.created:
                carts.clear_cart(cart)
            return redirect("orders:payment", result.payment.pk)
    return render(request, "orders/checkout.html", {"form": form, "empty": not cart.lines.exists()})


@login_required
@domain_errors_as_pages
def payment_page(request: HttpRequest, payment_id: int) -> HttpResponse:
    user = _person(request)
    payment = access_payment(user, payment_id)
    transfer_form = None
    if (
        allowed(user, "orders.confirm_transfer", payment.county)
        and payment.method == PaymentMethod.BANK_TRANSFER
    ):
        transfer_form = TransferForm(request.POST or None)
        if request.method == "POST" and transfer_form.is_valid():
            try:
                services.confirm_bank_transfer(
                    payment, actor=user, bank_reference=transfer_form.cleaned_data["bank_reference"]
                )
            except DomainError as error:
                _form_error(transfer_form, error)
            else:
                messages.success(request, _("The transfer is confirmed; the orders are paid."))
                return redirect("orders:payment", payment.pk)
    orders = (
        payment.orders.select_related("seller", "pickup_point")
        .prefetch_related("lines")
        .order_by("pk")
    )
    return render(
        request,
        "orders/payment.html",
        {
            "payment": payment,
            "orders": orders,
            "transfer_form": transfer_form,
            "can_collect": payment.method == PaymentMethod.CASH_AT_POINT
            and payment.status == PaymentStatus.PENDING
            and any(
                allowed(user, "orders.collect_cash", o.pickup_point)
                for o in orders
                if o.pickup_point
            ),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def pay_online(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Send the buyer to the gateway's pay page."""
    from highland.payments.api import pay_online as start_online_payment

    data = start_online_payment(request, payment_id)
    return redirect(data["pay_url"])


@require_POST
@login_required
@domain_errors_as_pages
def collect_cash(request: HttpRequest, payment_id: int) -> HttpResponse:
    user = _person(request)
    payment = access_payment(user, payment_id)
    order = payment.orders.select_related("pickup_point").first()
    if order is None or order.pickup_point is None:
        raise ValidationFailed(_("This payment has no pickup point."))
    try:
        services.collect_cash(payment, agent=user, point=order.pickup_point)
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Cash collected; the receipt shows the pickup code."))
    return redirect("orders:payment", payment.pk)


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
            and OrderStatus.CANCELLED in services.ORDER_TRANSITIONS[OrderStatus(order.status)],
            "can_fulfil": allowed(user, "orders.fulfil_order", order),
            "can_deliver": allowed(user, "orders.deliver_order", order),
            "reason_form": ReasonForm(),
            "pickup_form": PickupForm(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    user = _person(request)
    order = access_order(user, order_id)
    try:
        if action == "cancel":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(_("Say why the order is cancelled."), field="reason")
            services.cancel_order(order, actor=user, reason=form.cleaned_data["reason"])
        elif action == "pack":
            grams: dict[int, int] = {}
            for line in order.lines.filter(selling_unit="weight"):
                raw = request.POST.get(f"grams_{line.pk}", "").strip()
                if not raw.isdigit():
                    raise ValidationFailed(
                        _("Enter the packed weight in whole grams."), field="packed_grams"
                    )
                grams[line.pk] = int(raw)
            services.pack_order(order, grams, actor=user)
        elif action == "pickup":
            services.record_pickup(
                order, agent=user, pickup_code=request.POST.get("pickup_code", "")
            )
        else:
            services.advance_order(
                order,
                {
                    "ship": OrderStatus.SHIPPED,
                    "deliver": OrderStatus.DELIVERED,
                    "complete": OrderStatus.COMPLETED,
                }[action],
                actor=user,
            )
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))
    return redirect("orders:order-detail", order.pk)


ORDER_ACTIONS = ("cancel", "pack", "ship", "deliver", "complete", "pickup")


# --- assisted ordering at a station desk ------------------------------------------------------


@login_required
@domain_errors_as_pages
def assisted_order(request: HttpRequest) -> HttpResponse:
    """An agent orders for a villager who has no smartphone; cash is paid at the point."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.place_for_villager", county)
    villagers = (
        User.objects.filter(
            county=county, memberships__role__in=[Role.MEMBER, Role.BUYER], memberships__active=True
        )
        .distinct()
        .order_by("username")
    )
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
                        idempotency_key=data["idempotency_key"],
                    )
            except DomainError as error:
                _form_error(form, error)
            else:
                return redirect("orders:payment", result.payment.pk)
    return render(request, "orders/assisted.html", {"form": form})


# --- settlement ----------------------------------------------------------------------------------


@login_required
@domain_errors_as_pages
def settlement_page(request: HttpRequest) -> HttpResponse:
    """The operator's view of payouts, with a button for a settlement run now."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.run_settlement", county)
    if request.method == "POST":
        run = settlement.settle_sellers(county, actor=user)
        messages.success(request, _("%(count)d payout(s) made.") % {"count": len(run.payouts)})
        return redirect("orders:settlements")
    return render(
        request,
        "orders/settlements.html",
        {
            "payouts": Payout.objects.filter(county=county).select_related("seller")[:100],
            "due": settlement.due_orders(county, as_of=timezone.now()).count(),
        },
    )


@login_required
@domain_errors_as_pages
def statement_page(request: HttpRequest, seller_id: int) -> HttpResponse:
    """A seller's statement for a period (default: this month), printable."""
    user = _person(request)
    county = home_county(user)
    seller = Seller.objects.filter(pk=seller_id, county=county).first()
    if seller is None or not may_see_seller_money(user, seller):
        raise NotFound(_("No such seller."))
    today = timezone.localdate()
    try:
        start = (
            dt.date.fromisoformat(request.GET.get("start", ""))
            if request.GET.get("start")
            else today.replace(day=1)
        )
        end = dt.date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else today
    except ValueError:
        raise ValidationFailed(_("Dates are written YYYY-MM-DD.")) from None
    if end < start:
        raise ValidationFailed(_("The start date is after the end date."))
    statement = settlement.seller_statement(county, seller.pk, start=start, end=end)
    return render(
        request,
        "orders/statement.html",
        {"seller": seller, "start": start, "end": end, **statement},
    )


def may_see_seller_money(user: User, seller: Seller) -> bool:
    if allowed(user, "orders.run_settlement", seller.county) or seller.represented_by_id == user.pk:
        return True
    if seller.organisation is None:
        return False
    return user.memberships.filter(
        organisation=seller.organisation,
        active=True,
        role__in=[Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER, Role.COOPERATIVE_ACCOUNTANT],
    ).exists()
