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
    LotOrigin,
    Product,
    SellingUnit,
    Sku,
    StockLot,
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
from highland.catalog.services.lots import add_lot, lock_lots, plan_fefo, take_from_lots
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
    opening = fields.pop("stock")
    sku = Sku(product=product, county_id=product.county_id, stock=0, **fields)
    _save(sku, unique_field="code", unique_message=_("Another SKU already uses this code."))
    # Opening stock is received like any other goods: into a lot (ADR 0010).
    lot = add_lot(sku, opening, origin=LotOrigin.SELLER) if opening else None
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
            "lot": lot.code if lot else None,
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
    """A stocktake: `stock` is what was counted on the shelf, units reserved by orders not
    yet packed included (they are still there). More than the lots hold is received into a
    new lot; less is taken out of the lots first expiry first. A count below what orders
    reserved is refused: those units cannot be gone unless an order is cancelled."""
    require(actor, "catalog.manage_product", sku)
    counted = _stock_level("stock", stock)
    lots = lock_lots([sku.pk])[sku.pk]
    before = Sku.objects.select_for_update().filter(pk=sku.pk).values_list("stock", flat=True).get()
    on_hand = sum(lot.on_hand for lot in lots)
    reserved = _reserved(sku, on_hand, before)
    if counted < reserved:
        raise ValidationFailed(
            _(
                "%(reserved)d are reserved by orders not yet packed, so the count cannot be "
                "lower: cancel an order first if its goods are really gone."
            )
            % {"reserved": reserved},
            field="stock",
            code="reserved_stock",
        )
    if counted == on_hand:
        sku.stock = before
        return sku
    moved = _move_stock(sku, lots, counted - on_hand)
    after = counted - reserved
    sku.stock = after
    audit.record(
        actor,
        "catalog.sku.stock_set",
        sku,
        {
            "from": before,
            "to": after,
            "counted": counted,
            "reserved": reserved,
            "lots": moved,
            "reason": _printable(reason)[:200],
        },
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    shop_changed(sku.county)
    return sku


@transaction.atomic
def adjust_stock(sku: Sku, delta: int, *, actor: User, reason: str = "") -> Sku:
    """Add (delta > 0: a new lot) or remove (delta < 0: out of the lots, first expiry first)
    stock; refused if the sellable stock would go below zero (reserved units stay)."""
    require(actor, "catalog.manage_product", sku)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise _not_a_quantity()
    if abs(delta) > MAX_STOCK:
        raise ValidationFailed(
            _("Stock must be a whole number from 0 to 1,000,000,000."), field="quantity"
        )
    if delta > 0:
        # Receiving locks no existing lot: the new lot and one conditional UPDATE.
        moved = _move_stock(sku, [], delta)
    else:
        lots = lock_lots([sku.pk])[sku.pk]
        before = (
            Sku.objects.select_for_update().filter(pk=sku.pk).values_list("stock", flat=True).get()
        )
        if before < -delta:
            reserved = _reserved(sku, sum(lot.on_hand for lot in lots), before)
            if reserved:
                raise ValidationFailed(
                    _(
                        "Not enough stock: only %(free)d can be removed, %(reserved)d more "
                        "are reserved by orders not yet packed."
                    )
                    % {"free": before, "reserved": reserved},
                    code="insufficient_stock",
                    field="quantity",
                )
            raise ValidationFailed(
                _("Not enough stock: removing %(quantity)d would leave less than zero.")
                % {"quantity": -delta},
                code="insufficient_stock",
                field="quantity",
            )
        moved = _move_stock(sku, lots, delta)
    after = Sku.objects.filter(pk=sku.pk).values_list("stock", flat=True).get()
    sku.stock = after
    audit.record(
        actor,
        "catalog.sku.stock_adjusted",
        sku,
        {
            "delta": delta,
            "from": after - delta,
            "to": after,
            "lots": moved,
            "reason": _printable(reason)[:200],
        },
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    shop_changed(sku.county)
    return sku


def _reserved(sku: Sku, on_hand: int, sellable: int) -> int:
    """Units orders reserved and have not packed: in the lots but not sellable (ADR 0010)."""
    if on_hand < sellable:
        # Stock recorded outside any lot: the invariant is broken; `manage.py verify` says
        # so. Refuse rather than guess which goods are real.
        raise ValidationFailed(
            _(
                "The lots of %(code)s hold less than its sellable stock; ask the service "
                "centre to check the stock records."
            )
            % {"code": sku.code},
            code="lots_out_of_step",
        )
    return on_hand - sellable


def _move_stock(sku: Sku, lots: list[StockLot], delta: int) -> dict[str, int]:
    """Add `delta` units to a new lot (delta > 0) or take them out of the locked `lots`,
    first expiry first, with the sellable stock (delta < 0). Returns {lot code: change}.
    Call with the lots and the SKU row locked when taking out."""
    if delta > 0:
        lot = add_lot(sku, delta, origin=LotOrigin.SELLER)
        return {lot.code: delta}
    parts = plan_fefo(lots, -delta)
    changed = Sku.objects.filter(pk=sku.pk, stock__gte=-delta).update(stock=F("stock") + delta)
    if parts is None or not changed:
        raise ValidationFailed(
            _("Not enough stock: removing %(quantity)d would leave less than zero.")
            % {"quantity": -delta},
            code="insufficient_stock",
            field="quantity",
        )
    take_from_lots(parts)
    return {lot.code: -quantity for lot, quantity in parts}


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


def take_packed_extra(sku_id: int, quantity: int) -> bool:
    """Take off the sellable stock the grams a line packed beyond what it reserved. One
    conditional UPDATE, like `reserve_stock`, but on an inactive SKU too: the order was
    placed while it was on sale. Returns whether there was enough."""
    return (
        Sku.objects.filter(pk=sku_id, stock__gte=_positive_quantity(quantity)).update(
            stock=F("stock") - quantity
        )
        == 1
    )
