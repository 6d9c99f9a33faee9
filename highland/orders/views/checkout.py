"""The cart, checkout and paying pages."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from highland.catalog.selectors import storefront_county
from highland.core.access import home_county
from highland.core.errors import DomainError, ValidationFailed
from highland.core.http import (
    domain_errors_as_pages,
    posted_next,
    run_action_and_redirect,
)
from highland.core.idempotency import IdempotentRequest
from highland.core.permissions import allowed
from highland.orders import cart as carts
from highland.orders import services
from highland.orders.access import access_payment
from highland.orders.forms import (
    CartLineForm,
    CheckoutForm,
    TransferForm,
)
from highland.orders.models import (
    Delivery,
)
from highland.orders.views.shared import (
    _cart,
    _form_error,
    _person,
    checkout_summary,
    pickup_points,
)
from highland.payments.models import PaymentMethod, PaymentStatus

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
        return redirect(posted_next(request, "orders:cart"))
    return run_action_and_redirect(
        request,
        lambda: carts.add_to_cart(
            _cart(request, county), form.cleaned_data["sku_id"], form.cleaned_data["quantity"]
        ),
        "orders:cart",
        success=_("Added to your cart."),
    )


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


def checkout_login(request: HttpRequest) -> HttpResponse:
    """Why checkout needs an account, with the ways to log in or register."""
    return render(
        request,
        "orders/checkout_login.html",
        {"login_url": f"{reverse('login')}?{urlencode({'next': reverse('orders:checkout')})}"},
    )


def _delivery_of(data: dict[str, Any]) -> services.DeliveryDetails:
    """The chosen method's fields only: the others' (hidden or left filled) are dropped."""
    if data["delivery"] == Delivery.PICKUP:
        return services.DeliveryDetails(
            method=Delivery.PICKUP,
            recipient_name=data["recipient_name"],
            phone=data["phone"],
            pickup_point=data["pickup_point"],
        )
    return services.DeliveryDetails(
        method=data["delivery"],
        recipient_name=data["recipient_name"],
        phone=data["phone"],
        province=data["province"],
        city=data["city"],
        district=data["district"],
        township=data["township"],
        detail=data["detail"],
    )


@domain_errors_as_pages
def checkout_page(request: HttpRequest) -> HttpResponse:
    """Fill in delivery and payment, review the summary (lines, shipping per seller, the
    weight allowance, total), then place the order. Each step is a plain form post."""
    if not request.user.is_authenticated:
        return checkout_login(request)
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
    step = request.POST.get("step", "place")
    if request.method == "POST" and step != "edit" and form.is_valid():
        data = form.cleaned_data
        delivery = _delivery_of(data)
        if step == "review":
            try:
                services.check_delivery(county, delivery, data["payment_method"])
                quote = services.preview_checkout(
                    county, carts.checkout_lines(cart), delivery=delivery
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                return render(
                    request,
                    "orders/checkout_review.html",
                    {
                        "form": form,
                        "summary": checkout_summary(quote),
                        "delivery": delivery,
                        "payment_label": PaymentMethod(data["payment_method"]).label,
                    },
                )
        else:
            try:
                result = carts.check_out_cart(
                    cart,
                    buyer=user,
                    actor=user,
                    delivery=delivery,
                    payment_method=data["payment_method"],
                    idempotent_request=IdempotentRequest.of_form(data),
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                return redirect("orders:payment", result.payment.pk)
    return render(
        request,
        "orders/checkout.html",
        {"form": form, "empty": not cart.lines.exists(), "edit": step == "edit"},
    )


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
    orders = list(
        payment.orders.select_related("seller", "pickup_point", "buyer", "county")
        .prefetch_related("lines")
        .order_by("pk")
    )
    return render(
        request,
        "orders/payment.html",
        {
            "payment": payment,
            "orders": orders,
            "hold_until": min((o.reserved_until for o in orders if o.reserved_until), default=None),
            "transfer_form": transfer_form,
            "retry": request.GET.get("retry") == "1",
            "can_pay_online": allowed(user, "payments.pay_online", payment),
            "pickup_codes_shown": {
                order.pk for order in orders if allowed(user, "orders.view_pickup_code", order)
            },
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
    """Send the buyer to the gateway's pay page, or back to the payment with the reason."""
    from highland.payments.api import pay_online as start_online_payment

    try:
        data = start_online_payment(request, payment_id)
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
        if error.code in ("gateway_unavailable", "gateway_error"):
            # The order is kept; the payment page offers to try again.
            return redirect(f"{reverse('orders:payment', args=[payment_id])}?retry=1")
        return redirect("orders:payment", payment_id)
    return redirect(data["pay_url"])


@require_GET
@login_required
@domain_errors_as_pages
def payment_returned(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Where the gateway sends the buyer back: their order, with what we know of the payment.

    The return proves nothing (the buyer may have cancelled); only the gateway's signed
    notification or its query marks a payment paid, so until then the buyer is told the
    confirmation is awaited.
    """
    payment = access_payment(_person(request), payment_id)
    if payment.status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        messages.success(request, _("Paid. Thank you."))
    elif payment.status == PaymentStatus.PENDING:
        messages.info(
            request,
            _(
                "We are waiting for the payment service to confirm your payment. This page"
                " shows it as paid once the confirmation arrives."
            ),
        )
    orders = list(payment.orders.values_list("pk", flat=True)[:2])
    if len(orders) == 1:
        return redirect("orders:order-detail", orders[0])
    return redirect("orders:payment", payment.pk)


@require_POST
@login_required
@domain_errors_as_pages
def collect_cash(request: HttpRequest, payment_id: int) -> HttpResponse:
    user = _person(request)
    payment = access_payment(user, payment_id)
    order = payment.orders.select_related("pickup_point").first()
    if order is None or order.pickup_point is None:
        raise ValidationFailed(_("This payment has no pickup point."))
    point = order.pickup_point
    return run_action_and_redirect(
        request,
        lambda: services.collect_cash(payment, agent=user, point=point),
        "orders:payment",
        payment.pk,
        success=_("Cash collected; the receipt shows the pickup code."),
    )
