"""Ordering for a villager at a station desk: pick the villager, pick products, place.

No product codes are typed: the agent searches by characters, pinyin or initials or
browses by category, and adds each product in its own unit (pieces, or jin or grams by
weight) to the villager's basket in the agent's session (`orders.assisted`). Every step
is a plain GET or POST; htmx only swaps the picker's results in place.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from highland.catalog.models import Category, ProductStatus, Sku
from highland.catalog.search import search_products
from highland.catalog.selectors import category_by_code, storefront_categories
from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound, ValidationFailed
from highland.core.http import domain_errors_as_pages
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, User
from highland.core.permissions import require
from highland.network.models import ServicePoint
from highland.network.selectors import search_villagers, villagers_served_by
from highland.orders import assisted, services
from highland.orders.forms import AssistedOrderForm, BasketLineForm, PickerQueryForm
from highland.orders.models import Delivery
from highland.orders.quantities import parse_quantity, units_for
from highland.orders.views.shared import _form_error, _person, pickup_points
from highland.payments.models import PaymentMethod

PICKER_PER_PAGE = 12


def _agent_points(user: User, county: County) -> QuerySet[ServicePoint]:
    return pickup_points(county).filter(agents=user) or pickup_points(county)


def _chosen_villager(villagers: QuerySet[User], raw: str | None) -> User | None:
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return villagers.select_related("residence__point").filter(pk=int(raw)).first()


def picker_context(
    request: HttpRequest,
    county: County,
    *,
    page_url: str,
    action_url: str,
    hidden: dict[str, Any],
    quantities: bool,
) -> dict[str, Any]:
    """The product picker (`orders/partials/picker.html`): the products on sale that match
    the search or category, each SKU with its price, unit and stock, and an "add" form
    posting `hidden` and the SKU (with a quantity in its unit when `quantities`) to
    `action_url`. The assisted order and the group-buy form both use it."""
    query = PickerQueryForm(request.GET or None)
    data = query.cleaned_data if query.is_valid() else {}
    category: Category | None = None
    if data.get("category"):
        category = category_by_code(county, data["category"])
    page = search_products(
        county,
        data.get("q", ""),
        category=category,
        page=data.get("page") or 1,
        per_page=PICKER_PER_PAGE,
    )
    skus: dict[int, list[Sku]] = {}
    for sku in Sku.objects.filter(
        product__in=[product.pk for product in page.results], active=True
    ).order_by("product_id", "price_fen", "pk"):
        sku.units = units_for(sku.selling_unit)  # type: ignore[attr-defined]
        skus.setdefault(sku.product_id, []).append(sku)
    for product in page.results:
        product.picker_skus = skus.get(product.pk, [])  # type: ignore[attr-defined]
    return {
        "picker_page": page_url,
        "picker_action": action_url,
        "picker_hidden": hidden,
        "picker_base": urlencode(hidden),
        "picker_quantities": quantities,
        "query_form": query,
        "q": data.get("q", ""),
        "category": category,
        "categories": storefront_categories(county),
        "page": page,
    }


@login_required
@domain_errors_as_pages
def assisted_order(request: HttpRequest) -> HttpResponse:
    """Choose a villager, fill their basket with the picker, see the total, place it;
    the villager pays in cash at the pickup point."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.place_for_villager", county)
    villagers = villagers_served_by(user, county)
    raw_villager = request.POST.get("villager") or request.GET.get("villager")
    villager = _chosen_villager(villagers, raw_villager)
    if villager is None:
        if raw_villager and request.method == "POST":
            raise NotFound(_("No such villager."))
        search = request.GET.get("villager_q", "")[:60]
        return render(
            request,
            "orders/assisted_villager.html",
            {
                "villagers": search_villagers(user, county, search)[:50],
                "villager_q": search,
                "chosen_missing": bool(raw_villager),
            },
        )
    points = _agent_points(user, county)
    form = AssistedOrderForm(
        request.POST or None,
        villagers=villagers,
        points=points,
        initial={
            "villager": villager.pk,
            "pickup_point": _home_point(villager, points),
            "idempotency_key": secrets.token_urlsafe(16),
        },
    )
    if request.method == "POST" and form.is_valid():
        placed = _place(request, form, county, user)
        if placed is not None:
            return placed
    lines = assisted.basket_lines(request.session, villager.pk)
    point = form.cleaned_data.get("pickup_point") if form.is_bound and form.is_valid() else None
    summary = assisted.summarise(
        county,
        lines,
        services.DeliveryDetails(
            method=Delivery.PICKUP,
            recipient_name=str(villager),
            pickup_point=point or _home_point(villager, points),
        ),
    )
    context = {
        "villager": villager,
        "form": form,
        "summary": summary,
        **picker_context(
            request,
            county,
            page_url=reverse("orders:assisted"),
            action_url=reverse("orders:assisted-basket"),
            hidden={"villager": villager.pk},
            quantities=True,
        ),
    }
    if request.headers.get("HX-Request") and request.method == "GET":
        return render(request, "orders/partials/picker_results.html", context)
    return render(request, "orders/assisted.html", context)


