"""Business actions on the catalogue: sellers, categories, products, SKUs, stock, photos.

Every action takes a keyword-only `actor`, checks permission with `require`, validates,
writes, records one audit entry in the same transaction and returns what it changed.
The two exceptions are `reserve_stock` and `release_stock`, the hooks checkout calls
inside its own (audited) transaction.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Model
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, Organisation, OrganisationType, Role, User
from highland.core.permissions import require, roles_of
from highland.network.models import ServicePoint
from highland.web.pagecache import invalidate_cached_pages_on_commit

from . import search
from .models import (
    BASIS_POINTS,
    MAX_PRICE_FEN,
    MAX_STOCK,
    MAX_UNIT_WEIGHT_G,
    Category,
    Direction,
    Product,
    ProductPhoto,
    ProductStatus,
    Seller,
    SellerKind,
    SellingUnit,
    Sku,
    StorageClass,
)
from .selectors import has_consent

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # a 40-megapixel camera; more is a decompression bomb
MAX_PHOTOS_PER_PRODUCT = 9
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_MAX_WIDTH = 480
THUMBNAIL_QUALITY = 70
MAX_SHELF_LIFE_DAYS = 3650

# The fields update_product accepts, in the order forms show them.
PRODUCT_FIELDS: tuple[str, ...] = (
    "category",
    "name_zh",
    "name_bo",
    "name_en",
    "description_zh",
    "description_bo",
    "description_en",
    "story_zh",
    "story_bo",
    "story_en",
    "storage_class",
    "shelf_life_days",
    "origin_point",
)
SKU_FIELDS: tuple[str, ...] = ("label_zh", "label_bo", "label_en", "price_fen", "active")
CATEGORY_FIELDS: tuple[str, ...] = (
    "name_zh",
    "name_bo",
    "name_en",
    "commission_bp",
    "parent",
    "position",
)
SELLER_FIELDS: tuple[str, ...] = (
    "name_zh",
    "name_bo",
    "name_en",
    "represented_by",
    "commission_override_bp",
    "active",
)
REQUIRED_TEXT = frozenset({"name_zh", "label_zh"})
TEXT_LIMITS = {
    "name_zh": 120,
    "name_bo": 200,
    "name_en": 120,
    "label_zh": 120,
    "label_bo": 200,
    "label_en": 120,
}


def _merge(errors: dict[str, list[str]], error: ValidationFailed) -> None:
    for field_name, messages in error.errors.items():
        errors.setdefault(field_name, []).extend(messages)


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors=errors)


def _printable(value: Any, *, multiline: bool = False) -> str:
    """The text without control characters (PostgreSQL cannot store NUL), trimmed."""
    kept = "\n\t" if multiline else ""
    text = str(value or "").replace("\r\n", "\n")
    return "".join(
        char for char in text if char in kept or unicodedata.category(char) != "Cc"
    ).strip()


def _text(name: str, value: Any) -> str:
    text = _printable(value)
    if name in REQUIRED_TEXT and not text:
        raise ValidationFailed(_("This field is required."), field=name)
    limit = TEXT_LIMITS.get(name)
    if limit is not None and len(text) > limit:
        raise ValidationFailed(_("At most %(limit)d characters.") % {"limit": limit}, field=name)
    return text


def _whole_number(name: str, value: Any, *, low: int, high: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(message, field=name)
    try:
        number = int(value)
    except ValueError as error:
        raise ValidationFailed(message, field=name) from error
    if not low <= number <= high:
        raise ValidationFailed(message, field=name)
    return number


def _basis_points(name: str, value: Any) -> int:
    return _whole_number(
        name,
        value,
        low=0,
        high=BASIS_POINTS,
        message=_("Give the commission in basis points, from 0 to 10000 (100 %)."),
    )


def _price(value: Any) -> int:
    return _whole_number(
        "price_fen",
        value,
        low=1,
        high=MAX_PRICE_FEN,
        message=_("The price must be more than ¥0.00 and at most ¥1,000,000.00."),
    )


def _stock_level(name: str, value: Any) -> int:
    return _whole_number(
        name,
        value,
        low=0,
        high=MAX_STOCK,
        message=_("Stock must be a whole number from 0 to 1,000,000,000."),
    )


def _save(obj: Any, *, unique_field: str, unique_message: str, **kwargs: Any) -> None:
    """Save in a savepoint; a unique constraint lost to a race becomes a field error."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as error:
        raise ValidationFailed(unique_message, field=unique_field) from error


