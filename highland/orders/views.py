"""Pages: cart, checkout, payment, orders, the seller's packing and the agent's assisted order."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from highland.catalog.models import Sku
from highland.catalog.selectors import storefront_county
from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from highland.core.http import (
    domain_errors_as_pages,
    posted_next,
    posted_text,
    private_file_response,
    run_action_and_redirect,
)
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, Role, User
from highland.core.money import YuanField
from highland.core.permissions import allowed, require, roles_of
from highland.core.schemas import EARLIEST_DATE, LATEST_DATE, MAX_GRAMS, MAX_QUANTITY
from highland.network.models import Service, ServicePoint, Tier
from highland.network.selectors import villagers_served_by
from highland.orders import aftersales, groupbuys, services, settlement
from highland.orders import cart as carts
from highland.orders.access import access_order, access_payment
from highland.orders.forms import (
    AssistedOrderForm,
    CartLineForm,
    CheckoutForm,
    PickupForm,
    ReasonForm,
    TransferForm,
)
from highland.orders.models import (
    ORDER_MACHINE,
    AfterSaleKind,
    AfterSaleReason,
    AfterSaleStatus,
    Delivery,
    GroupBuyOrder,
    GroupBuyStatus,
    OrderStatus,
    Payout,
)
from highland.orders.selectors import orders_visible_to
from highland.payments.models import PaymentMethod, PaymentStatus


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
            "transfer_form": transfer_form,
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
        return redirect("orders:payment", payment_id)
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
    point = order.pickup_point
    return run_action_and_redirect(
        request,
        lambda: services.collect_cash(payment, agent=user, point=point),
        "orders:payment",
        payment.pk,
        success=_("Cash collected; the receipt shows the pickup code."),
    )


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

    return run_action_and_redirect(
        request, act, "orders:order-detail", order.pk, success=_("Done.")
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
        for held in run.held:
            messages.warning(request, held.message)
        return redirect("orders:settlements")
    return render(
        request,
        "orders/settlements.html",
        {
            "payouts": Payout.objects.filter(county=county).select_related("seller")[:100],
            "due": settlement.due_orders(county, as_of=timezone.now()).count(),
            "bank_fen": settlement.bank_balance(county),
        },
    )


@login_required
@domain_errors_as_pages
def statement_page(request: HttpRequest, seller_id: int) -> HttpResponse:
    """A seller's statement for a period (default: this month), printable."""
    try:
        start = _date_parameter(request, "start")
        end = _date_parameter(request, "end")
    except ValueError:
        raise ValidationFailed(_("Dates are written YYYY-MM-DD.")) from None
    statement = settlement.statement_for(_person(request), seller_id, start=start, end=end)
    return render(request, "orders/statement.html", statement)


def _date_parameter(request: HttpRequest, name: str) -> dt.date | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    day = dt.date.fromisoformat(value)
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        # Year 1 or 9999 overflows once a time zone or a day is added to it.
        raise ValidationFailed(
            _("Choose dates from %(first)s to %(last)s.")
            % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
            field=name,
        )
    return day


# --- after-sales -------------------------------------------------------------------------------


class AfterSaleForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What do you ask for?"),
        choices=AfterSaleKind.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("What is wrong?"), choices=AfterSaleReason.choices
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=aftersales.MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The service refuses zero, negatives and too much, with one set of messages.
    amount_fen = YuanField(label=gettext_lazy("Amount to refund (yuan)"), min_fen=None)


class EvidencePhotoForm(forms.Form):
    # A plain file field: the service checks size and type.
    photo = forms.FileField(label=gettext_lazy("Photo (JPEG, PNG or WebP, at most 8 MB)"))