def _home_point(villager: User, points: QuerySet[ServicePoint]) -> ServicePoint | None:
    """The villager's own point when parcels are picked up there, else the agent's first."""
    residence = getattr(villager, "residence", None)
    listed = list(points)
    for point in listed:
        if residence is not None and point.pk == residence.point_id:
            return point
    return listed[0] if listed else None


def _place(
    request: HttpRequest, form: AssistedOrderForm, county: County, user: User
) -> HttpResponse | None:
    data = form.cleaned_data
    villager: User = data["villager"]
    delivery = services.DeliveryDetails(
        method=Delivery.PICKUP,
        recipient_name=str(villager),
        phone=villager.phone,
        pickup_point=data["pickup_point"],
    )
    try:
        with transaction.atomic():
            # The request is the form as sent, not the basket: a double submit after the
            # first placed (and emptied) the basket is the same request, answered once.
            result = services.place_order(
                county,
                assisted.basket_lines(request.session, villager.pk),
                buyer=villager,
                actor=user,
                delivery=delivery,
                payment_method=PaymentMethod.CASH_AT_POINT,
                idempotent_request=IdempotentRequest.of_form(data),
            )
    except DomainError as error:
        _form_error(form, error)
        return None
    assisted.clear_basket(request.session, villager.pk)
    if result.created:
        messages.success(request, _("The order is placed; print the receipt for the villager."))
    return redirect("orders:payment", result.payment.pk)


@require_POST
@login_required
@domain_errors_as_pages
def assisted_basket(request: HttpRequest) -> HttpResponse:
    """Add a product to a villager's basket in its unit, or take one out."""
    user = _person(request)
    county = home_county(user)
    require(user, "orders.place_for_villager", county)
    form = BasketLineForm(request.POST, villagers=villagers_served_by(user, county))
    if not form.is_valid():
        if "villager" in form.errors:
            raise NotFound(_("No such villager."))
        raise ValidationFailed(_("Choose a product."))
    villager: User = form.cleaned_data["villager"]
    sku_id: int = form.cleaned_data["sku"]
    back = _back_to_picker(request, villager)
    if request.POST.get("action") == "remove":
        assisted.remove_from_basket(request.session, villager.pk, sku_id)
        return redirect(back)
    sku = (
        Sku.objects.filter(
            county=county,
            pk=sku_id,
            active=True,
            product__status=ProductStatus.ACTIVE,
            product__seller__active=True,
        )
        .select_related("product")
        .first()
    )
    if sku is None:
        raise NotFound(_("Unknown product variant."))
    try:
        quantity = parse_quantity(
            form.cleaned_data["quantity"],
            form.cleaned_data["unit"] or units_for(sku.selling_unit)[0],
            selling_unit=sku.selling_unit,
        )
        assisted.add_to_basket(request.session, villager.pk, sku.pk, quantity)
    except ValidationFailed as error:
        messages.error(
            request,
            _("%(product)s: %(problem)s") % {"product": sku.product.name, "problem": error.message},
        )
    else:
        messages.success(
            request, _("%(product)s is in the basket.") % {"product": sku.product.name}
        )
    return redirect(back)


def _back_to_picker(request: HttpRequest, villager: User) -> str:
    """The picker as the agent left it: the same villager, search and category."""
    params = {"villager": villager.pk}
    for name in ("q", "category"):
        value = request.POST.get(name, "")
        if value and "\x00" not in value:
            params[name] = value[:100]  # type: ignore[assignment]
    return f"{reverse('orders:assisted')}?{urlencode(params)}"
