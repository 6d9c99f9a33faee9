"""Catalogue API: public reads of one county's shop, and the sellers' writes.

The reads (`auth=None`) are public: the county is `storefront_county(request)`, the
same rule as the shop pages. A device token, if sent, is still honoured (a bad one is
401), so a station tablet sees its own county. The writes use the API's default auth
and the same access functions and services as the seller pages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.responses import Status
from pydantic import StrictInt

from highland.core.access import home_county
from highland.core.errors import DomainError, NotFound
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, User
from highland.core.permissions import allowed, require
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    IdempotencyKey,
    ObjectId,
    StrictObjectId,
)
from highland.core.services import user_for_api_key
from highland.network.access import access_point
from highland.network.models import ServicePoint

from . import selectors, services
from .access import access_category, access_product, access_seller, access_sku
from .models import (
    MAX_PRICE_FEN,
    MAX_STOCK,
    MAX_UNIT_WEIGHT_G,
    Direction,
    LotOrigin,
    Product,
    ProductPhoto,
    ProductStatus,
    SellingUnit,
    Sku,
    StockLot,
    StorageClass,
)
from .search import MAX_PER_PAGE, MAX_QUERY_LENGTH, SearchPage, search_products

router = Router(tags=["catalog"])


# --- shapes ----------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_bo: str
    name_en: str
    direction: Direction
    commission_bp: int
    parent_id: int | None


class SkuOut(Schema):
    id: int
    product_id: int
    code: str
    label: str
    label_zh: str
    label_bo: str
    label_en: str
    selling_unit: SellingUnit
    price_fen: int = Field(..., description="Fen; for weight SKUs the price of 500 g.")
    unit_weight_g: int | None
    stock: int = Field(..., description="Units, or grams for weight SKUs.")
    active: bool


class PhotoOut(Schema):
    id: int
    position: int
    image_url: str
    thumbnail_url: str
    thumbnail_width: int
    thumbnail_height: int


class ProductSummaryOut(Schema):
    id: int
    name: str
    name_zh: str
    name_bo: str
    name_en: str
    status: ProductStatus
    seller_id: int
    seller_name: str
    category_id: int
    storage_class: StorageClass
    origin_point_id: int | None
    origin_altitude_m: int | None
    min_price_fen: int | None
    min_price_unit: SellingUnit | None
    in_stock: bool
    thumbnail_url: str | None


class ProductOut(ProductSummaryOut):
    description_zh: str
    description_bo: str
    description_en: str
    story_zh: str
    story_bo: str
    story_en: str
    shelf_life_days: int | None
    skus: list[SkuOut]
    photos: list[PhotoOut]
    created_at: datetime
    updated_at: datetime


class SearchPageOut(Schema):
    results: list[ProductSummaryOut]
    total: int
    page: int
    pages: int
    per_page: int


class CountyQuery(Schema):
    county: str | None = Field(
        None,
        pattern=r"^\d{6}$",
        description="Administrative code of the county whose shop to read, for visitors "
        "without an account in a county.",
    )


class ProductQuery(CountyQuery):
    q: str | None = Field(None, max_length=MAX_QUERY_LENGTH)
    category: str | None = Field(None, max_length=40, description="Category code.")
    origin_point_id: ObjectId | None = None
    min_price_fen: int | None = Field(None, ge=0, le=MAX_PRICE_FEN)
    max_price_fen: int | None = Field(None, ge=0, le=MAX_PRICE_FEN)
    in_stock: bool = False
    sort: Literal["relevance", "price_asc", "price_desc", "newest"] = "relevance"
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class ProductIn(Schema):
    seller_id: StrictObjectId
    category_id: StrictObjectId
    name_zh: str = Field(..., min_length=1, max_length=120)
    name_bo: str = Field("", max_length=200)
    name_en: str = Field("", max_length=120)
    description_zh: str = Field("", max_length=5000)
    description_bo: str = Field("", max_length=10000)
    description_en: str = Field("", max_length=5000)
    story_zh: str = Field("", max_length=5000)
    story_bo: str = Field("", max_length=10000)
    story_en: str = Field("", max_length=5000)
    storage_class: StorageClass = StorageClass.AMBIENT
    shelf_life_days: StrictInt | None = Field(None, ge=1, le=services.MAX_SHELF_LIFE_DAYS)
    origin_point_id: StrictObjectId | None = None


class ProductPatch(Schema):
    category_id: StrictObjectId | None = None
    name_zh: str | None = Field(None, min_length=1, max_length=120)
    name_bo: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=120)
    description_zh: str | None = Field(None, max_length=5000)
    description_bo: str | None = Field(None, max_length=10000)
    description_en: str | None = Field(None, max_length=5000)
    story_zh: str | None = Field(None, max_length=5000)
    story_bo: str | None = Field(None, max_length=10000)
    story_en: str | None = Field(None, max_length=5000)
    storage_class: StorageClass | None = None
    shelf_life_days: StrictInt | None = Field(
        None, ge=1, le=services.MAX_SHELF_LIFE_DAYS, description="Send null to clear."
    )
    origin_point_id: StrictObjectId | None = Field(None, description="Send null to clear.")
    status: ProductStatus | None = None


class SkuIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    label_zh: str = Field(..., min_length=1, max_length=120)
    label_bo: str = Field("", max_length=200)
    label_en: str = Field("", max_length=120)
    selling_unit: SellingUnit = SellingUnit.PACK
    price_fen: StrictInt = Field(..., gt=0, le=MAX_PRICE_FEN)
    unit_weight_g: StrictInt | None = Field(None, ge=1, le=MAX_UNIT_WEIGHT_G)
    stock: StrictInt = Field(0, ge=0, le=MAX_STOCK)


class SkuPatch(Schema):
    label_zh: str | None = Field(None, min_length=1, max_length=120)
    label_bo: str | None = Field(None, max_length=200)
    label_en: str | None = Field(None, max_length=120)
    price_fen: StrictInt | None = Field(None, gt=0, le=MAX_PRICE_FEN)
    active: bool | None = None


class StockIn(Schema):
    action: Literal["set", "add", "remove"] = Field(
        ..., description="set: a counted level (0 or more); add/remove: a quantity above 0."
    )
    quantity: StrictInt = Field(..., ge=0, le=MAX_STOCK)
    reason: str = Field("", max_length=200)


# --- building responses ------------------------------------------------------------------------


def category_out(category: Any) -> dict[str, Any]:
    return {name: getattr(category, name) for name in CategoryOut.model_fields}


def sku_out(sku: Sku) -> dict[str, Any]:
    return {name: getattr(sku, name) for name in SkuOut.model_fields}


def photo_out(photo: ProductPhoto) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "position": photo.position,
        "image_url": photo.image.url,
        "thumbnail_url": photo.thumbnail.url,
        "thumbnail_width": photo.thumbnail_width,
        "thumbnail_height": photo.thumbnail_height,
    }


def _summary(product: Product, skus: list[Sku], photos: list[ProductPhoto]) -> dict[str, Any]:
    on_sale = [sku for sku in skus if sku.active]
    cheapest = min(on_sale, key=lambda sku: (sku.price_fen, sku.pk), default=None)
    return {
        "id": product.pk,
        "name": product.name,
        "name_zh": product.name_zh,
        "name_bo": product.name_bo,
        "name_en": product.name_en,
        "status": product.status,
        "seller_id": product.seller_id,
        "seller_name": product.seller.name,
        "category_id": product.category_id,
        "storage_class": product.storage_class,
        "origin_point_id": product.origin_point_id,
        "origin_altitude_m": product.origin_altitude_m,
        "min_price_fen": cheapest.price_fen if cheapest else None,
        "min_price_unit": cheapest.selling_unit if cheapest else None,
        "in_stock": any(sku.stock > 0 for sku in on_sale),
        "thumbnail_url": photos[0].thumbnail.url if photos else None,
    }


def product_out(product: Product) -> dict[str, Any]:
    skus = list(product.skus.all())
    photos = list(product.photos.all())
    return {
        **_summary(product, skus, photos),
        **{
            name: getattr(product, name)
            for name in (
                "description_zh",
                "description_bo",
                "description_en",
                "story_zh",
                "story_bo",
                "story_en",
                "shelf_life_days",
                "created_at",
                "updated_at",
            )
        },
        "skus": [sku_out(sku) for sku in skus],
        "photos": [photo_out(photo) for photo in photos],
    }


def listing_out(product: Product) -> dict[str, Any]:
    """A search result, from the annotations of search.with_listing_data."""
    photos = getattr(product, "ordered_photos", [])
    return {
        "id": product.pk,
        "name": product.name,
        "name_zh": product.name_zh,
        "name_bo": product.name_bo,
        "name_en": product.name_en,
        "status": product.status,
        "seller_id": product.seller_id,
        "seller_name": product.seller.name,
        "category_id": product.category_id,
        "storage_class": product.storage_class,
        "origin_point_id": product.origin_point_id,
        "origin_altitude_m": product.origin_altitude_m,
        "min_price_fen": getattr(product, "min_price_fen", None),
        "min_price_unit": getattr(product, "min_price_unit", None),
        "in_stock": bool(getattr(product, "in_stock", False)),
        "thumbnail_url": photos[0].thumbnail.url if photos else None,
    }


def page_out(page: SearchPage) -> dict[str, Any]:
    return {
        "results": [listing_out(product) for product in page.results],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "per_page": page.per_page,
    }


# --- who is asking -----------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


def _viewer(request: HttpRequest) -> User | None:
    """The person behind a public read: a device token if sent, else the session, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() == "bearer":
        user = user_for_api_key(token.strip())
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def _shop_county(request: HttpRequest, code: str | None) -> tuple[County, User | None]:
    """The shop's county for this request (selectors.storefront_county), and who asks."""
    viewer = _viewer(request)
    county = selectors.storefront_county(request)
    if county is not None:
        return county, viewer
    if code:
        raise NotFound(_("No such county."), field="county")
    raise DomainError(
        _("Choose a county: add ?county= and its administrative code."),
        code="county_required",
        field="county",
    )


