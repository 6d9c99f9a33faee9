"""Goods leaving the hub: an order's parcel once it is packed, orders handed to a national
carrier with its tracking number, and pickup orders consolidated into one tote per
village point and temperature class (ADR 0014).

Totes: all waiting order parcels for one point and one class go into one open tote
(a tote not yet loaded); a chilled order never rides in an ambient tote, and a frozen
tote would freeze chilled goods, so classes are not mixed. A tote full at the heaviest
parcel the hub handles (`MAX_PARCEL_G`) is closed for filling and another opened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from highland.catalog.models import SellingUnit
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, User
from highland.core.permissions import require
from highland.logistics.models import HubLocation, Parcel, ParcelKind, ParcelStatus
from highland.logistics.services.parcels import MAX_PARCEL_G, coldest, create_parcel
from highland.logistics.services.tracking import record_tracking_event
from highland.network.models import ServicePoint
from highland.orders.fulfilment import carrier_label, ship_order
from highland.orders.models import Carrier, Delivery, Order, OrderStatus
from highland.orders.paying import lock_order

# An order's parcel still at the hub, waiting to go into a tote.
WAITING_AT_HUB = (
    ParcelStatus.CREATED,
    ParcelStatus.RECEIVED_AT_HUB,
    ParcelStatus.SORTED,
    ParcelStatus.PUT_AWAY,
    ParcelStatus.PICKED,
    ParcelStatus.PACKED,
)
# A tote that has not left the hub yet takes more parcels.
OPEN_TOTE = WAITING_AT_HUB
# An order's parcel that is over: a new one may be made (the goods came back, say).
PARCEL_OVER = (ParcelStatus.RETURNED,)


# --- an order's parcel ---------------------------------------------------------------------------


def order_weight_g(order: Order) -> int:
    """What an order's goods weigh: packed grams of lines sold by weight, units × the
    unit's weight otherwise."""
    total = 0
    for line in order.lines.select_related("sku").order_by("pk"):
        if line.selling_unit == SellingUnit.WEIGHT:
            total += int(line.packed_grams if line.packed_grams is not None else line.quantity)
        else:
            total += int(line.quantity) * int(line.sku.unit_weight_g or 0)
    return total


def order_temperature_class(order: Order) -> str:
    """The coldest storage class among the order's products."""
    classes = order.lines.values_list("sku__product__storage_class", flat=True).distinct()
    return coldest([str(value) for value in classes])


