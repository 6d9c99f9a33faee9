"""SKUs and stock: the conditional UPDATEs checkout reserves with (ADR 0001)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from highland.catalog.models import (
    MAX_STOCK,
    MAX_UNIT_WEIGHT_G,
    Product,
    SellingUnit,
    Sku,
)
from highland.catalog.services.fields import (
    _merge,
    _on_behalf_of,
    _price,
    _printable,
    _raise_if,
    _save,
    _stock_level,
    _text,
    _whole_number,
)
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require

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
    shop_changed(product.county)
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
    shop_changed(sku.county)
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
    audit.record(
        actor,
        "catalog.sku.stock_set",
        sku,
        {"from": before, "to": level, "reason": _printable(reason)[:200]},
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    shop_changed(sku.county)
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
    shop_changed(sku.county)
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