def _point(user: User, point_id: int | None) -> ServicePoint | None:
    if point_id is None:
        return None
    try:
        return access_point(user, point_id)
    except NotFound as error:
        raise NotFound(_("No such service point."), field="origin_point_id") from error


def _refetch(product_id: int) -> Product:
    return (
        Product.objects.select_related("seller")
        .prefetch_related("skus", "photos")
        .get(pk=product_id)
    )


# --- public reads --------------------------------------------------------------------------------


@router.get("/categories", response={200: list[CategoryOut], **ERROR_RESPONSES}, auth=None)
def list_categories(request: HttpRequest, filters: Query[CountyQuery]) -> list[dict[str, Any]]:
    county, _anyone = _shop_county(request, filters.county)
    categories = selectors.county_categories(county).order_by("direction", "position", "code")
    return [category_out(category) for category in categories]


@router.get("/products", response={200: SearchPageOut, **ERROR_RESPONSES}, auth=None)
def list_products(request: HttpRequest, filters: Query[ProductQuery]) -> dict[str, Any]:
    county, _anyone = _shop_county(request, filters.county)
    category = None
    if filters.category:
        category = selectors.category_by_code(county, filters.category)
        if category is None:
            raise NotFound(_("No such category."), field="category")
    origin = None
    if filters.origin_point_id is not None:
        origin = selectors.origin_points(county).filter(pk=filters.origin_point_id).first()
        if origin is None:
            raise NotFound(_("No such service point."), field="origin_point_id")
    page = search_products(
        county,
        filters.q,
        category=category,
        origin_point=origin,
        min_price_fen=filters.min_price_fen,
        max_price_fen=filters.max_price_fen,
        in_stock=filters.in_stock,
        sort=filters.sort,
        page=filters.page,
        per_page=filters.per_page,
    )
    return page_out(page)


