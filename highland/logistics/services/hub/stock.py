"""Stock lots by location (ADR 0014): put-away, moves between locations, picking, and
placements following what packing takes out of a lot.

Per lot, Σ placement.quantity ≤ lot.on_hand; the rest is "not yet put away" (just
received, or picked and on the packing bench). Every action here locks the lot's row
first (the lock order of ADR 0010: lots in ascending id), then the destination location
it fills, then changes placements with guarded F() updates. Packing holds the same lot
locks when `follow_lots_taken` lowers placements, so a mover and a packer of one lot
take turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from highland.catalog.models import SellingUnit, StockLot
from highland.core import audit, idempotency
from highland.core.errors import NotFound, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import require
from highland.logistics.models import HubLocation, LotMovement, LotMovementKind, LotPlacement
from highland.logistics.temperature import TemperatureClass, may_hold
from highland.orders.models import Order, OrderStatus

# Short names of the classes for sentences ("lot … is frozen, location … is chilled").
CLASS_NAMES: dict[str, str | Promise] = {
    TemperatureClass.AMBIENT: gettext_lazy("ambient"),
    TemperatureClass.CHILLED: gettext_lazy("chilled"),
    TemperatureClass.FROZEN: gettext_lazy("frozen"),
}
SCOPE = "logistics.lot_movement"
# The largest quantity one movement carries: a tonne by weight, or a million units.
MAX_MOVE = 1_000_000_000


def lot_class(lot: StockLot) -> str:
    """A lot's temperature class: its product's storage class."""
    return str(lot.sku.product.storage_class)


def quantity_text(lot: StockLot, quantity: int) -> str:
    """A lot's quantity for people: grams for goods sold by weight, units otherwise."""
    if lot.sku.selling_unit == SellingUnit.WEIGHT:
        return _("%(grams)d g") % {"grams": quantity}
    return ngettext("%(count)d unit", "%(count)d units", quantity) % {"count": quantity}


def movement_text(movement: LotMovement, lot: StockLot) -> str:
    """What a movement did, as a sentence for people."""
    quantity = quantity_text(lot, movement.quantity)
    source = movement.from_location.code if movement.from_location else ""
    destination = movement.to_location.code if movement.to_location else ""
    if movement.kind == LotMovementKind.PUT_AWAY:
        return _("Put %(quantity)s away at %(destination)s.") % {
            "quantity": quantity,
            "destination": destination,
        }
    if movement.kind == LotMovementKind.MOVED:
        return _("Moved %(quantity)s from %(source)s to %(destination)s.") % {
            "quantity": quantity,
            "source": source,
            "destination": destination,
        }
    if movement.kind == LotMovementKind.PICKED and movement.order is not None:
        return _("Picked %(quantity)s from %(source)s for order %(order)s.") % {
            "quantity": quantity,
            "source": source,
            "order": movement.order.number,
        }
    if movement.kind == LotMovementKind.PICKED:
        return _("Picked %(quantity)s from %(source)s for packing.") % {
            "quantity": quantity,
            "source": source,
        }
    return _("%(quantity)s taken from %(source)s by packing or a stock count.") % {
        "quantity": quantity,
        "source": source,
    }


@dataclass(frozen=True)
class MovedLot:
    """What a movement did, and whether this call did it (False: a repeated request)."""

    movement: LotMovement
    created: bool


def _lock_lot(lot: StockLot) -> StockLot:
    """The lot, locked and freshly read, with its SKU and product for the rules."""
    return (
        StockLot.objects.select_for_update(of=("self",))
        .select_related("sku__product")
        .get(pk=lot.pk)
    )


def _lock_destination(location: HubLocation, lot: StockLot) -> HubLocation:
    """The location goods go to, locked (closing a location waits for it), checked: open,
    same county, cold enough for the lot."""
    locked = (
        HubLocation.objects.select_for_update(of=("self",))
        .select_related("zone")
        .filter(pk=location.pk, county_id=lot.county_id)
        .first()
    )
    if locked is None:
        raise NotFound(_("No such location."), field="location")
    if not locked.active or not locked.zone.active:
        raise ValidationFailed(
            _("Location %(location)s is closed; choose another.") % {"location": locked.code},
            field="location",
            code="location_closed",
        )
    goods_class = lot_class(lot)
    place_class = locked.zone.temperature_class
    if not may_hold(place_class, goods_class):
        raise ValidationFailed(
            _(
                "Lot %(lot)s is %(goods_class)s goods and location %(location)s is in zone "
                "%(zone)s, which is %(place_class)s: too warm for them. Choose a colder location."
            )
            % {
                "lot": lot.code,
                "goods_class": CLASS_NAMES[goods_class],
                "location": locked.code,
                "zone": locked.zone.code,
                "place_class": CLASS_NAMES[place_class],
            },
            field="location",
            code="too_warm",
        )
    return locked


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 < quantity <= MAX_MOVE:
        raise ValidationFailed(
            _("The quantity must be a whole number above zero."), field="quantity"
        )


