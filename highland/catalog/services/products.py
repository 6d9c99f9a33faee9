"""Products: details, search index and status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from highland.catalog import search
from highland.catalog.models import (
    Category,
    Product,
    ProductStatus,
    Seller,
    StorageClass,
)
from highland.catalog.selectors import has_consent
from highland.catalog.services.fields import (
    MAX_SHELF_LIFE_DAYS,
    PRODUCT_FIELDS,
    _jsonable,
    _merge,
    _on_behalf_of,
    _printable,
    _raise_if,
    _text,
    _whole_number,
)
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require
from highland.network.models import ServicePoint

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
    shop_changed(seller.county)
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
    shop_changed(product.county)
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
    shop_changed(product.county)
    return product