@router.get("/products/{product_id}", response={200: ProductOut, **ERROR_RESPONSES}, auth=None)
def get_product(
    request: HttpRequest, product_id: ObjectId, filters: Query[CountyQuery]
) -> dict[str, Any]:
    """A product on sale; its managers also see it as a draft or suspended."""
    county, viewer = _shop_county(request, filters.county)
    product = selectors.storefront_product(county, product_id)
    if product is None and viewer is not None:
        candidate = Product.objects.filter(pk=product_id, county=county).first()
        if candidate is not None and allowed(viewer, "catalog.manage_product", candidate):
            product = _refetch(product_id)
    if product is None:
        raise NotFound(_("No such product."))
    return product_out(product)


# --- seller writes --------------------------------------------------------------------------------


@router.post("/products", response={201: ProductOut, **ERROR_RESPONSES})
def create_product(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    user = _user(request)
    home_county(user)
    seller = access_seller(user, payload.seller_id, field="seller_id")
    category = access_category(user, payload.category_id, field="category_id")
    data = payload.dict(exclude={"seller_id", "category_id", "origin_point_id"})
    details = services.ProductDetails(
        category=category, origin_point=_point(user, payload.origin_point_id), **data
    )
    product = services.create_product(seller, details, actor=user)
    return Status(201, product_out(_refetch(product.pk)))


@router.patch("/products/{product_id}", response={200: ProductOut, **ERROR_RESPONSES})
def update_product(
    request: HttpRequest, product_id: ObjectId, payload: ProductPatch
) -> dict[str, Any]:
    user = _user(request)
    product = access_product(user, product_id)
    sent = payload.dict(exclude_unset=True)
    status = sent.pop("status", None)
    changes: dict[str, Any] = {}
    for name, value in sent.items():
        if name == "category_id":
            if value is not None:
                changes["category"] = access_category(user, value, field="category_id")
        elif name == "origin_point_id":
            changes["origin_point"] = _point(user, value)
        elif name == "shelf_life_days" or value is not None:
            changes[name] = value
    # Details and status are one request: both are saved or neither.
    with transaction.atomic():
        if changes:
            services.update_product(product, changes, actor=user)
        if status is not None:
            services.change_product_status(product, status, actor=user)
    return product_out(_refetch(product.pk))


@router.post("/products/{product_id}/skus", response={201: SkuOut, **ERROR_RESPONSES})
def add_sku(request: HttpRequest, product_id: ObjectId, payload: SkuIn) -> Status[dict[str, Any]]:
    user = _user(request)
    product = access_product(user, product_id)
    sku = services.add_sku(product, services.SkuDetails(**payload.dict()), actor=user)
    return Status(201, sku_out(sku))


@router.patch("/skus/{sku_id}", response={200: SkuOut, **ERROR_RESPONSES})
def update_sku(request: HttpRequest, sku_id: ObjectId, payload: SkuPatch) -> dict[str, Any]:
    user = _user(request)
    sku = access_sku(user, sku_id)
    changes = {
        name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None
    }
    if changes:
        services.update_sku(sku, changes, actor=user)
    return sku_out(access_sku(user, sku_id))


@router.post("/skus/{sku_id}/stock", response={200: SkuOut, **ERROR_RESPONSES})
def change_stock(request: HttpRequest, sku_id: ObjectId, payload: StockIn) -> dict[str, Any]:
    user = _user(request)
    sku = access_sku(user, sku_id)
    if payload.action == "set":
        services.set_stock(sku, payload.quantity, actor=user, reason=payload.reason)
    else:
        sign = 1 if payload.action == "add" else -1
        services.adjust_stock(sku, sign * payload.quantity, actor=user, reason=payload.reason)
    return sku_out(access_sku(user, sku_id))


# --- stock lots (ADR 0010) -----------------------------------------------------------------


class StockLotOut(Schema):
    id: int
    sku_id: int
    code: str
    received_quantity: int = Field(..., description="Units, or grams for weight SKUs.")
    on_hand: int = Field(
        ..., description="Still in the lot: for sale or reserved by orders not yet packed."
    )
    received_on: date
    best_before: date | None
    origin: LotOrigin
    origin_id: int | None


class StockLotIn(Schema):
    quantity: StrictInt = Field(
        ..., ge=1, le=MAX_STOCK, description="Units, or grams for weight SKUs."
    )
    best_before: date | None = None
    received_on: date | None = Field(None, description="Today when omitted.")
    code: str = Field("", max_length=40, description="Generated when empty.")


def stock_lot_out(lot: StockLot) -> dict[str, Any]:
    return {name: getattr(lot, name) for name in StockLotOut.model_fields}


def _lots_sku(user: User, sku_id: int) -> Sku:
    """A SKU whose lots the person manages: lots are the seller's own records."""
    sku = access_sku(user, sku_id)
    require(user, "catalog.manage_product", sku)
    return sku


@router.get(
    "/skus/{sku_id}/lots",
    response={200: list[StockLotOut], **ERROR_RESPONSES},
    summary="A SKU's stock lots",
)
def list_stock_lots(request: HttpRequest, sku_id: ObjectId) -> list[dict[str, Any]]:
    """The SKU's lots, first expiry first (the order packing takes them in), empty lots
    last. For the seller's staff and the service centre."""
    sku = _lots_sku(_user(request), sku_id)
    lots = sorted(
        StockLot.objects.filter(sku=sku), key=lambda lot: (lot.on_hand == 0, services.fefo_key(lot))
    )
    return [stock_lot_out(lot) for lot in lots]


@router.post(
    "/skus/{sku_id}/lots",
    response={201: StockLotOut, 200: StockLotOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Receive stock into a new lot",
)
def receive_stock_lot(
    request: HttpRequest,
    sku_id: ObjectId,
    payload: StockLotIn,
    idempotency_key: IdempotencyKey,
) -> Status[dict[str, Any]]:
    """Receive goods into a new lot of the SKU (origin: received from the seller); they go
    on sale at once. Repeat the same request with the same Idempotency-Key and the first
    lot comes back (200) instead of a second one."""
    once = IdempotentRequest.of(idempotency_key, {"sku": sku_id, "lot": payload})
    user = _user(request)
    sku = _lots_sku(user, sku_id)
    lot, created = services.receive_stock_lot_once(
        sku,
        payload.quantity,
        actor=user,
        best_before=payload.best_before,
        received_on=payload.received_on,
        code=payload.code,
        idempotent_request=once,
    )
    return Status(201 if created else 200, stock_lot_out(lot))