def _jsonable(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


def _on_behalf_of(seller: Seller, actor: User) -> User | None:
    """The household an agent acts for, for the audit trail."""
    if seller.kind == SellerKind.INDIVIDUAL and seller.represented_by_id == actor.pk:
        return seller.member
    return None


# --- sellers ---------------------------------------------------------------------------------


def _check_seller_parties(
    county: County,
    kind: str,
    organisation: Organisation | None,
    member: User | None,
    represented_by: User | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind == SellerKind.ORGANISATION:
        if organisation is None:
            errors["organisation"] = [_("Choose the cooperative or enterprise.")]
        elif organisation.county_id != county.pk:
            errors["organisation"] = [_("The organisation belongs to another county.")]
        elif organisation.type not in (OrganisationType.COOPERATIVE, OrganisationType.ENTERPRISE):
            errors["organisation"] = [_("Only a cooperative or an enterprise can sell.")]
        if member is not None:
            errors["member"] = [_("An organisation seller has no individual member.")]
    elif kind == SellerKind.INDIVIDUAL:
        if member is None:
            errors["member"] = [_("Choose the farmer or herder who sells.")]
        elif member.county_id != county.pk:
            errors["member"] = [_("This person belongs to another county.")]
        if organisation is not None:
            errors["organisation"] = [_("An individual seller has no organisation.")]
    else:
        errors["kind"] = [_("Unknown kind of seller.")]
    if represented_by is not None:
        if kind != SellerKind.INDIVIDUAL:
            errors["represented_by"] = [_("Only individual sellers are represented by an agent.")]
        elif Role.STATION_AGENT not in roles_of(represented_by, county):
            errors["represented_by"] = [_("This person is not a station agent of the county.")]
    _raise_if(errors)


@transaction.atomic
def register_seller(
    county: County,
    *,
    actor: User,
    kind: str,
    name_zh: str,
    name_bo: str = "",
    name_en: str = "",
    organisation: Organisation | None = None,
    member: User | None = None,
    represented_by: User | None = None,
    commission_override_bp: int | None = None,
) -> Seller:
    """Let an organisation, or a household represented by a station agent, sell."""
    require(actor, "catalog.manage_catalogue", county)
    errors: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for field_name, value in (("name_zh", name_zh), ("name_bo", name_bo), ("name_en", name_en)):
        try:
            names[field_name] = _text(field_name, value)
        except ValidationFailed as error:
            _merge(errors, error)
    try:
        _check_seller_parties(county, kind, organisation, member, represented_by)
    except ValidationFailed as error:
        _merge(errors, error)
    commission: int | None = None
    if commission_override_bp is not None:
        try:
            commission = _basis_points("commission_override_bp", commission_override_bp)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    if organisation is not None and Seller.objects.filter(organisation=organisation).exists():
        raise ValidationFailed(
            _("This organisation is already registered as a seller."), field="organisation"
        )
    if member is not None and Seller.objects.filter(member=member).exists():
        raise ValidationFailed(_("This person is already registered as a seller."), field="member")
    seller = Seller(
        county=county,
        kind=kind,
        organisation=organisation,
        member=member,
        represented_by=represented_by,
        commission_override_bp=commission,
        **names,
    )
    _save(
        seller,
        unique_field="organisation" if organisation else "member",
        unique_message=_("This seller is already registered."),
    )
    audit.record(
        actor,
        "catalog.seller.registered",
        seller,
        {
            "kind": kind,
            "organisation": organisation.pk if organisation else None,
            "member": member.pk if member else None,
            "represented_by": represented_by.pk if represented_by else None,
        },
        on_behalf_of=member,
    )
    return seller


@transaction.atomic
def update_seller(seller: Seller, changes: dict[str, Any], *, actor: User) -> Seller:
    """Rename a seller, change its agent or commission, or (de)activate it."""
    require(actor, "catalog.manage_catalogue", seller)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name in ("name_zh", "name_bo", "name_en"):
                cleaned[name] = _text(name, value)
            elif name == "represented_by":
                _check_seller_parties(
                    seller.county, seller.kind, seller.organisation, seller.member, value
                )
                cleaned[name] = value
            elif name == "commission_override_bp":
                cleaned[name] = None if value is None else _basis_points(name, value)
            elif name == "active":
                cleaned[name] = bool(value)
            else:
                raise ValidationFailed(_("This field cannot be changed here."), field=name)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    audit.save_changes(seller, cleaned, actor=actor, action="catalog.seller.updated")
    return seller


# --- categories ------------------------------------------------------------------------------


def _check_parent_category(
    county: County, direction: str, parent: Category | None, category: Category | None = None
) -> None:
    if parent is None:
        return
    if parent.county_id != county.pk:
        raise ValidationFailed(_("The parent category belongs to another county."), field="parent")
    if parent.direction != direction:
        raise ValidationFailed(
            _("The parent category must go in the same direction."), field="parent"
        )
    ancestor: Category | None = parent
    depth = 1
    while ancestor is not None:
        if category is not None and ancestor.pk == category.pk:
            raise ValidationFailed(_("A category cannot be inside itself."), field="parent")
        ancestor, depth = ancestor.parent, depth + 1
    if depth > 3:
        raise ValidationFailed(_("Categories go at most three levels deep."), field="parent")


def _reindex_category(category: Category) -> None:
    products = Product.objects.filter(county=category.county_id).filter(
        search.category_filter(category)
    )
    for product in products.select_related("category__parent__parent", "origin_point"):
        search.index_product(product)


@transaction.atomic
def create_category(
    county: County,
    *,
    actor: User,
    code: str,
    name_zh: str,
    name_bo: str,
    name_en: str,
    direction: str,
    commission_bp: int,
    parent: Category | None = None,
    position: int = 0,
) -> Category:
    """Add a category; the commission is in basis points (500 = 5 %)."""
    require(actor, "catalog.manage_catalogue", county)
    errors: dict[str, list[str]] = {}
    slug = _printable(code).lower()
    if not slug:
        errors["code"] = [_("This field is required.")]
    elif not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", slug):
        errors["code"] = [_("Use at most 40 lower-case letters, digits and hyphens.")]
    names: dict[str, str] = {}
    for field_name, value in (("name_zh", name_zh), ("name_bo", name_bo), ("name_en", name_en)):
        text = _printable(value)
        if not text:
            errors.setdefault(field_name, []).append(_("This name is required."))
        names[field_name] = text
    if direction not in Direction.values:
        errors["direction"] = [_("Unknown direction.")]
    commission = 0
    try:
        commission = _basis_points("commission_bp", commission_bp)
    except ValidationFailed as error:
        _merge(errors, error)
    if not errors:
        try:
            _check_parent_category(county, direction, parent)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    if Category.objects.filter(county=county, code=slug).exists():
        raise ValidationFailed(_("Another category already uses this code."), field="code")
    category = Category(
        county=county,
        code=slug,
        direction=direction,
        commission_bp=commission,
        parent=parent,
        position=position,
        **names,
    )
    _save(
        category,
        unique_field="code",
        unique_message=_("Another category already uses this code."),
    )
    audit.record(
        actor,
        "catalog.category.created",
        category,
        {"code": slug, "direction": direction, "commission_bp": commission},
    )
    return category


@transaction.atomic
def update_category(category: Category, changes: dict[str, Any], *, actor: User) -> Category:
    """Rename, move or re-price a category; its products' search text follows."""
    require(actor, "catalog.manage_catalogue", category)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name in ("name_zh", "name_bo", "name_en"):
                text = _printable(value)
                if not text:
                    raise ValidationFailed(_("This name is required."), field=name)
                cleaned[name] = text
            elif name == "commission_bp":
                cleaned[name] = _basis_points(name, value)
            elif name == "parent":
                _check_parent_category(category.county, category.direction, value, category)
                cleaned[name] = value
            elif name == "position":
                cleaned[name] = _whole_number(
                    name, value, low=0, high=1000, message=_("Give a position from 0 to 1000.")
                )
            else:
                raise ValidationFailed(_("This field cannot be changed here."), field=name)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    changed = audit.save_changes(category, cleaned, actor=actor, action="catalog.category.updated")
    if {"name_zh", "name_bo", "name_en", "parent"} & set(changed):
        _reindex_category(category)
    return category


# --- products --------------------------------------------------------------------------------


@dataclass
class ProductDetails:
    category: Category
    name_zh: str
    name_bo: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_bo: str = ""
    description_en: str = ""
    story_zh: str = ""
    story_bo: str = ""
    story_en: str = ""
    storage_class: str = StorageClass.AMBIENT
    shelf_life_days: int | None = None
    origin_point: ServicePoint | None = None

    def as_changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PRODUCT_FIELDS}


def _validated_product_fields(county: County, changes: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check product fields; raise ValidationFailed listing every bad one."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name == "category":
                if not isinstance(value, Category):
                    raise ValidationFailed(_("Choose a category."), field=name)
                if value.county_id != county.pk:
                    raise ValidationFailed(_("The category belongs to another county."), field=name)
                cleaned[name] = value
            elif name in ("name_zh", "name_bo", "name_en"):
                cleaned[name] = _text(name, value)
            elif name.startswith(("description_", "story_")) and name in PRODUCT_FIELDS:
                cleaned[name] = _printable(value, multiline=True)
            elif name == "storage_class":
                if value not in StorageClass.values:
                    raise ValidationFailed(_("Unknown storage class."), field=name)
                cleaned[name] = value
            elif name == "shelf_life_days":
                cleaned[name] = (
                    None
                    if value in (None, "")
                    else _whole_number(
                        name,
                        value,
                        low=1,
                        high=MAX_SHELF_LIFE_DAYS,
                        message=_(
                            "Give the shelf life in days, from 1 to 3650, or leave it empty."
                        ),
                    )
                )
            elif name == "origin_point":
                if value is not None:
                    if not isinstance(value, ServicePoint) or value.county_id != county.pk:
                        raise ValidationFailed(
                            _("The origin must be a service point of this county."), field=name
                        )
                    if not value.active:
                        raise ValidationFailed(_("This service point is not active."), field=name)
                cleaned[name] = value
            else:
                raise ValidationFailed(_("This field cannot be changed here."), field=name)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    if cleaned.get("storage_class") in (StorageClass.CHILLED, StorageClass.FROZEN) and (
        "shelf_life_days" in cleaned and cleaned["shelf_life_days"] is None
    ):
        raise ValidationFailed(
            _("Chilled and frozen products need a shelf life."), field="shelf_life_days"
        )
    return cleaned


def _reindex(product: Product) -> None:
    fresh = (
        Product.objects.select_related("category__parent__parent", "origin_point")
        .filter(pk=product.pk)
        .get()
    )
    search.index_product(fresh)
    product.search_text = fresh.search_text


@transaction.atomic
def create_product(seller: Seller, details: ProductDetails, *, actor: User) -> Product:
    """Add a product (as a draft) to a seller's range."""
    require(actor, "catalog.manage_product", seller)
    if not seller.active:
        raise ValidationFailed(_("This seller is not active."), field="seller")
    fields = _validated_product_fields(seller.county, details.as_changes())
    point: ServicePoint | None = fields["origin_point"]
    product = Product.objects.create(
        county=seller.county,
        seller=seller,
        status=ProductStatus.DRAFT,
        origin_altitude_m=point.altitude_m if point else None,
        **fields,
    )
    _reindex(product)
    audit.record(
        actor,
        "catalog.product.created",
        product,
        {"seller": seller.pk, "category": product.category_id, "name_zh": product.name_zh},
        on_behalf_of=_on_behalf_of(seller, actor),
    )
    return product


@transaction.atomic
def update_product(product: Product, changes: dict[str, Any], *, actor: User) -> Product:
    """Change a product's details; only what differs is saved and audited."""
    require(actor, "catalog.manage_product", product)
    cleaned = _validated_product_fields(product.county, changes)
    if "storage_class" in cleaned and "shelf_life_days" not in cleaned:
        _validated_product_fields(
            product.county,
            {"storage_class": cleaned["storage_class"], "shelf_life_days": product.shelf_life_days},
        )
    if "origin_point" in cleaned:
        point = cleaned["origin_point"]
        cleaned["origin_altitude_m"] = point.altitude_m if point else None
    changed = {
        field: {"from": _jsonable(getattr(product, field)), "to": _jsonable(value)}
        for field, value in cleaned.items()
        if getattr(product, field) != value
    }
    if not changed:
        return product
    for field in changed:
        setattr(product, field, cleaned[field])
    product.save(update_fields=[*changed, "updated_at"])
    _reindex(product)
    audit.record(
        actor,
        "catalog.product.updated",
        product,
        changed,
        on_behalf_of=_on_behalf_of(product.seller, actor),
    )
    return product


@transaction.atomic
def change_product_status(product: Product, status: str, *, actor: User) -> Product:
    """Publish, withdraw, suspend or reinstate a product (see PRODUCT_TRANSITIONS).

    Sellers publish (draft -> on sale) and withdraw (on sale -> draft); anything to or
    from "suspended" is the centre's moderation. A product goes on sale only with at
    least one active SKU.
    """
    require(actor, "catalog.manage_product", product)
    if ProductStatus.SUSPENDED in (status, product.status):
        require(actor, "catalog.moderate_product", product)
    if status == product.status:
        return product
    old_status = product.transition(status)
    if status == ProductStatus.ACTIVE and not has_consent(product):
        product.status = old_status
        raise ValidationFailed(
            _("The household has not consented to this listing; record their consent first."),
            code="no_consent",
            field="status",
        )
    if status == ProductStatus.ACTIVE and not product.skus.filter(active=True).exists():
        product.status = old_status
        raise ValidationFailed(
            _("Add at least one active SKU before putting the product on sale."),
            code="no_active_sku",
            field="status",
        )
    product.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        "catalog.product.status_changed",
        product,
        {"from": old_status, "to": status},
        on_behalf_of=_on_behalf_of(product.seller, actor),
    )
    return product


# --- SKUs and stock --------------------------------------------------------------------------


@dataclass
class SkuDetails:
    code: str
    label_zh: str
    price_fen: int
    selling_unit: str = SellingUnit.PACK
    unit_weight_g: int | None = None
    stock: int = 0
    label_bo: str = ""
    label_en: str = ""
    active: bool = True


def _validated_sku(details: SkuDetails) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {"active": bool(details.active)}
    code = _printable(details.code).upper()
    if not code:
        errors["code"] = [_("This field is required.")]
    elif len(code) > 40:
        errors["code"] = [_("At most %(limit)d characters.") % {"limit": 40}]
    cleaned["code"] = code
    for name in ("label_zh", "label_bo", "label_en"):
        try:
            cleaned[name] = _text(name, getattr(details, name))
        except ValidationFailed as error:
            _merge(errors, error)
    checks = (
        ("price_fen", lambda: _price(details.price_fen)),
        ("stock", lambda: _stock_level("stock", details.stock)),
    )
    for name, check in checks:
        try:
            cleaned[name] = check()
        except ValidationFailed as error:
            _merge(errors, error)
    if details.selling_unit not in SellingUnit.values:
        errors["selling_unit"] = [_("Unknown selling unit.")]
    elif details.selling_unit == SellingUnit.WEIGHT:
        if details.unit_weight_g not in (None, ""):
            errors["unit_weight_g"] = [
                _("A SKU sold by weight has no unit weight: buyers order grams.")
            ]
        cleaned["unit_weight_g"] = None
    else:
        try:
            cleaned["unit_weight_g"] = _whole_number(
                "unit_weight_g",
                details.unit_weight_g,
                low=1,
                high=MAX_UNIT_WEIGHT_G,
                message=_("Give the shipping weight of one unit in grams (1 to 1,000,000)."),
            )
        except ValidationFailed as error:
            _merge(errors, error)
    cleaned["selling_unit"] = details.selling_unit
    _raise_if(errors)
    return cleaned


@transaction.atomic
def add_sku(product: Product, details: SkuDetails, *, actor: User) -> Sku:
    """Add a variant with its price and opening stock."""
    require(actor, "catalog.manage_product", product)
    fields = _validated_sku(details)
    if Sku.objects.filter(county_id=product.county_id, code=fields["code"]).exists():
        raise ValidationFailed(_("Another SKU already uses this code."), field="code")
    sku = Sku(product=product, county_id=product.county_id, **fields)
    _save(sku, unique_field="code", unique_message=_("Another SKU already uses this code."))
    audit.record(
        actor,
        "catalog.sku.added",
        sku,
        {
            "product": product.pk,
            "code": sku.code,
            "price_fen": sku.price_fen,
            "selling_unit": sku.selling_unit,
            "stock": sku.stock,
        },
        on_behalf_of=_on_behalf_of(product.seller, actor),
    )
    return sku


@transaction.atomic
def update_sku(sku: Sku, changes: dict[str, Any], *, actor: User) -> Sku:
    """Change a SKU's price, labels or whether it is on sale. Stock has its own actions."""
    require(actor, "catalog.manage_product", sku)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name in ("label_zh", "label_bo", "label_en"):
                cleaned[name] = _text(name, value)
            elif name == "price_fen":
                cleaned[name] = _price(value)
            elif name == "active":
                cleaned[name] = bool(value)
            else:
                raise ValidationFailed(_("This field cannot be changed here."), field=name)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    changed = {
        field: {"from": getattr(sku, field), "to": value}
        for field, value in cleaned.items()
        if getattr(sku, field) != value
    }
    if not changed:
        return sku
    # Only the changed columns are written, so a concurrent stock change is never undone.
    for field in changed:
        setattr(sku, field, cleaned[field])
    sku.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor,
        "catalog.sku.updated",
        sku,
        changed,
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    return sku


@transaction.atomic
def set_stock(sku: Sku, stock: int, *, actor: User, reason: str = "") -> Sku:
    """Set the stock to a counted level (a stocktake). Refuses a negative level."""
    require(actor, "catalog.manage_product", sku)
    level = _stock_level("stock", stock)
    # Lock the row for the statement pair so the audit's "from" is the value replaced.
    before = Sku.objects.select_for_update().filter(pk=sku.pk).values_list("stock", flat=True).get()
    if before == level:
        sku.stock = level
        return sku
    Sku.objects.filter(pk=sku.pk).update(stock=level)
    sku.stock = level
    invalidate_cached_pages_on_commit()  # a queryset update sends no post_save
    audit.record(
        actor,
        "catalog.sku.stock_set",
        sku,
        {"from": before, "to": level, "reason": _printable(reason)[:200]},
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    return sku


@transaction.atomic
def adjust_stock(sku: Sku, delta: int, *, actor: User, reason: str = "") -> Sku:
    """Add (delta > 0) or remove (delta < 0) stock; refused if it would go below zero."""
    require(actor, "catalog.manage_product", sku)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise _not_a_quantity()
    if abs(delta) > MAX_STOCK:
        raise ValidationFailed(
            _("Stock must be a whole number from 0 to 1,000,000,000."), field="quantity"
        )
    guard = {"stock__gte": -delta} if delta < 0 else {"stock__lte": MAX_STOCK - delta}
    # One conditional UPDATE: no read-decide-write, so a checkout reserving at the same
    # moment cannot be overwritten.
    changed = Sku.objects.filter(pk=sku.pk, **guard).update(stock=F("stock") + delta)
    invalidate_cached_pages_on_commit()  # a queryset update sends no post_save
    if not changed:
        if delta < 0:
            raise ValidationFailed(
                _("Not enough stock: removing %(quantity)d would leave less than zero.")
                % {"quantity": -delta},
                code="insufficient_stock",
                field="quantity",
            )
        raise ValidationFailed(
            _("Stock must be a whole number from 0 to 1,000,000,000."), field="quantity"
        )
    after = Sku.objects.filter(pk=sku.pk).values_list("stock", flat=True).get()
    sku.stock = after
    audit.record(
        actor,
        "catalog.sku.stock_adjusted",
        sku,
        {"delta": delta, "from": after - delta, "to": after, "reason": _printable(reason)[:200]},
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    return sku


def _not_a_quantity() -> ValidationFailed:
    return ValidationFailed(_("The quantity must be a whole number above zero."), field="quantity")


def _positive_quantity(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise _not_a_quantity()
    return quantity


def reserve_stock(sku_id: int, quantity: int) -> bool:
    """Take `quantity` (units, or grams for weight SKUs) off an active SKU if there is enough.

    Returns whether it was taken. Call inside checkout's transaction: the caller checks
    the product is on sale, permissions and audit, and rolls back on failure elsewhere.

    It is ONE conditional UPDATE (`... SET stock = stock - q WHERE id = … AND stock >= q
    AND active`), never read-decide-write: the database checks and decrements in the same
    statement, so two buyers of the last unit cannot both get it, and the hot row is
    locked only from this statement to the end of the caller's transaction — no
    SELECT … FOR UPDATE beforehand, no lock held while the caller decides. On PostgreSQL
    a concurrent UPDATE waits for the first to commit and then re-checks `stock >= q`
    against the committed value; on SQLite writers are serialised by the database lock.
    The CheckConstraint `stock >= 0` is the backstop. A checkout reserving several SKUs
    reserves them in ascending id order, so two checkouts cannot deadlock on PostgreSQL.
    """
    taken = Sku.objects.filter(
        pk=sku_id, stock__gte=_positive_quantity(quantity), active=True
    ).update(stock=F("stock") - quantity)
    return taken == 1


def release_stock(sku_id: int, quantity: int) -> bool:
    """Put back stock a reservation took (an order cancelled or expired). One F() UPDATE.

    Returns whether the SKU exists. Works on inactive SKUs too: the units are still there.
    """
    return (
        Sku.objects.filter(pk=sku_id).update(stock=F("stock") + _positive_quantity(quantity)) == 1
    )


# --- photos ----------------------------------------------------------------------------------


def _read_upload(upload: IO[bytes] | File) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise _too_large()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise _too_large()
    if not data:
        raise ValidationFailed(_("The file is empty."), field="image")
    return bytes(data)


def _too_large() -> ValidationFailed:
    return ValidationFailed(
        _("The photo is larger than 8 MB. Send a smaller one."), code="too_large", field="image"
    )


def _not_an_image() -> ValidationFailed:
    return ValidationFailed(
        _("This file is not a photo. Send a JPEG, PNG or WebP image."),
        code="not_an_image",
        field="image",
    )


def without_metadata(data: bytes) -> bytes:
    """The photo re-encoded upright with no EXIF: a phone's photo carries the GPS position
    of a herder's home, which must not be published. Call after make_thumbnail checked it."""
    with Image.open(io.BytesIO(data)) as image:
        image_format = image.format or "JPEG"
        upright = ImageOps.exif_transpose(image) or image
        output = io.BytesIO()
        if image_format == "JPEG":
            upright.convert("RGB").save(output, "JPEG", quality=90)
        else:
            upright.save(
                output, image_format, **({"quality": 90} if image_format == "WEBP" else {})
            )
    return output.getvalue()


def make_thumbnail(data: bytes) -> tuple[bytes, int, int, str]:
    """Check the photo and make its WebP thumbnail: (webp bytes, width, height, extension).

    At most THUMBNAIL_MAX_WIDTH pixels wide, turned upright from the EXIF orientation.
    Raises ValidationFailed for anything that is not a JPEG, PNG or WebP image.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    if image_format not in PHOTO_FORMATS:
        raise _not_an_image()
    if width * height > MAX_PHOTO_PIXELS:
        raise ValidationFailed(
            _("The photo has too many pixels. Send one of at most 40 megapixels."),
            code="too_large",
            field="image",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            has_alpha = upright.mode in ("RGBA", "LA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            converted = upright.convert("RGBA" if has_alpha else "RGB")
            if converted.width > THUMBNAIL_MAX_WIDTH:
                new_height = max(1, round(converted.height * THUMBNAIL_MAX_WIDTH / converted.width))
                converted = converted.resize(
                    (THUMBNAIL_MAX_WIDTH, new_height), Image.Resampling.LANCZOS
                )
            output = io.BytesIO()
            converted.save(output, "WEBP", quality=THUMBNAIL_QUALITY, method=4)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    return output.getvalue(), converted.width, converted.height, PHOTO_FORMATS[image_format]


@transaction.atomic
def add_photo(product: Product, upload: IO[bytes] | File, *, actor: User) -> ProductPhoto:
    """Store a product photo (at most 8 MB; JPEG, PNG or WebP) and its WebP thumbnail.

    The files are written before the row; if the transaction then rolls back they stay
    behind unreferenced (clean them with a media sweep, not here).
    """
    require(actor, "catalog.manage_product", product)
    if product.photos.count() >= MAX_PHOTOS_PER_PRODUCT:
        raise ValidationFailed(
            _("A product has at most %(count)d photos. Remove one first.")
            % {"count": MAX_PHOTOS_PER_PRODUCT},
            code="too_many_photos",
            field="image",
        )
    data = _read_upload(upload)
    thumbnail, width, height, extension = make_thumbnail(data)
    stem = PurePath(str(getattr(upload, "name", "") or "photo")).stem[:40] or "photo"
    position = (product.photos.aggregate(last=Max("position"))["last"] or 0) + 1
    photo = ProductPhoto(
        product=product,
        county_id=product.county_id,
        position=position,
        thumbnail_width=width,
        thumbnail_height=height,
    )
    photo.image.save(f"{stem}.{extension}", ContentFile(without_metadata(data)), save=False)
    photo.thumbnail.save(f"{stem}.webp", ContentFile(thumbnail), save=False)
    photo.save()
    audit.record(
        actor,
        "catalog.photo.added",
        photo,
        {
            "product": product.pk,
            "image": photo.image.name,
            "bytes": len(data),
            "thumbnail": [width, height],
        },
        on_behalf_of=_on_behalf_of(product.seller, actor),
    )
    return photo


@transaction.atomic
def remove_photo(photo: ProductPhoto, *, actor: User) -> None:
    """Remove a photo; its files are deleted once the removal has committed."""
    require(actor, "catalog.manage_product", photo)
    product = photo.product
    names = [photo.image.name, photo.thumbnail.name]
    storage = photo.image.storage
    audit.record(
        actor,
        "catalog.photo.removed",
        photo,
        {"product": product.pk, "image": photo.image.name},
        on_behalf_of=_on_behalf_of(product.seller, actor),
    )
    photo.delete()

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