@login_required
@domain_errors_as_pages
def aftersale_create(request: HttpRequest, order_id: int) -> HttpResponse:
    """The request form, reached from the order page."""
    user = _person(request)
    order = access_order(user, order_id)
    require(user, "orders.open_aftersale", order)
    left = aftersales.refundable_fen(order)
    form = AfterSaleForm(
        request.POST or None,
        initial={"kind": AfterSaleKind.REFUND_ONLY, "amount_fen": max(left, 0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            aftersale = aftersales.open_aftersale(
                order,
                actor=user,
                kind=data["kind"],
                reason=data["reason"],
                description=data["description"],
                amount_fen=data["amount_fen"],
            )
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            _form_error(form, error)
        else:
            messages.success(
                request, _("Your request is with the seller. Add photos of the problem below.")
            )
            return redirect("orders:aftersale-detail", aftersale.pk)
    problem = aftersales.aftersale_window_problem(order, timezone.now())
    return render(
        request,
        "orders/aftersales/create.html",
        {
            "order": order,
            "form": form,
            "refundable_fen": left,
            "problem": problem.message if problem else "",
        },
    )


@login_required
@domain_errors_as_pages
def aftersale_detail(request: HttpRequest, aftersale_id: int) -> HttpResponse:
    """A request, its evidence, and the buttons for whoever may act on it now."""
    user = _person(request)
    aftersale = aftersales.access_aftersale(user, aftersale_id)
    photos = list(aftersale.photos.all())
    waiting = aftersale.status in aftersales.PHOTO_STATUSES
    return render(
        request,
        "orders/aftersales/detail.html",
        {
            "aftersale": aftersale,
            "order": aftersale.order,
            "photos": photos,
            "can_decide": waiting and allowed(user, "orders.decide_aftersale", aftersale),
            "can_receive": aftersale.status == AfterSaleStatus.AWAITING_RETURN
            and allowed(user, "orders.receive_return", aftersale),
            "can_add_photo": waiting
            and len(photos) < aftersales.MAX_PHOTOS
            and allowed(user, "orders.add_aftersale_photo", aftersale),
            "reason_form": ReasonForm(),
            "photo_form": EvidencePhotoForm(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def aftersale_action(request: HttpRequest, aftersale_id: int, action: str) -> HttpResponse:
    user = _person(request)
    aftersale = aftersales.access_aftersale(user, aftersale_id)

    def act() -> None:
        if action == "accept":
            aftersales.accept_aftersale(aftersale, actor=user)
        elif action == "reject":
            aftersales.reject_aftersale(
                aftersale, actor=user, reason=posted_text(request, "reason")
            )
        elif action == "received":
            aftersales.receive_return(aftersale, actor=user)
        else:
            form = EvidencePhotoForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationFailed(_("Choose a photo to upload."), field="photo")
            aftersales.add_aftersale_photo(aftersale, form.cleaned_data["photo"], actor=user)

    return run_action_and_redirect(
        request, act, "orders:aftersale-detail", aftersale.pk, success=_("Done.")
    )


AFTERSALE_ACTIONS = ("accept", "reject", "received", "photos")


@require_GET
@login_required
@domain_errors_as_pages
def aftersale_photo(request: HttpRequest, aftersale_id: int, photo_id: int) -> HttpResponse:
    """An evidence photo, only for those who may see the request."""
    aftersale = aftersales.access_aftersale(_person(request), aftersale_id)
    photo = aftersale.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    return private_file_response(photo.thumbnail, content_type="image/webp")


@login_required
@domain_errors_as_pages
def escalated_aftersale_list(request: HttpRequest) -> HttpResponse:
    """The service centre's queue: requests sellers left unanswered, oldest first."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.review_escalated_aftersales", county)
    return render(
        request,
        "orders/aftersales/escalated.html",
        {"aftersales": aftersales.escalated_aftersales(county)[:200]},
    )


# --- group buys --------------------------------------------------------------------------------

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
GROUP_BUY_ACTIONS = ("open", "close", "order", "cancel")


class GroupBuyForm(forms.Form):
    station = forms.ModelChoiceField(
        label=gettext_lazy("Station"), queryset=ServicePoint.objects.none()
    )
    title_zh = forms.CharField(label=gettext_lazy("Title (Chinese)"), max_length=120)
    title_bo = forms.CharField(
        label=gettext_lazy("Title (Tibetan)"), max_length=200, required=False
    )
    title_en = forms.CharField(
        label=gettext_lazy("Title (English)"), max_length=120, required=False
    )
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens at"), widget=DATETIME_INPUT)
    closes_at = forms.DateTimeField(label=gettext_lazy("Cut-off"), widget=DATETIME_INPUT)
    collect_by = forms.DateTimeField(
        label=gettext_lazy("Unpaid orders are held until"), widget=DATETIME_INPUT
    )
    pay_on_pickup = forms.BooleanField(
        label=gettext_lazy("Villagers may pay in cash when they collect"), required=False
    )
    points = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Village points served"),
        queryset=ServicePoint.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("None ticked: every active village point of the station."),
    )

    def __init__(
        self, *args: Any, stations: list[ServicePoint] | None, points: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if stations is None:
            del self.fields["station"]
        else:
            self.fields["station"].queryset = ServicePoint.objects.filter(  # type: ignore[attr-defined]
                pk__in=[station.pk for station in stations]
            )
        self.fields["points"].queryset = points  # type: ignore[attr-defined]


class GroupBuyItemForm(forms.Form):
    sku_code = forms.CharField(label=gettext_lazy("Product code"), max_length=40, required=False)
    group_price = YuanField(label=gettext_lazy("Group price (yuan)"), required=False)
    min_quantity = forms.IntegerField(
        label=gettext_lazy("Minimum total"), min_value=1, max_value=MAX_QUANTITY, required=False
    )


GroupBuyItemFormSet = forms.formset_factory(GroupBuyItemForm, extra=4, max_num=groupbuys.MAX_ITEMS)


def _group_buy_terms(
    county: County, form: GroupBuyForm, items: Any
) -> groupbuys.GroupBuyTerms | None:
    """The terms from valid forms, or None after marking unknown product codes."""
    data = form.cleaned_data
    terms: list[groupbuys.ItemTerms] = []
    for row in items:
        code = (row.cleaned_data.get("sku_code") or "").strip().upper()
        if not code:
            continue
        sku = Sku.objects.filter(county=county, code=code).first()
        if sku is None:
            row.add_error("sku_code", _("No product has this code."))
            continue
        terms.append(
            groupbuys.ItemTerms(
                sku.pk, row.cleaned_data.get("group_price"), row.cleaned_data.get("min_quantity")
            )
        )
    if any(row.errors for row in items):
        return None
    points = data["points"]
    return groupbuys.GroupBuyTerms(
        title_zh=data["title_zh"],
        title_bo=data["title_bo"],
        title_en=data["title_en"],
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        collect_by=data["collect_by"],
        pay_on_pickup=data["pay_on_pickup"],
        point_ids=[point.pk for point in points] if points else None,
        items=terms,
    )


def _errors_on_form(form: forms.Form, error: DomainError) -> None:
    """Field errors on their fields; the products' and others' above the form, each said."""
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
    if not error.errors:
        form.add_error(None, error.message)


def _organised_stations(user: User, county: County) -> list[ServicePoint]:
    stations = ServicePoint.objects.filter(
        county=county, tier=Tier.TOWNSHIP_STATION, active=True
    ).order_by("code")
    return [station for station in stations if allowed(user, "orders.organise_group_buy", station)]


@login_required
@domain_errors_as_pages
def group_buy_list(request: HttpRequest) -> HttpResponse:
    """The group buys a person organises, serves, supplies or joined."""
    user = _person(request)
    county = home_county(user)
    return render(
        request,
        "orders/groupbuys/list.html",
        {
            "group_buys": groupbuys.group_buys_visible_to(user)[:100],
            "can_create": user.is_superuser
            or Role.CENTRE_OPERATOR in roles_of(user, county)
            or user.service_points.filter(tier=Tier.TOWNSHIP_STATION).exists(),
        },
    )


@login_required
@domain_errors_as_pages
def group_buy_create(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = home_county(user)
    stations = _organised_stations(user, county)
    if not stations:
        raise PermissionDenied(_("You are not allowed to do this."))
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = GroupBuyForm(
        request.POST or None,
        stations=stations,
        points=ServicePoint.objects.filter(
            parent__in=stations, tier=Tier.VILLAGE_POINT, active=True
        ).order_by("code"),
        initial={
            "station": stations[0] if len(stations) == 1 else None,
            "opens_at": now,
            "closes_at": now + dt.timedelta(days=3),
            "collect_by": now + dt.timedelta(days=17),
            "pay_on_pickup": True,
        },
    )
    items = GroupBuyItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        terms = _group_buy_terms(county, form, items)
        if terms is not None:
            try:
                group_buy = groupbuys.create_group_buy(
                    form.cleaned_data["station"], terms, actor=user
                )
            except DomainError as error:
                if error.status_code in (403, 404):
                    raise
                _errors_on_form(form, error)
            else:
                messages.success(request, _("The group buy is drafted; open it when ready."))
                return redirect("orders:group-buy-detail", group_buy.pk)
    return render(request, "orders/groupbuys/form.html", {"form": form, "items": items})


@login_required
@domain_errors_as_pages
def group_buy_edit(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    require(user, "orders.manage_group_buy", group_buy)
    form = GroupBuyForm(
        request.POST or None,
        stations=None,
        points=ServicePoint.objects.filter(
            parent=group_buy.station, tier=Tier.VILLAGE_POINT, active=True
        ).order_by("code"),
        initial={
            **{
                name: getattr(group_buy, name)
                for name in ("title_zh", "title_bo", "title_en", "pay_on_pickup")
            },
            **{
                name: timezone.localtime(getattr(group_buy, name))
                for name in ("opens_at", "closes_at", "collect_by")
            },
            "points": list(group_buy.points.all()),
        },
    )
    items = GroupBuyItemFormSet(
        request.POST or None,
        prefix="items",
        initial=[
            {
                "sku_code": item.sku.code,
                "group_price": item.group_price_fen,
                "min_quantity": item.min_quantity,
            }
            for item in group_buy.items.select_related("sku")
        ],
    )
    if request.method == "POST" and form.is_valid() and items.is_valid():
        terms = _group_buy_terms(group_buy.county, form, items)
        if terms is not None:
            # The form shows whole minutes; an unchanged minute keeps the stored time.
            terms = dataclasses.replace(
                terms,
                **{
                    name: getattr(group_buy, name)
                    for name in ("opens_at", "closes_at", "collect_by")
                    if getattr(terms, name)
                    == getattr(group_buy, name).replace(second=0, microsecond=0)
                },
            )
            try:
                groupbuys.update_group_buy(group_buy, terms, actor=user)
            except DomainError as error:
                if error.status_code in (403, 404):
                    raise
                _errors_on_form(form, error)
            else:
                messages.success(request, _("The group buy is saved."))
                return redirect("orders:group-buy-detail", group_buy.pk)
    return render(
        request,
        "orders/groupbuys/form.html",
        {"form": form, "items": items, "group_buy": group_buy},
    )


@login_required
@domain_errors_as_pages
def group_buy_detail(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    totals = groupbuys.item_totals(group_buy)
    items = list(group_buy.items.select_related("sku__product"))
    for item in items:
        item.ordered = totals.get(item.sku_id, 0)  # type: ignore[attr-defined]
    staff = allowed(user, "orders.view_group_buy_lists", group_buy)
    links = GroupBuyOrder.objects.filter(group_buy=group_buy).select_related(
        "order__buyer", "order__pickup_point"
    )
    if not staff:
        links = links.filter(order__buyer=user)
    return render(
        request,
        "orders/groupbuys/detail.html",
        {
            "group_buy": group_buy,
            "items": items,
            "points": group_buy.points.order_by("code"),
            "links": links.order_by("order__pickup_point__code", "pk"),
            "staff": staff,
            "can_manage": allowed(user, "orders.manage_group_buy", group_buy),
            "can_join": group_buy.status == GroupBuyStatus.OPEN
            and any(
                allowed(user, "orders.join_group_buy", point) for point in group_buy.points.all()
            ),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def group_buy_action(request: HttpRequest, group_buy_id: int, action: str) -> HttpResponse:
    """Open, close now, order from the suppliers, or cancel."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)

    def act() -> None:
        if action == "open":
            groupbuys.open_group_buy(group_buy, actor=user)
        elif action == "close":
            result = groupbuys.close_group_buy(group_buy, actor=user)
            if result.cancelled:
                messages.warning(
                    request,
                    _("%(count)d order(s) could not go ahead and were cancelled.")
                    % {"count": len(result.cancelled)},
                )
        elif action == "order":
            groupbuys.order_from_suppliers(group_buy, actor=user)
        else:
            groupbuys.cancel_group_buy(group_buy, actor=user, reason=posted_text(request, "reason"))

    return run_action_and_redirect(
        request, act, "orders:group-buy-detail", group_buy.pk, success=_("Done.")
    )


class GroupBuyJoinForm(forms.Form):
    villager = forms.ModelChoiceField(label=gettext_lazy("Villager"), queryset=User.objects.none())
    point = forms.ModelChoiceField(
        label=gettext_lazy("Village point"), queryset=ServicePoint.objects.none()
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, villagers: Any, points: Any, items: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["villager"].queryset = villagers  # type: ignore[attr-defined]
        self.fields["point"].queryset = points  # type: ignore[attr-defined]
        for item in items:
            self.fields[f"quantity_{item.pk}"] = forms.IntegerField(
                label=f"{item.sku.product.name_zh} {item.sku.label_zh}",
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
            )


@login_required
@domain_errors_as_pages
def group_buy_join(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """An agent adds a villager's order: quantities of the window's items, cash at the point."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    points = [
        point
        for point in group_buy.points.order_by("code")
        if allowed(user, "orders.join_group_buy", point)
    ]
    if not points:
        raise PermissionDenied(_("You are not allowed to do this."))
    items = list(group_buy.items.select_related("sku__product"))
    form = GroupBuyJoinForm(
        request.POST or None,
        villagers=villagers_served_by(user, group_buy.county),
        points=ServicePoint.objects.filter(pk__in=[point.pk for point in points]).order_by("code"),
        items=items,
        initial={"idempotency_key": secrets.token_urlsafe(16)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines = [
            services.CheckoutLine(item.sku_id, data[f"quantity_{item.pk}"])
            for item in items
            if data.get(f"quantity_{item.pk}")
        ]
        try:
            result = groupbuys.join_group_buy(
                group_buy,
                lines,
                villager=data["villager"],
                point=data["point"],
                actor=user,
                idempotent_request=IdempotentRequest.of_form(data, group_buy_id=group_buy.pk),
            )
        except DomainError as error:
            if error.status_code == 403:
                raise
            _errors_on_form(form, error)
        else:
            messages.success(request, _("The villager is in the group buy; give them the receipt."))
            return redirect("orders:payment", result.payment.pk)
    return render(
        request,
        "orders/groupbuys/join.html",
        {"group_buy": group_buy, "form": form, "items": items},
    )


@login_required
@domain_errors_as_pages
def group_buy_purchases(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """The consolidated purchase orders, one per supplier, printable."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    purchases = [
        purchase
        for purchase in group_buy.purchases.select_related(
            "seller", "county", "group_buy__station"
        ).prefetch_related("lines")
        if allowed(user, "orders.view_consolidated_purchase", purchase)
    ]
    if not purchases:
        require(user, "orders.view_group_buy_lists", group_buy)
    return render(
        request,
        "orders/groupbuys/purchases.html",
        {
            "group_buy": group_buy,
            "purchases": purchases,
            "can_receive": group_buy.status == GroupBuyStatus.ORDERED
            and allowed(user, "orders.manage_group_buy", group_buy),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def group_buy_receive(request: HttpRequest, purchase_id: int) -> HttpResponse:
    user = _person(request)
    purchase = groupbuys.access_purchase(user, purchase_id)
    return run_action_and_redirect(
        request,
        lambda: groupbuys.receive_purchase(purchase, actor=user),
        "orders:group-buy-purchases",
        purchase.group_buy_id,
        success=_("Delivery received; paid orders are ready for pickup."),
    )


@login_required
@domain_errors_as_pages
def group_buy_pick_lists(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """Per village point, which villager collects what, printable."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    require(user, "orders.view_group_buy_lists", group_buy)
    return render(
        request,
        "orders/groupbuys/pick_lists.html",
        {"group_buy": group_buy, "pick_lists": groupbuys.pick_lists(group_buy)},
    )


@login_required
@domain_errors_as_pages
def group_buy_pickup(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """The agent's hand-out desk: orders at their points, each released by its code."""
    user = _person(request)
    group_buy = groupbuys.access_group_buy(user, group_buy_id)
    points = [
        point
        for point in group_buy.points.order_by("code")
        if allowed(user, "orders.collect_cash", point)
    ]
    if not points:
        raise PermissionDenied(_("You are not allowed to do this."))
    return render(
        request,
        "orders/groupbuys/pickup.html",
        {
            "group_buy": group_buy,
            "pick_lists": groupbuys.pick_lists(group_buy, point_ids={point.pk for point in points}),
            "arrived": set(
                group_buy.purchases.filter(delivered_at__isnull=False).values_list(
                    "seller_id", flat=True
                )
            ),
            "pickup_form": PickupForm(),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def group_buy_hand_over(request: HttpRequest, order_id: int) -> HttpResponse:
    user = _person(request)
    order = access_order(user, order_id)
    link = GroupBuyOrder.objects.filter(order=order).first()
    if link is None:
        raise NotFound(_("No such group-buy order."))
    return run_action_and_redirect(
        request,
        lambda: groupbuys.hand_over(
            order, agent=user, pickup_code=request.POST.get("pickup_code", "")
        ),
        "orders:group-buy-pickup",
        link.group_buy_id,
        success=_("Order %(number)s handed over.") % {"number": order.number},
    )
