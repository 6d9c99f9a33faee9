"""Stock held in lots (ADR 0010): goods enter a SKU's stock only by being received into a
lot. Packing takes them out again (orders allocates each line to lots)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import MAX_STOCK, LotOrigin, Sku, StockLot
from highland.catalog.services.fields import _on_behalf_of, _printable, _stock_level
from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.hooks import Hook
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require

RECEIVE_SCOPE = "catalog.receive_lot"

# Apps that keep track of where a lot's goods lie (the hub's locations, ADR 0014) follow
# what leaves the lot. Each follower gets the (lot, quantity) parts just taken, with the
# lots still locked and their `on_hand` already lowered, inside the caller's transaction.
LotsTaken = Callable[[Sequence[tuple[StockLot, int]]], None]
lots_taken: Hook[LotsTaken] = Hook("goods taken out of lots")


def _lot_code(sku: Sku, received_on: dt.date) -> str:
    """L<yymmdd>-<SKU code>-<n>: readable on a label, unique in the county."""
    stem = f"L{received_on:%y%m%d}-{sku.code}"[:34]
    taken = StockLot.objects.filter(county_id=sku.county_id, code__startswith=stem).count()
    return f"{stem}-{taken + 1}"


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
    lot, _created = receive_stock_lot_once(
        sku,
        quantity,
        actor=actor,
        origin=origin,
        origin_id=origin_id,
        received_on=received_on,
        best_before=best_before,
        code=code,
        check_permission=check_permission,
    )
    return lot


@transaction.atomic
def receive_stock_lot_once(
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
    idempotent_request: IdempotentRequest | None = None,
) -> tuple[StockLot, bool]:
    """`receive_stock_lot` for a request that may be repeated (the API's Idempotency-Key):
    returns the lot and whether this call received it (False: the first request's lot)."""
    if check_permission:
        require(actor, "catalog.manage_product", sku)
    claim = None
    if idempotent_request is not None:
        claim = idempotency.claim(
            RECEIVE_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            return claim.stored_object(StockLot), False
    lot = add_lot(
        sku,
        quantity,
        origin=origin,
        origin_id=origin_id,
        received_on=received_on,
        best_before=best_before,
        code=code,
    )
    audit.record(
        actor,
        "catalog.stock_lot.received",
        lot,
        {
            "sku": sku.code,
            "code": lot.code,
            "quantity": lot.received_quantity,
            "origin": origin,
            "origin_id": origin_id,
            "best_before": best_before.isoformat() if best_before else None,
        },
        on_behalf_of=_on_behalf_of(sku.product.seller, actor),
    )
    if claim is not None:
        claim.complete(obj=lot)
    shop_changed(sku.county)
    return lot, True


def add_lot(
    sku: Sku,
    quantity: int,
    *,
    origin: str,
    origin_id: int | None = None,
    received_on: dt.date | None = None,
    best_before: dt.date | None = None,
    code: str = "",
) -> StockLot:
    """The lot and the sellable stock it adds, validated, without permission or audit:
    for actions that record their own (a stocktake, an adjustment, a new SKU's opening
    stock, a cancelled parcel's goods coming back). Call inside their transaction."""
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
    given_code = _printable(code).upper()[:40]
    if given_code and StockLot.objects.filter(county_id=sku.county_id, code=given_code).exists():
        raise ValidationFailed(_("Another lot already uses this code."), field="code")
    added = Sku.objects.filter(pk=sku.pk, stock__lte=MAX_STOCK - level).update(
        stock=F("stock") + level
    )
    if not added:
        raise ValidationFailed(
            _("Stock must be a whole number from 0 to 1,000,000,000."), field="quantity"
        )
    # The code is numbered after the SKU's row is locked by the UPDATE above, so two
    # receipts of the same SKU on the same day number their lots one after the other.
    try:
        with transaction.atomic():
            lot = StockLot.objects.create(
                county_id=sku.county_id,
                sku=sku,
                code=given_code or _lot_code(sku, received_on),
                received_quantity=level,
                on_hand=level,
                received_on=received_on,
                best_before=best_before,
                origin=origin,
                origin_id=origin_id,
            )
    except IntegrityError as error:
        raise ValidationFailed(
            _("Another lot already uses this code."), field="code", code="duplicate_lot_code"
        ) from error
    sku.stock = Sku.objects.filter(pk=sku.pk).values_list("stock", flat=True).get()
    return lot


# --- taking goods out of lots ----------------------------------------------------------------


def fefo_key(lot: StockLot) -> tuple[bool, dt.date, dt.date, int]:
    """First expiry, first out: best-before first (lots without one last), then the older
    lot, then the lot recorded first."""
    return (
        lot.best_before is None,
        lot.best_before or dt.date.max,
        lot.received_on,
        int(lot.pk),
    )


def lock_lots(sku_ids: Iterable[int], *, also: Iterable[int] = ()) -> dict[int, list[StockLot]]:
    """Lock the lots with goods of these SKUs (and the lots named in `also`), in ascending
    id, and return them per SKU in first-expiry-first-out order.

    Lock order of every stock path (ADR 0010): lots in ascending id, then the SKU rows
    (ascending id). Checkout's reservation touches only the SKU row and holds no lot, so
    it cannot close a cycle with a packer or a stocktake.
    """
    ids = sorted(set(sku_ids))
    named = sorted(set(also))
    rows = (
        StockLot.objects.select_for_update()
        .filter(Q(sku_id__in=ids, on_hand__gt=0) | Q(pk__in=named))
        .order_by("pk")
    )
    by_sku: dict[int, list[StockLot]] = {sku_id: [] for sku_id in ids}
    for lot in rows:
        by_sku.setdefault(lot.sku_id, []).append(lot)
    for lots in by_sku.values():
        lots.sort(key=fefo_key)
    return by_sku


def plan_fefo(lots: Sequence[StockLot], quantity: int) -> list[tuple[StockLot, int]] | None:
    """Which lots `quantity` comes out of, first expiry first; None if they hold too little.
    Reads the lots' `on_hand` as given and changes nothing."""
    parts: list[tuple[StockLot, int]] = []
    left = quantity
    for lot in lots:
        if left == 0:
            break
        take = min(lot.on_hand, left)
        if take > 0:
            parts.append((lot, take))
            left -= take
    return parts if left == 0 else None


def take_from_lots(parts: Sequence[tuple[StockLot, int]]) -> None:
    """Take the goods out of the locked lots (in ascending id). The sellable stock is the
    caller's: packing already had it reserved, a stocktake changes it itself. The apps
    registered in `lots_taken` follow (the hub lowers the lots' placements)."""
    ordered = sorted(parts, key=lambda part: part[0].pk)
    for lot, quantity in ordered:
        StockLot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") - quantity)
        lot.on_hand -= quantity
    for follow in lots_taken.values():
        follow(ordered)


def put_back_into_lots(parts: Sequence[tuple[int, int, int]]) -> None:
    """Goods come back (a parcel cancelled after packing, an after-sale return): each
    (lot id, SKU id, quantity) goes back into its own lot and into the sellable stock.
    Lots first, then SKUs, each in ascending id (the lock order)."""
    by_sku: dict[int, int] = {}
    for lot_id, sku_id, quantity in sorted(parts):
        if quantity <= 0:
            continue
        StockLot.objects.filter(pk=lot_id).update(on_hand=F("on_hand") + quantity)
        by_sku[sku_id] = by_sku.get(sku_id, 0) + quantity
    for sku_id, quantity in sorted(by_sku.items()):
        Sku.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)


def on_hand_of(sku: Sku) -> int:
    """What the SKU's lots hold: sellable stock plus what orders reserved and not packed."""
    return int(StockLot.objects.filter(sku=sku).aggregate(total=Sum("on_hand"))["total"] or 0)
