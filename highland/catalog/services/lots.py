"""Stock held in lots (ADR 0010): goods enter a SKU's stock only by being received into a
lot. Packing takes them out again (orders allocates each line to lots)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import MAX_STOCK, LotOrigin, Sku, StockLot
from highland.catalog.services.fields import _on_behalf_of, _printable, _stock_level
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require


def _lot_code(sku: Sku, received_on: dt.date) -> str:
    """L<yymmdd>-<SKU code>-<n>: readable on a label, unique in the county."""
    stem = f"L{received_on:%y%m%d}-{sku.code}"[:34]
    taken = StockLot.objects.filter(county_id=sku.county_id, code__startswith=stem).count()
    return f"{stem}-{taken + 1}"


@transaction.atomic
def receive_stock_lot(
    sku: Sku,
    quantity: int,
    *,
    actor: User,
    origin: str = LotOrigin.SELLER,
    origin_id: int | None = None,
    received_on: dt.date | None = None,
    best_before: dt.date | None = None,
    code: str = "",
    check_permission: bool = True,
) -> StockLot:
    """Receive goods into a new lot of `sku` and add them to its sellable stock.

    `quantity` is units, or grams for a SKU sold by weight. `check_permission=False` is
    for callers that checked their own permission for the whole action (a cooperative's
    processing run receiving its outputs).
    """
    if check_permission:
        require(actor, "catalog.manage_product", sku)
    level = _stock_level("quantity", quantity)
    if level == 0:
        raise ValidationFailed(
            _("The quantity must be a whole number above zero."), field="quantity"
        )
    if origin not in LotOrigin.values:
        raise ValidationFailed(_("Unknown origin."), field="origin")
    received_on = received_on or timezone.localdate()
    if best_before is not None and best_before < received_on:
        raise ValidationFailed(
            _("The best-before date cannot be before the day the lot is received."),
            field="best_before",
        )
    code = _printable(code).upper()[:40] or _lot_code(sku, received_on)
    if StockLot.objects.filter(county_id=sku.county_id, code=code).exists():
        raise ValidationFailed(_("Another lot already uses this code."), field="code")
    added = Sku.objects.filter(pk=sku.pk, stock__lte=MAX_STOCK - level).update(
        stock=F("stock") + level
    )
    if not added:
        raise ValidationFailed(
            _("Stock must be a whole number from 0 to 1,000,000,000."), field="quantity"
        )
    lot = StockLot.objects.create(
        county_id=sku.county_id,
        sku=sku,
        code=code,
        received_quantity=level,
        on_hand=level,
        received_on=received_on,
        best_before=best_before,
        origin=origin,
        origin_id=origin_id,
    )
    sku.stock = Sku.objects.filter(pk=sku.pk).values_list("stock", flat=True).get()
    audit.record(
        actor,
        "catalog.stock_lot.received",
        lot,
        {"sku": sku.code, "quantity": level, "origin": origin, "origin_id": origin_id},
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    shop_changed(sku.county)
    return lot