def placed_total(lot: StockLot) -> int:
    """How much of the lot lies at locations."""
    total = LotPlacement.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"]
    return int(total or 0)


def _add_to(lot: StockLot, location: HubLocation, quantity: int) -> None:
    """Add to the lot's placement at `location` (the lot is locked: no twin creates it)."""
    added = LotPlacement.objects.filter(lot=lot, location=location).update(
        quantity=F("quantity") + quantity
    )
    if not added:
        LotPlacement.objects.create(
            county_id=lot.county_id, lot=lot, location=location, quantity=quantity
        )


def _take_from(lot: StockLot, location: HubLocation, quantity: int) -> None:
    """Take from the lot's placement at `location`, refusing more than lies there."""
    taken = LotPlacement.objects.filter(lot=lot, location=location, quantity__gte=quantity).update(
        quantity=F("quantity") - quantity
    )
    if not taken:
        there = (
            LotPlacement.objects.filter(lot=lot, location=location)
            .values_list("quantity", flat=True)
            .first()
        ) or 0
        raise ValidationFailed(
            _("Location %(location)s holds %(there)s of lot %(lot)s, not %(asked)s.")
            % {
                "location": location.code,
                "there": quantity_text(lot, there),
                "lot": lot.code,
                "asked": quantity_text(lot, quantity),
            },
            field="quantity",
            code="not_there",
        )
    LotPlacement.objects.filter(lot=lot, location=location, quantity=0).delete()


def _source(location: HubLocation, lot: StockLot) -> HubLocation:
    if location.county_id != lot.county_id:
        raise NotFound(_("No such location."), field="from_location")
    return location


def _claim(actor: User, request: IdempotentRequest | None) -> idempotency.Claim | None:
    if request is None:
        return None
    return idempotency.claim(SCOPE, caller=idempotency.caller_of(actor), request=request)


def _movement_audit(movement: LotMovement, lot: StockLot) -> dict[str, object]:
    return {
        "lot": lot.code,
        "quantity": movement.quantity,
        "from_location": movement.from_location.code if movement.from_location else None,
        "to_location": movement.to_location.code if movement.to_location else None,
    }


@transaction.atomic
def put_away(
    lot: StockLot,
    *,
    location: HubLocation,
    quantity: int,
    actor: User,
    idempotent_request: IdempotentRequest | None = None,
) -> MovedLot:
    """Put goods of a lot that are not yet put away at a location cold enough for them."""
    require(actor, "logistics.run_hub", lot.county)
    claim = _claim(actor, idempotent_request)
    if claim is not None and claim.replayed:
        return MovedLot(claim.stored_object(LotMovement), created=False)
    _check_quantity(quantity)
    lot = _lock_lot(lot)
    destination = _lock_destination(location, lot)
    unplaced = lot.on_hand - placed_total(lot)
    if quantity > unplaced:
        raise ValidationFailed(
            _("Only %(unplaced)s of lot %(lot)s are not yet put away, not %(asked)s.")
            % {
                "unplaced": quantity_text(lot, max(unplaced, 0)),
                "lot": lot.code,
                "asked": quantity_text(lot, quantity),
            },
            field="quantity",
            code="not_unplaced",
        )
    _add_to(lot, destination, quantity)
    movement = LotMovement.objects.create(
        county_id=lot.county_id,
        lot=lot,
        kind=LotMovementKind.PUT_AWAY,
        to_location=destination,
        quantity=quantity,
        actor=actor,
    )
    audit.record(actor, "logistics.lot.put_away", lot, _movement_audit(movement, lot))
    if claim is not None:
        claim.complete(obj=movement)
    return MovedLot(movement, created=True)


