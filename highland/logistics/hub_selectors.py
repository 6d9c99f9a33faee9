"""Reads of the county hub: zones with what lies in them, "where is lot X", what waits to
leave for the village points. Each is a fixed number of queries, whatever the hub holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F

from highland.catalog.models import StockLot
from highland.core.models import County
from highland.logistics.models import (
    HubLocation,
    HubZone,
    LotMovement,
    LotPlacement,
    Parcel,
    ParcelKind,
    ParcelStatus,
    TrackingEvent,
)
from highland.logistics.services.hub.outbound import OPEN_TOTE, WAITING_AT_HUB
from highland.logistics.services.hub.stock import movement_text, quantity_text
from highland.logistics.temperature import WARMTH, TemperatureClass
from highland.network.models import ServicePoint
from highland.orders.models import Delivery, Order, OrderStatus

# How many lots a search lists, and how many movements a lot's page shows.
MAX_LOTS_FOUND = 20
MOVEMENTS_SHOWN = 20


def location_codes(county: County) -> list[str]:
    """Open locations' codes, for the forms' suggestion list (one query)."""
    return list(
        HubLocation.objects.filter(county=county, active=True, zone__active=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


@dataclass
class LocationCard:
    location: HubLocation
    placements: list[LotPlacement] = field(default_factory=list)
    parcels: list[Parcel] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.placements and not self.parcels


@dataclass
class ZoneCard:
    zone: HubZone
    locations: list[LocationCard] = field(default_factory=list)

    @property
    def lot_count(self) -> int:
        return sum(len(card.placements) for card in self.locations)

    @property
    def parcel_count(self) -> int:
        return sum(len(card.parcels) for card in self.locations)


def parcels_at_locations(county: County) -> dict[int, list[Parcel]]:
    """Parcels whose latest event put them away at a location, by location id (one query:
    the event that set a put-away parcel's status names where)."""
    events = TrackingEvent.objects.filter(
        county=county,
        kind=ParcelStatus.PUT_AWAY,
        parcel__status=ParcelStatus.PUT_AWAY,
        occurred_at=F("parcel__status_at"),
        location__isnull=False,
    ).select_related("parcel")
    by_location: dict[int, list[Parcel]] = defaultdict(list)
    seen: set[int] = set()
    for event in events.order_by("parcel_id", "-pk"):
        if event.parcel_id in seen or event.location_id is None:
            continue
        seen.add(event.parcel_id)
        by_location[event.location_id].append(event.parcel)
    return by_location


def hub_overview(county: County) -> list[ZoneCard]:
    """Every zone of the county (open ones first) with its locations and what lies in each:
    four queries."""
    zones = list(HubZone.objects.filter(county=county).order_by("-active", "code"))
    cards = {zone.pk: ZoneCard(zone) for zone in zones}
    location_cards: dict[int, LocationCard] = {}
    for location in HubLocation.objects.filter(county=county).order_by("-active", "code"):
        card = LocationCard(location)
        location_cards[location.pk] = card
        cards[location.zone_id].locations.append(card)
    for placement in (
        LotPlacement.objects.filter(county=county, quantity__gt=0)
        .select_related("lot__sku__product")
        .order_by("location_id", "lot__code")
    ):
        placement.quantity_text = quantity_text(placement.lot, placement.quantity)  # type: ignore[attr-defined]
        location_cards[placement.location_id].placements.append(placement)
    for location_id, parcels in parcels_at_locations(county).items():
        if location_id in location_cards:
            location_cards[location_id].parcels = parcels
    return list(cards.values())


@dataclass
class Whereabouts:
    """Where a lot's goods are: at each location, and how much is not yet put away."""

    lot: StockLot
    placements: list[LotPlacement]
    movements: list[LotMovement]

    @property
    def placed(self) -> int:
        return sum(placement.quantity for placement in self.placements)

    @property
    def unplaced(self) -> int:
        return self.lot.on_hand - self.placed

    @property
    def on_hand_text(self) -> str:
        return quantity_text(self.lot, self.lot.on_hand)

    @property
    def unplaced_text(self) -> str:
        return quantity_text(self.lot, self.unplaced)


def find_lots(county: County, query: str) -> list[StockLot]:
    """Lots whose code is `query` (any case), or failing that contains it, newest first."""
    code = query.strip().upper()[:40]
    if not code:
        return []
    lots = StockLot.objects.filter(county=county).select_related("sku__product")
    exact = list(lots.filter(code=code))
    if exact:
        return exact
    return list(lots.filter(code__icontains=code).order_by("-received_on", "-pk")[:MAX_LOTS_FOUND])


def where_is(lot: StockLot) -> Whereabouts:
    """The lot's placements (with their locations and zones) and its latest movements."""
    placements = list(
        LotPlacement.objects.filter(lot=lot, quantity__gt=0)
        .select_related("location__zone")
        .order_by("location__code")
    )
    for placement in placements:
        placement.quantity_text = quantity_text(lot, placement.quantity)  # type: ignore[attr-defined]
    movements = list(
        LotMovement.objects.filter(lot=lot)
        .select_related("from_location", "to_location", "actor", "order")
        .order_by("-created_at", "-pk")[:MOVEMENTS_SHOWN]
    )
    for movement in movements:
        movement.text = movement_text(movement, lot)  # type: ignore[attr-defined]
    return Whereabouts(lot=lot, placements=placements, movements=movements)


@dataclass
class PointWaiting:
    """A village point with orders waiting at the hub, and its open totes."""

    point: ServicePoint
    parcels_by_class: dict[str, int]
    orders_without_parcel: int
    totes: list[Parcel]

    @property
    def waiting(self) -> int:
        return sum(self.parcels_by_class.values()) + self.orders_without_parcel

    @property
    def classes(self) -> list[tuple[str, str, int]]:
        """(class, its name, parcels waiting), coldest first."""
        return [
            (value, str(TemperatureClass(value).label), self.parcels_by_class[value])
            for value in sorted(self.parcels_by_class, key=WARMTH.__getitem__)
        ]


def points_waiting(county: County) -> list[PointWaiting]:
    """Points with order parcels to consolidate, packed orders still without a parcel, or
    open totes: four queries."""
    by_point: dict[int, dict[str, int]] = defaultdict(dict)
    for point_id, temperature_class, count in (
        Parcel.objects.filter(
            county=county,
            kind=ParcelKind.ORDER,
            tote__isnull=True,
            destination_point__isnull=False,
            status__in=WAITING_AT_HUB,
            order__status=OrderStatus.PACKED,
        )
        .order_by()
        .values_list("destination_point_id", "temperature_class")
        .annotate(count=Count("pk"))
    ):
        by_point[point_id][temperature_class] = count
    with_parcel = Parcel.objects.filter(kind=ParcelKind.ORDER, order__isnull=False).exclude(
        status=ParcelStatus.RETURNED
    )
    unparcelled = dict(
        Order.objects.filter(county=county, status=OrderStatus.PACKED, delivery=Delivery.PICKUP)
        .exclude(pk__in=with_parcel.values("order_id"))
        .order_by()
        .values_list("pickup_point_id")
        .annotate(count=Count("pk"))
    )
    totes: dict[int, list[Parcel]] = defaultdict(list)
    for tote in (
        Parcel.objects.filter(county=county, kind=ParcelKind.TOTE, status__in=OPEN_TOTE)
        .annotate(content_count=Count("contents"))
        .order_by("pk")
    ):
        if tote.destination_point_id is not None:
            totes[tote.destination_point_id].append(tote)
    point_ids = set(by_point) | set(unparcelled) | set(totes)
    points = ServicePoint.objects.filter(county=county, pk__in=point_ids).order_by("code")
    return [
        PointWaiting(
            point=point,
            parcels_by_class=by_point.get(point.pk, {}),
            orders_without_parcel=int(unparcelled.get(point.pk, 0)),
            totes=totes.get(point.pk, []),
        )
        for point in points
    ]


def orders_for_carriers(county: County) -> list[Order]:
    """Packed orders for an address: the hub hands them to a national carrier."""
    return list(
        Order.objects.filter(county=county, status=OrderStatus.PACKED, delivery=Delivery.ADDRESS)
        .order_by("packed_at", "pk")
        .only("pk", "number", "recipient_name", "province", "city", "packed_at", "county_id")[
            : MAX_LOTS_FOUND * 5
        ]
    )