def parcel_of(order: Order) -> Parcel | None:
    """The order's current parcel (not one that came back), if it has one."""
    return (
        Parcel.objects.filter(order=order, kind=ParcelKind.ORDER)
        .exclude(status__in=PARCEL_OVER)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def create_order_parcel(order: Order, *, actor: User) -> Parcel:
    """The parcel of a packed order, or the one it already has: weight from the packed
    grams and unit weights, the coldest of its products' classes, bound for its pickup
    point (none for an address: a national carrier takes it)."""
    require(actor, "logistics.create_parcel", order.county)
    # Two operators making the same order's parcel at once: the second waits and finds it.
    # The order's payment first, then the order: the lock order of every order path.
    order = lock_order(order.pk)
    existing = parcel_of(order)
    if existing is not None:
        return existing
    if order.status != OrderStatus.PACKED:
        raise ValidationFailed(
            _("Order %(order)s is not packed, so it has no parcel yet.") % {"order": order.number},
            code="order_not_packed",
        )
    return create_parcel(
        order.county,
        kind=ParcelKind.ORDER,
        order_id=order.pk,
        destination_point=order.pickup_point,
        weight_g=order_weight_g(order),
        temperature_class=order_temperature_class(order),
        actor=actor,
    )


# --- national carriers ---------------------------------------------------------------------------


@transaction.atomic
def ship_by_carrier(
    order: Order,
    *,
    carrier: str,
    tracking_number: str,
    carrier_name: str = "",
    actor: User,
) -> Parcel:
    """The hub hands a packed order for an address to a national carrier: the order is
    shipped through the order service (which checks the carrier and number), and the
    order's parcel keeps the carrier and its tracking number for the label."""
    require(actor, "logistics.run_hub", order.county)
    if order.delivery != Delivery.ADDRESS:
        raise ValidationFailed(
            _(
                "Order %(order)s is picked up at a village point: it goes down in the "
                "point's tote, not with a national carrier."
            )
            % {"order": order.number},
            field="carrier",
            code="pickup_order",
        )
    if carrier == Carrier.COUNTY:
        raise ValidationFailed(_("Choose a national carrier."), field="carrier")
    parcel = create_order_parcel(order, actor=actor)
    shipped = ship_order(
        order,
        carrier=carrier,
        tracking_number=tracking_number,
        carrier_name=carrier_name,
        actor=actor,
    )
    # The carrier's name as printed on its own labels in China.
    with translation.override("zh-hans"):
        parcel.carrier_name = str(carrier_label(shipped))[:30]
    parcel.carrier_tracking_number = shipped.tracking_number
    parcel.save(update_fields=["carrier_name", "carrier_tracking_number"])
    audit.record(
        actor,
        "logistics.parcel.handed_to_carrier",
        parcel,
        {
            "order": shipped.number,
            "carrier": shipped.carrier,
            "carrier_name": parcel.carrier_name,
            "tracking_number": shipped.tracking_number,
        },
    )
    return parcel


# --- totes for village points --------------------------------------------------------------------


@dataclass
class ToteRun:
    """What one "make totes" did: order parcels made, totes opened, parcels put in."""

    parcels_made: list[Parcel] = field(default_factory=list)
    totes_opened: list[Parcel] = field(default_factory=list)
    filled: dict[int, list[str]] = field(default_factory=dict)  # tote id → order SSCCs

    @property
    def parcel_count(self) -> int:
        return sum(len(ssccs) for ssccs in self.filled.values())


def packed_pickup_orders_without_parcel(county: County) -> list[Order]:
    """Packed orders for a pickup point that have no parcel yet, oldest first."""
    with_parcel = Parcel.objects.filter(kind=ParcelKind.ORDER, order__isnull=False).exclude(
        status__in=PARCEL_OVER
    )
    return list(
        Order.objects.filter(county=county, status=OrderStatus.PACKED, delivery=Delivery.PICKUP)
        .exclude(pk__in=with_parcel.values("order_id"))
        .order_by("packed_at", "pk")
    )


def waiting_order_parcels(county: County, point: ServicePoint | None = None) -> list[Parcel]:
    """Order parcels at the hub for a point, not yet in a tote, whose order is packed."""
    parcels = Parcel.objects.filter(
        county=county,
        kind=ParcelKind.ORDER,
        tote__isnull=True,
        destination_point__isnull=False,
        status__in=WAITING_AT_HUB,
        order__status=OrderStatus.PACKED,
    )
    if point is not None:
        parcels = parcels.filter(destination_point=point)
    return list(parcels.order_by("destination_point_id", "pk"))


def _open_totes(county: County, point_ids: list[int]) -> dict[tuple[int, str], list[Parcel]]:
    totes: dict[tuple[int, str], list[Parcel]] = defaultdict(list)
    for tote in Parcel.objects.filter(
        county=county,
        kind=ParcelKind.TOTE,
        destination_point_id__in=point_ids,
        status__in=OPEN_TOTE,
    ).order_by("pk"):
        assert tote.destination_point_id is not None
        totes[(tote.destination_point_id, tote.temperature_class)].append(tote)
    return totes


def _resize(tote: Parcel) -> None:
    sizes = Parcel.objects.filter(tote=tote).aggregate(
        weight=Sum("weight_g"), volume=Sum("volume_ml")
    )
    tote.weight_g = int(sizes["weight"] or 0)
    tote.volume_ml = int(sizes["volume"] or 0)
    tote.save(update_fields=["weight_g", "volume_ml"])


def _sort_key(tote: Parcel, parcel: Parcel, key: str) -> str:
    digest = hashlib.sha256(f"{key}|{tote.sscc}|{parcel.sscc}".encode()).hexdigest()
    return f"hub-sort:{digest[:40]}"


def make_totes(
    county: County,
    *,
    actor: User,
    point: ServicePoint | None = None,
    sorted_at: HubLocation | None = None,
    occurred_at: dt.datetime | None = None,
) -> ToteRun:
    """Consolidate: give every packed pickup order a parcel, then put each waiting order
    parcel in the open tote for its point and class (opening one where there is none).

    Running it again puts in only what arrived since. With `sorted_at` (the bay where
    totes are filled), each parcel put in a tote gets a "sorted" tracking event there.

    The order parcels are made first, each in its own transaction (each holds its order's
    payment and order locks only while it is made); the totes are filled in one
    transaction that holds no order lock. A tracking event locks its parcel, then the
    payment and order: were both in one transaction, a tote maker holding a payment
    shared by two orders and waiting for the other order's parcel could close a cycle.
    """
    require(actor, "logistics.run_hub", county)
    if point is not None and point.county_id != county.pk:
        raise ValidationFailed(_("That point is in another county."), code="wrong_county")
    if sorted_at is not None and sorted_at.county_id != county.pk:
        raise ValidationFailed(_("No such location."), field="sorted_at", code="wrong_county")
    run = ToteRun()
    for order in packed_pickup_orders_without_parcel(county):
        if point is None or order.pickup_point_id == point.pk:
            run.parcels_made.append(create_order_parcel(order, actor=actor))
    _fill_totes(county, run, actor=actor, point=point, sorted_at=sorted_at, when=occurred_at)
    return run


@transaction.atomic
def _fill_totes(
    county: County,
    run: ToteRun,
    *,
    actor: User,
    point: ServicePoint | None,
    sorted_at: HubLocation | None,
    when: dt.datetime | None,
) -> None:
    waiting = waiting_order_parcels(county, point)
    point_ids = sorted({int(parcel.destination_point_id or 0) for parcel in waiting})
    if not point_ids:
        return
    # One tote maker per point at a time (points in ascending id, then the parcels).
    points = {
        each.pk: each
        for each in ServicePoint.objects.select_for_update().filter(pk__in=point_ids).order_by("pk")
    }
    waiting = list(
        Parcel.objects.select_for_update()
        .filter(pk__in=[parcel.pk for parcel in waiting], tote__isnull=True)
        .order_by("pk")
    )
    totes = _open_totes(county, point_ids)
    occurred_at = when or timezone.now()
    for parcel in waiting:
        assert parcel.destination_point_id is not None
        group = (parcel.destination_point_id, parcel.temperature_class)
        tote = next(
            (each for each in totes[group] if each.weight_g + parcel.weight_g <= MAX_PARCEL_G),
            None,
        )
        if tote is None:
            tote = create_parcel(
                county,
                kind=ParcelKind.TOTE,
                destination_point=points[parcel.destination_point_id],
                weight_g=parcel.weight_g,
                volume_ml=parcel.volume_ml,
                temperature_class=parcel.temperature_class,
                actor=actor,
            )
            tote.weight_g = 0
            tote.volume_ml = 0
            totes[group].append(tote)
            run.totes_opened.append(tote)
        Parcel.objects.filter(pk=parcel.pk).update(tote=tote)
        tote.weight_g += parcel.weight_g
        tote.volume_ml += parcel.volume_ml
        run.filled.setdefault(tote.pk, []).append(parcel.sscc)
        if sorted_at is not None:
            record_tracking_event(
                parcel,
                kind=ParcelStatus.SORTED,
                occurred_at=occurred_at,
                idempotency_key=_sort_key(tote, parcel, "make-totes"),
                actor=actor,
                location=sorted_at,
                note=_("Put in tote %(sscc)s.") % {"sscc": tote.sscc},
            )
    for group_totes in totes.values():
        for tote in group_totes:
            if tote.pk in run.filled:
                _resize(tote)
                audit.record(
                    actor,
                    "logistics.tote.filled",
                    tote,
                    {
                        "point": points[int(tote.destination_point_id or 0)].code,
                        "parcels": run.filled[tote.pk],
                        "weight_g": tote.weight_g,
                    },
                )


def tote_filter(county: County) -> Q:
    """Open totes of the county (for pages listing what waits to leave)."""
    return Q(county=county, kind=ParcelKind.TOTE, status__in=OPEN_TOTE)