@transaction.atomic
def move_lot(
    lot: StockLot,
    *,
    from_location: HubLocation,
    to_location: HubLocation,
    quantity: int,
    actor: User,
    idempotent_request: IdempotentRequest | None = None,
) -> MovedLot:
    """Move goods of a lot from one location to another cold enough for them."""
    require(actor, "logistics.run_hub", lot.county)
    claim = _claim(actor, idempotent_request)
    if claim is not None and claim.replayed:
        return MovedLot(claim.stored_object(LotMovement), created=False)
    _check_quantity(quantity)
    if from_location.pk == to_location.pk:
        raise ValidationFailed(
            _("Choose a location other than the one the goods are at."),
            field="to_location",
            code="same_location",
        )
    lot = _lock_lot(lot)
    source = _source(from_location, lot)
    destination = _lock_destination(to_location, lot)
    _take_from(lot, source, quantity)
    _add_to(lot, destination, quantity)
    movement = LotMovement.objects.create(
        county_id=lot.county_id,
        lot=lot,
        kind=LotMovementKind.MOVED,
        from_location=source,
        to_location=destination,
        quantity=quantity,
        actor=actor,
    )
    audit.record(actor, "logistics.lot.moved", lot, _movement_audit(movement, lot))
    if claim is not None:
        claim.complete(obj=movement)
    return MovedLot(movement, created=True)


def _order_for_pick(order: Order | None, lot: StockLot) -> Order | None:
    if order is None:
        return None
    if (
        order.county_id != lot.county_id
        or order.status != OrderStatus.PAID
        or not order.lines.filter(sku_id=lot.sku_id).exists()
    ):
        raise ValidationFailed(
            _("Order %(order)s is not waiting to be packed with goods of lot %(lot)s.")
            % {"order": order.number, "lot": lot.code},
            field="order",
            code="wrong_order",
        )
    return order


@transaction.atomic
def pick_from_location(
    lot: StockLot,
    *,
    location: HubLocation,
    quantity: int,
    actor: User,
    order: Order | None = None,
    idempotent_request: IdempotentRequest | None = None,
) -> MovedLot:
    """Take goods of a lot from a location to the packing bench (for `order`, when named).

    The goods stay in the lot until packing takes them out (ADR 0010): picked, they are
    "not yet put away" again, which is what packing takes first (ADR 0014).
    """
    require(actor, "logistics.run_hub", lot.county)
    claim = _claim(actor, idempotent_request)
    if claim is not None and claim.replayed:
        return MovedLot(claim.stored_object(LotMovement), created=False)
    _check_quantity(quantity)
    lot = _lock_lot(lot)
    source = _source(location, lot)
    for_order = _order_for_pick(order, lot)
    _take_from(lot, source, quantity)
    movement = LotMovement.objects.create(
        county_id=lot.county_id,
        lot=lot,
        kind=LotMovementKind.PICKED,
        from_location=source,
        quantity=quantity,
        order=for_order,
        actor=actor,
    )
    data = _movement_audit(movement, lot)
    if for_order is not None:
        data["order"] = for_order.number
    audit.record(actor, "logistics.lot.picked", lot, data)
    if claim is not None:
        claim.complete(obj=movement)
    return MovedLot(movement, created=True)


def follow_lots_taken(parts: Sequence[tuple[StockLot, int]]) -> None:
    """Packing or a stock count took goods out of these (locked) lots: what it took came
    from the goods not yet put away first (picked goods are on the packing bench), and
    only the rest from locations, in location-code order, each recorded as a movement.

    Registered in catalog's `lots_taken`; runs in the packer's transaction. One query
    when none of the lots lies at a location (the seller's own lots).
    """
    lots = {lot.pk: lot for lot, _quantity in parts}
    placed = dict(
        LotPlacement.objects.filter(lot_id__in=lots)
        .order_by()
        .values("lot_id")
        .annotate(total=Sum("quantity"))
        .values_list("lot_id", "total")
    )
    for lot_id, total in sorted(placed.items()):
        lot = lots[lot_id]
        excess = int(total) - lot.on_hand
        if excess <= 0:
            continue
        for placement in (
            LotPlacement.objects.filter(lot_id=lot_id, quantity__gt=0)
            .select_related("location")
            .order_by("location__code", "pk")
        ):
            if excess == 0:
                break
            take = min(placement.quantity, excess)
            _take_from(lot, placement.location, take)
            LotMovement.objects.create(
                county_id=lot.county_id,
                lot=lot,
                kind=LotMovementKind.TAKEN_BY_PACKING,
                from_location=placement.location,
                quantity=take,
            )
            excess -= take
