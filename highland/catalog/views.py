"""Pages of the shop (public, per county) and of the sellers (login)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound
from highland.core.http import domain_errors_as_pages, private_file_response
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, User
from highland.core.pagecache import anonymous_page_cache
from highland.core.permissions import allowed, require

from . import selectors, services
from .access import access_photo, access_product, access_sku
from .consent import record_listing_consent
from .forms import (
    PhotoForm,
    ProductForm,
    ReceiveLotForm,
    SearchForm,
    SkuEditForm,
    SkuForm,
    StatusForm,
    StockForm,
)
from .models import (
    PRODUCT_TRANSITIONS,
    Category,
    ConsentMethod,
    Product,
    ProductStatus,
    Seller,
    StockLot,
)
from .search import search_products

SHOP_PAGE_SIZE = 20
HOME_PRODUCTS = 8
MY_PRODUCTS_PAGE_SIZE = 50


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _apply_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    placed = False
    for field_name, field_messages in error.errors.items():
        if field_name in form.fields:
            for message in field_messages:
                form.add_error(field_name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


# --- the shop ------------------------------------------------------------------------------


def _county_query(request: HttpRequest, county: County) -> str:
    """`county=<code>` for links, unless the visitor's own county decides anyway."""
    user = request.user
    if isinstance(user, User) and user.county_id is not None:
        return ""
    return urlencode({selectors.COUNTY_PARAMETER: county.code})


def _shop_context(request: HttpRequest, county: County, **context: Any) -> dict[str, Any]:
    return {"shop_county": county, "county_query": _county_query(request, county), **context}


