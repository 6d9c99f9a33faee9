"""Packing takes goods out of stock lots; goods coming back go into their own lots (ADR 0010).

Checkout reserves against the SKU's sellable total only (ADR 0001); which lot a unit came
from is decided when it is packed. Every function here runs inside the caller's audited
transaction, with the order locked; the caller records the allocation in its audit entry.

Lock order: the payment, the order (the caller), then lots in ascending id, then SKU rows
in ascending id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from django.db.models import F
from django.utils.translation import gettext as _

from highland.catalog import services as catalog_services
from highland.catalog.models import LotOrigin, Sku, StockLot
from highland.catalog.services import add_lot, lock_lots, plan_fefo, take_from_lots
from highland.core.errors import ValidationFailed
from highland.orders.models import LineLotAllocation, Order, OrderLine


def packed_quantity(line: OrderLine) -> int:
    """What leaves the shelf for a line: its units, or its packed grams by weight (the
    ordered grams when a path packs without weighing)."""
    return int(line.packed_grams if line.packed_grams is not None else line.quantity)


def allocate_lines(
    order: Order, lines: Sequence[OrderLine], chosen_lots: Mapping[int, int] | None = None
) -> dict[str, dict[str, int]]:
    """Take each line's packed goods out of lots and record the allocations.

    A line named in `chosen_lots` (line id → lot id) comes wholly out of that lot, which
    must be a lot of the line's SKU holding enough; every other line comes out of its
    SKU's lots first expiry first. A line packed by weight at other than the grams it
    reserved gives the difference back to (or takes it from) the sellable stock, so that
    sellable + reserved-but-unpacked = Σ lot on hand still holds. Returns
    {line id: {lot code: quantity}} for the caller's audit entry.
    """
    chosen = dict(chosen_lots or {})
    by_id = {line.pk: line for line in lines}
    unknown = sorted(set(chosen) - set(by_id))
    if unknown:
        raise ValidationFailed(
            _("Line %(line)d is not a line of this order.") % {"line": unknown[0]},
            field="lots",
            code="unknown_line",
        )
    lots = lock_lots({line.sku_id for line in lines}, also=chosen.values())
    # After the lots are locked (the lock order), before they are read: a shortfall of
    # sellable stock is the clearer refusal.
    _settle_weight_differences(lines)
    lot_by_id = {lot.pk: lot for sku_lots in lots.values() for lot in sku_lots}
    allocations: list[LineLotAllocation] = []
    shown: dict[str, dict[str, int]] = {}
    # Named lots first, so first-expiry picking for the other lines cannot empty them.
    ordered = sorted(lines, key=lambda line: (line.pk not in chosen, line.pk))
    for line in ordered:
        need = packed_quantity(line)
        if line.pk in chosen:
            parts = [(_named_lot(order, line, lot_by_id.get(chosen[line.pk]), need), need)]
        else:
            planned = plan_fefo(lots.get(line.sku_id, []), need)
            if planned is None:
                raise ValidationFailed(
                    _("%(product)s: the lots hold less than the %(need)d to pack.")
                    % {"product": line.product_name, "need": need},
                    field="lots",
                    code="lots_short",
                )
            parts = planned
        take_from_lots(parts)
        allocations += [
            LineLotAllocation(county_id=order.county_id, line=line, lot=lot, quantity=quantity)
            for lot, quantity in parts
        ]
        shown[str(line.pk)] = {lot.code: quantity for lot, quantity in parts}
    LineLotAllocation.objects.bulk_create(allocations)
    return shown


def _named_lot(order: Order, line: OrderLine, lot: StockLot | None, need: int) -> StockLot:
    if lot is None or lot.county_id != order.county_id or lot.sku_id != line.sku_id:
        raise ValidationFailed(
            _("%(product)s: choose a lot of this product's variant.")
            % {"product": line.product_name},
            field="lots",
            code="wrong_lot",
        )
    if lot.on_hand < need:
        raise ValidationFailed(
            _("%(product)s: lot %(lot)s holds only %(on_hand)d, %(need)d are to be packed.")
            % {
                "product": line.product_name,
                "lot": lot.code,
                "on_hand": lot.on_hand,
                "need": need,
            },
            field="lots",
            code="lot_short",
        )
    return lot


def _settle_weight_differences(lines: Sequence[OrderLine]) -> None:
    """Reserved grams not packed go back to sale; grams packed beyond the reservation come
    out of the sellable stock (one conditional UPDATE per SKU, ascending id)."""
    differences: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for line in lines:
        differences[line.sku_id] += line.quantity - packed_quantity(line)
        names[line.sku_id] = line.product_name
    for sku_id, difference in sorted(differences.items()):
        if difference > 0:
            catalog_services.release_stock(sku_id, difference)
        elif difference < 0 and not catalog_services.take_packed_extra(sku_id, -difference):
            raise ValidationFailed(
                _("%(product)s: not enough left for sale to pack %(extra)d g more than ordered.")
                % {"product": names[sku_id], "extra": -difference},
                field="packed_grams",
                code="insufficient_stock",
            )


def return_goods(order: Order, *, legacy_into_new_lot: bool) -> dict[str, int]:
    """A packed order's goods come back (cancelled after packing, or returned after sale):
    what each allocation has not yet returned goes back into its own lot and on sale.

    Lines packed before lots existed have no allocation (ADR 0010): with
    `legacy_into_new_lot` their goods come back in a new opening lot (a cancelled parcel
    used to put its units back on sale), otherwise they are left as before lots (an
    after-sale return never restocked). Returns {lot code: quantity} put back.
    """
    lines = list(order.lines.order_by("pk"))
    allocations = list(
        LineLotAllocation.objects.filter(line__order=order)
        .select_related("lot")
        .order_by("lot_id", "pk")
    )
    put_back = [
        (allocation.lot_id, allocation.lot.sku_id, allocation.quantity - allocation.returned)
        for allocation in allocations
        if allocation.quantity > allocation.returned
    ]
    catalog_services.put_back_into_lots(put_back)
    shown = {
        allocation.lot.code: allocation.quantity - allocation.returned
        for allocation in allocations
        if allocation.quantity > allocation.returned
    }
    LineLotAllocation.objects.filter(pk__in=[allocation.pk for allocation in allocations]).update(
        returned=F("quantity")
    )
    if legacy_into_new_lot:
        allocated_lines = {allocation.line_id for allocation in allocations}
        for line in lines:
            if line.pk in allocated_lines:
                continue
            sku = Sku.objects.select_related("county").get(pk=line.sku_id)
            lot = add_lot(sku, packed_quantity(line), origin=LotOrigin.OPENING)
            shown[lot.code] = packed_quantity(line)
    return shown


def attach_lot_choices(lines: Sequence[OrderLine]) -> None:
    """Give each line `lot_choices`: its SKU's lots with goods, first expiry first, for
    the packing form's optional choice (one query for all lines)."""
    by_sku: dict[int, list[StockLot]] = defaultdict(list)
    for lot in StockLot.objects.filter(
        sku_id__in={line.sku_id for line in lines}, on_hand__gt=0
    ).only("pk", "sku_id", "code", "on_hand", "best_before", "received_on"):
        by_sku[lot.sku_id].append(lot)
    for lots in by_sku.values():
        lots.sort(key=catalog_services.fefo_key)
    for line in lines:
        line.lot_choices = by_sku.get(line.sku_id, [])  # type: ignore[attr-defined]