def _choose_county(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/choose_county.html", {"counties": selectors.counties()})


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@anonymous_page_cache
@domain_errors_as_pages
def storefront(request: HttpRequest) -> HttpResponse:
    county = selectors.storefront_county(request)
    if county is None:
        return _choose_county(request)
    categories = selectors.storefront_categories(county)
    context = _shop_context(
        request,
        county,
        up_categories=[c for c in categories if c.direction == "up"],
        down_categories=[c for c in categories if c.direction == "down"],
        products=selectors.newest_on_sale(county, HOME_PRODUCTS),
    )
    return render(request, "catalog/storefront.html", context)


@anonymous_page_cache
@domain_errors_as_pages
def category_products(request: HttpRequest, code: str) -> HttpResponse:
    county = selectors.storefront_county(request)
    if county is None:
        return _choose_county(request)
    category = selectors.category_by_code(county, code)
    if category is None:
        raise NotFound(_("No such category."))
    sort = request.GET.get("sort", "newest")
    page = search_products(
        county,
        None,
        category=category,
        sort=sort if sort in ("newest", "price_asc", "price_desc") else "newest",
        page=_page_number(request),
        per_page=SHOP_PAGE_SIZE,
    )
    context = _shop_context(
        request,
        county,
        category=category,
        subcategories=category.children.order_by("position", "code"),
        page=page,
        sort=sort,
        page_query=_query_without_page(request),
    )
    return render(request, "catalog/category.html", context)


@anonymous_page_cache
@domain_errors_as_pages
def product_search(request: HttpRequest) -> HttpResponse:
    county = selectors.storefront_county(request)
    if county is None:
        return _choose_county(request)
    # Always bound: an empty form is a valid search for everything on sale.
    form = SearchForm(
        request.GET,
        categories=selectors.county_categories(county).order_by("direction", "position", "code"),
        points=selectors.origin_points(county),
    )
    page = None
    if form.is_valid():
        data = form.cleaned_data
        page = search_products(
            county,
            data["q"],
            category=form.selected_category(),
            origin_point=data["origin"],
            min_price_fen=data["min_price"],
            max_price_fen=data["max_price"],
            in_stock=data["in_stock"],
            sort=data["sort"] or "relevance",
            page=_page_number(request),
            per_page=SHOP_PAGE_SIZE,
        )
    context = _shop_context(
        request, county, form=form, page=page, page_query=_query_without_page(request)
    )
    return render(request, "catalog/search.html", context)


@anonymous_page_cache
@domain_errors_as_pages
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    county = selectors.storefront_county(request)
    if county is None:
        return _choose_county(request)
    product = selectors.storefront_product(county, product_id)
    if product is None:
        raise NotFound(_("No such product."))
    user = request.user
    context = _shop_context(
        request,
        county,
        product=product,
        skus=list(product.skus.all()),
        photos=list(product.photos.all()),
        can_manage=isinstance(user, User) and allowed(user, "catalog.manage_product", product),
    )
    return render(request, "catalog/product_detail.html", context)


# --- the seller pages ------------------------------------------------------------------------


def _seller_county(user: User) -> County:
    county = home_county(user)
    require(user, "catalog.use_seller_pages", county)
    return county


def _managed_product(user: User, product_id: int) -> Product:
    product = access_product(user, product_id)
    require(user, "catalog.manage_product", product)
    return product


def _category_choices(county: County) -> QuerySet[Category]:
    return selectors.county_categories(county).order_by("direction", "position", "code")


@login_required
@domain_errors_as_pages
def my_products(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = _seller_county(user)
    status = request.GET.get("status", "")
    products = selectors.manageable_products(
        user, county, status=status if status in ProductStatus.values else ""
    )
    paginator = Paginator(products, MY_PRODUCTS_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": ProductStatus.choices,
        "can_create": selectors.manageable_sellers(user, county).exists(),
        "page_query": _query_without_page(request),
    }
    return render(request, "catalog/my_products.html", context)


@login_required
@domain_errors_as_pages
def product_create(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    county = _seller_county(user)
    sellers = selectors.manageable_sellers(user, county)
    form = ProductForm(
        request.POST or None,
        sellers=sellers,
        categories=_category_choices(county),
        points=selectors.origin_points(county),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        seller = data.pop("seller")
        try:
            product = services.create_product(seller, services.ProductDetails(**data), actor=user)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(
                request, _("Product %(name)s created as a draft.") % {"name": product.name}
            )
            return redirect("catalog:product-manage", product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "title": _("New product")})


@login_required
@domain_errors_as_pages
def product_manage(request: HttpRequest, product_id: int) -> HttpResponse:
    user = _person(request)
    product = _managed_product(user, product_id)
    may_moderate = allowed(user, "catalog.moderate_product", product)
    moves = [
        (status, label)
        for status, label in ProductStatus.choices
        if status in PRODUCT_TRANSITIONS[product.status]
        and (may_moderate or ProductStatus.SUSPENDED not in (status, product.status))
    ]
    context = {
        "product": product,
        "skus": product.skus.order_by("price_fen", "id"),
        "photos": product.photos.order_by("position", "id"),
        "moves": moves,
        "photo_form": PhotoForm(),
        "commission_bp": selectors.commission_bp(product),
    }
    return render(request, "catalog/product_manage.html", context)


@login_required
@domain_errors_as_pages
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    user = _person(request)
    product = _managed_product(user, product_id)
    initial = {name: getattr(product, name) for name in services.PRODUCT_FIELDS}
    form = ProductForm(
        request.POST or None,
        initial=initial,
        sellers=None,
        categories=_category_choices(product.county),
        points=selectors.origin_points(product.county),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_product(product, dict(form.cleaned_data), actor=user)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:product-manage", product.pk)
    title = _("Edit %(name)s") % {"name": product.name}
    return render(
        request, "catalog/product_form.html", {"form": form, "title": title, "product": product}
    )


@login_required
@domain_errors_as_pages
def sku_lots(request: HttpRequest, sku_id: int) -> HttpResponse:
    """A SKU's stock lots (first expiry first, empty ones last) and receiving a new lot."""
    user = _person(request)
    sku = access_sku(user, sku_id)
    require(user, "catalog.manage_product", sku)
    form = ReceiveLotForm(
        request.POST or None, initial={"idempotency_key": secrets.token_urlsafe(16)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot, _created = services.receive_stock_lot_once(
                sku,
                data["quantity"],
                actor=user,
                best_before=data["best_before"],
                code=data["code"],
                idempotent_request=IdempotentRequest.of_form(data, sku=sku.pk),
            )
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Lot %(code)s received.") % {"code": lot.code})
            return redirect("catalog:sku-lots", sku.pk)
    lots = sorted(
        StockLot.objects.filter(sku=sku),
        key=lambda lot: (lot.on_hand == 0, services.fefo_key(lot)),
    )
    title = _("Lots of %(code)s") % {"code": sku.code}
    return render(
        request,
        "catalog/sku_lots.html",
        {
            "form": form,
            "title": title,
            "product": sku.product,
            "sku": sku,
            "lots": lots,
            "on_hand": sum(lot.on_hand for lot in lots),
        },
    )


@require_POST
@login_required
@domain_errors_as_pages
def product_status(request: HttpRequest, product_id: int) -> HttpResponse:
    user = _person(request)
    product = _managed_product(user, product_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("catalog:product-manage", product.pk)
    try:
        services.change_product_status(product, form.cleaned_data["status"], actor=user)
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The product is now: %(status)s.") % {"status": product.get_status_display()}
        )
    return redirect("catalog:product-manage", product.pk)


@login_required
@domain_errors_as_pages
def sku_create(request: HttpRequest, product_id: int) -> HttpResponse:
    user = _person(request)
    product = _managed_product(user, product_id)
    form = SkuForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_sku(product, services.SkuDetails(**form.cleaned_data), actor=user)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("SKU added."))
            return redirect("catalog:product-manage", product.pk)
    title = _("New SKU for %(name)s") % {"name": product.name}
    return render(
        request, "catalog/sku_form.html", {"form": form, "title": title, "product": product}
    )


@login_required
@domain_errors_as_pages
def sku_edit(request: HttpRequest, sku_id: int) -> HttpResponse:
    user = _person(request)
    sku = access_sku(user, sku_id)
    require(user, "catalog.manage_product", sku)
    initial = {name: getattr(sku, name) for name in services.SKU_FIELDS}
    form = SkuEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_sku(sku, dict(form.cleaned_data), actor=user)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:product-manage", sku.product_id)
    title = _("Edit SKU %(code)s") % {"code": sku.code}
    return render(
        request,
        "catalog/sku_form.html",
        {"form": form, "title": title, "product": sku.product, "sku": sku},
    )


@login_required
@domain_errors_as_pages
def sku_stock(request: HttpRequest, sku_id: int) -> HttpResponse:
    user = _person(request)
    sku = access_sku(user, sku_id)
    require(user, "catalog.manage_product", sku)
    form = StockForm(request.POST or None, initial={"quantity": services.on_hand_of(sku)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "set":
                services.set_stock(sku, data["quantity"], actor=user, reason=data["reason"])
            else:
                sign = 1 if data["action"] == "add" else -1
                services.adjust_stock(
                    sku, sign * data["quantity"], actor=user, reason=data["reason"]
                )
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Stock saved."))
            return redirect("catalog:product-manage", sku.product_id)
    title = _("Stock of %(code)s") % {"code": sku.code}
    return render(
        request,
        "catalog/stock_form.html",
        {"form": form, "title": title, "product": sku.product, "sku": sku},
    )


@require_POST
@login_required
@domain_errors_as_pages
def photo_upload(request: HttpRequest, product_id: int) -> HttpResponse:
    user = _person(request)
    product = _managed_product(user, product_id)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo to upload."))
        return redirect("catalog:product-manage", product.pk)
    try:
        services.add_photo(product, form.cleaned_data["image"], actor=user)
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Photo added."))
    return redirect("catalog:product-manage", product.pk)


@require_POST
@login_required
@domain_errors_as_pages
def photo_remove(request: HttpRequest, photo_id: int) -> HttpResponse:
    user = _person(request)
    photo = access_photo(user, photo_id)
    product_id = photo.product_id
    services.remove_photo(photo, actor=user)
    messages.success(request, _("Photo removed."))
    return redirect("catalog:product-manage", product_id)


class ConsentForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How consent was given"),
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
    )
    evidence = forms.ImageField(
        label=gettext_lazy("Photo of the signature or thumbprint"), required=False
    )
    witness_name = forms.CharField(label=gettext_lazy("Witness"), max_length=60, required=False)


@require_GET
@login_required
@domain_errors_as_pages
def seller_consent_evidence(request: HttpRequest, seller_id: int, consent_id: int) -> HttpResponse:
    """The photo of a consent (signature or thumbprint), for those who see the seller's
    consent records; the file itself is private (highland/core/storage.py)."""
    user = request.user
    assert isinstance(user, User)
    seller = Seller.objects.filter(pk=seller_id, county=user.county).first()
    if seller is None:
        raise NotFound(_("No such seller."))
    require(user, "catalog.record_consent", seller)
    consent = seller.consents.filter(pk=consent_id).exclude(evidence="").first()
    if consent is None:
        raise NotFound(_("No such photo."))
    return private_file_response(consent.evidence, content_type="image/webp")


@login_required
@domain_errors_as_pages
def seller_consent(request: HttpRequest, seller_id: int) -> HttpResponse:
    """The agent records a household's consent to be listed, and sees earlier consents."""
    user = request.user
    assert isinstance(user, User)
    seller = (
        Seller.objects.filter(pk=seller_id, county=user.county).select_related("member").first()
    )
    if seller is None:
        raise NotFound(_("No such seller."))
    require(user, "catalog.record_consent", seller)
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_listing_consent(
                seller,
                actor=user,
                method=form.cleaned_data["method"],
                evidence=form.cleaned_data["evidence"],
                witness_name=form.cleaned_data["witness_name"],
            )
        except DomainError as error:
            for field, field_messages in error.errors.items():
                form.add_error(field if field in form.fields else None, field_messages)
            if not error.errors:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("catalog:seller-consent", seller.pk)
    return render(
        request,
        "catalog/consent.html",
        {
            "seller": seller,
            "form": form,
            "consents": seller.consents.select_related("recorded_by", "product").order_by(
                "-given_at"
            ),
        },
    )
