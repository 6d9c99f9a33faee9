"""The county hub's API at /api/v1/logistics/hub/: zones and locations, where a lot is,
put-away, moves and picks (scanners retry: each takes an Idempotency-Key), parcels and
sellers' goods received, order parcels, national carriers and totes.

The same services serve the pages; refusals are the services' errors (422 naming the
field, 404 for what the caller may not see, 409 for a reused key or a zone not empty).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from highland.core.errors import PermissionDenied
from highland.core.gs1 import validate_sscc
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    IdempotencyKey,
    Moment,
    ObjectId,
    PeriodDate,
    Quantity,
)
from highland.logistics import hub_selectors
from highland.logistics.access import access_parcel_by_sscc
from highland.logistics.hub_access import (
    access_location,
    access_lot,
    access_order,
    access_zone,
    hub_county,
    location_by_code,
    order_by_number,
    point_by_code,
    sku_by_code,
)
from highland.logistics.models import LotMovement, Parcel
from highland.logistics.services.hub import (
    MovedLot,
    add_location,
    add_zone,
    create_order_parcel,
    deactivate_location,
    deactivate_zone,
    make_totes,
    move_lot,
    pick_from_location,
    put_away,
    reactivate_location,
    reactivate_zone,
    receive_goods_at_hub,
    receive_parcel_at_hub,
    ship_by_carrier,
)
from highland.logistics.services.hub.stock import lot_class
from highland.logistics.services.tracking import RecordedEvent
from highland.logistics.temperature import TemperatureClass

router = Router(tags=["county hub"])

Code = Field(..., min_length=1, max_length=20, description="A location's code, e.g. C-01")


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied(_("Log in or send a device token."), code="not_authenticated")
    return request.user


# --- shapes ------------------------------------------------------------------------------------


class HubLotAtLocationOut(Schema):
    lot_id: int
    lot_code: str
    product: str
    quantity: int


class HubLocationOut(Schema):
    id: int
    code: str
    active: bool
    lots: list[HubLotAtLocationOut]
    parcels: list[str] = Field(..., description="SSCCs of parcels put away here")


class HubZoneOut(Schema):
    id: int
    code: str
    name: str
    temperature_class: TemperatureClass
    active: bool
    locations: list[HubLocationOut]


class HubZoneIn(Schema):
    code: str = Field(..., max_length=20)
    temperature_class: TemperatureClass
    name_zh: str = Field(..., max_length=120)
    name_bo: str = Field("", max_length=200)
    name_en: str = Field("", max_length=120)


class HubLocationIn(Schema):
    code: str = Field(..., max_length=20)


class HubPlacementOut(Schema):
    location_code: str
    zone_code: str
    temperature_class: TemperatureClass
    quantity: int


class HubMovementOut(Schema):
    id: int
    lot_code: str
    kind: str
    from_location: str | None
    to_location: str | None
    quantity: int
    order_number: str | None
    created_at: dt.datetime
    created: bool = Field(True, description="False when this answers a repeated request")


class HubLotOut(Schema):
    id: int
    code: str
    product: str
    sku_code: str
    temperature_class: TemperatureClass
    unit: str = Field(..., description="'g' for goods sold by weight, 'unit' otherwise")
    on_hand: int
    not_yet_put_away: int
    placements: list[HubPlacementOut]
    movements: list[HubMovementOut]


class HubLotSearch(Schema):
    code: str = Field(..., min_length=1, max_length=40, description="A lot's code, or part")


class HubPutAwayIn(Schema):
    location_code: str = Code
    quantity: Quantity


class HubMoveIn(Schema):
    from_location_code: str = Code
    to_location_code: str = Code
    quantity: Quantity


class HubPickIn(Schema):
    location_code: str = Code
    quantity: Quantity
    order_number: str | None = Field(None, max_length=24, description="The order packed")


class HubReceiveParcelIn(Schema):
    location_code: str | None = Field(None, max_length=20, description="Put away here")
    occurred_at: Moment | None = Field(None, description="When received; now if omitted")


class HubEventOut(Schema):
    id: int
    kind: str
    occurred_at: dt.datetime
    location_code: str | None
    created: bool


class HubReceivedOut(Schema):
    sscc: str
    status: str
    received: HubEventOut
    put_away: HubEventOut | None


class HubGoodsIn(Schema):
    sku_code: str = Field(..., max_length=40)
    quantity: Quantity
    location_code: str = Code
    best_before: PeriodDate | None = None


class HubParcelOut(Schema):
    id: int
    sscc: str
    kind: str
    status: str
    order_number: str | None
    destination_point_code: str | None
    weight_g: int
    temperature_class: TemperatureClass
    carrier_name: str
    carrier_tracking_number: str
    tote_sscc: str | None


class HubShipIn(Schema):
    carrier: str = Field(..., max_length=10, description="sf, ems, jd, zto, yto, sto, …")
    tracking_number: str = Field(..., max_length=30)
    carrier_name: str = Field("", max_length=30, description="For carrier 'other'")


class HubPointWaitingOut(Schema):
    point_code: str
    point_name: str
    waiting_by_class: dict[str, int]
    orders_without_parcel: int
    open_totes: list[str]


class HubTotesIn(Schema):
    point_code: str | None = Field(None, max_length=20, description="Only this point")
    sorted_at_code: str | None = Field(
        None, max_length=20, description="Where totes are filled: records 'sorted' events"
    )


class HubToteOut(Schema):
    sscc: str
    point_code: str
    temperature_class: TemperatureClass
    weight_g: int
    added: list[str]


class HubToteRunOut(Schema):
    parcels_made: list[str]
    totes_opened: list[str]
    totes: list[HubToteOut]


# --- zones and locations -------------------------------------------------------------------------


def _zones_out(county: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": card.zone.pk,
            "code": card.zone.code,
            "name": card.zone.name,
            "temperature_class": card.zone.temperature_class,
            "active": card.zone.active,
            "locations": [
                {
                    "id": spot.location.pk,
                    "code": spot.location.code,
                    "active": spot.location.active,
                    "lots": [
                        {
                            "lot_id": placement.lot_id,
                            "lot_code": placement.lot.code,
                            "product": placement.lot.sku.product.name,
                            "quantity": placement.quantity,
                        }
                        for placement in spot.placements
                    ],
                    "parcels": [parcel.sscc for parcel in spot.parcels],
                }
                for spot in card.locations
            ],
        }
        for card in hub_selectors.hub_overview(county)
    ]


@router.get("/hub/zones", response={200: list[HubZoneOut], **ERROR_RESPONSES}, summary="Hub zones")
def list_zones(request: HttpRequest) -> list[dict[str, Any]]:
    """Every zone with its locations and what lies in each (lots and parcels)."""
    return _zones_out(hub_county(_user(request)))


def _zone_out(zone_id: int, county: Any) -> dict[str, Any]:
    return next(zone for zone in _zones_out(county) if zone["id"] == zone_id)


@router.post("/hub/zones", response={201: HubZoneOut, **ERROR_RESPONSES}, summary="Add a zone")
def add_zone_api(request: HttpRequest, payload: HubZoneIn) -> Status[dict[str, Any]]:
    user = _user(request)
    county = hub_county(user)
    zone = add_zone(
        county,
        code=payload.code,
        temperature_class=payload.temperature_class,
        name_zh=payload.name_zh,
        name_bo=payload.name_bo,
        name_en=payload.name_en,
        actor=user,
    )
    return Status(201, _zone_out(zone.pk, county))


@router.post(
    "/hub/zones/{zone_id}/locations",
    response={201: HubZoneOut, **ERROR_RESPONSES},
    summary="Add a location to a zone",
)
def add_location_api(
    request: HttpRequest, zone_id: ObjectId, payload: HubLocationIn
) -> Status[dict[str, Any]]:
    """Returns the zone with its new location."""
    user = _user(request)
    zone = access_zone(user, zone_id)
    add_location(zone, code=payload.code, actor=user)
    return Status(201, _zone_out(zone.pk, zone.county))


@router.post(
    "/hub/zones/{zone_id}/deactivate",
    response={200: HubZoneOut, **ERROR_RESPONSES},
    summary="Close a zone",
)
def deactivate_zone_api(request: HttpRequest, zone_id: ObjectId) -> dict[str, Any]:
    """Closes the zone and its locations; 409 while any holds goods."""
    user = _user(request)
    zone = deactivate_zone(access_zone(user, zone_id), actor=user)
    return _zone_out(zone.pk, zone.county)


@router.post(
    "/hub/zones/{zone_id}/reactivate",
    response={200: HubZoneOut, **ERROR_RESPONSES},
    summary="Open a zone again",
)
def reactivate_zone_api(request: HttpRequest, zone_id: ObjectId) -> dict[str, Any]:
    user = _user(request)
    zone = reactivate_zone(access_zone(user, zone_id), actor=user)
    return _zone_out(zone.pk, zone.county)


@router.post(
    "/hub/locations/{location_id}/deactivate",
    response={200: HubZoneOut, **ERROR_RESPONSES},
    summary="Close a location",
)
def deactivate_location_api(request: HttpRequest, location_id: ObjectId) -> dict[str, Any]:
    """409 while the location holds goods. Returns its zone."""
    user = _user(request)
    location = deactivate_location(access_location(user, location_id), actor=user)
    return _zone_out(location.zone_id, location.county)


@router.post(
    "/hub/locations/{location_id}/reactivate",
    response={200: HubZoneOut, **ERROR_RESPONSES},
    summary="Open a location again",
)
def reactivate_location_api(request: HttpRequest, location_id: ObjectId) -> dict[str, Any]:
    user = _user(request)
    location = reactivate_location(access_location(user, location_id), actor=user)
    return _zone_out(location.zone_id, location.county)


# --- lots by location ----------------------------------------------------------------------------


def movement_out(movement: LotMovement, *, created: bool = True) -> dict[str, Any]:
    return {
        "id": movement.pk,
        "lot_code": movement.lot.code,
        "kind": movement.kind,
        "from_location": movement.from_location.code if movement.from_location else None,
        "to_location": movement.to_location.code if movement.to_location else None,
        "quantity": movement.quantity,
        "order_number": movement.order.number if movement.order else None,
        "created_at": movement.created_at,
        "created": created,
    }


def lot_out(lot_id: int, user: User) -> dict[str, Any]:
    lot = access_lot(user, lot_id)
    where = hub_selectors.where_is(lot)
    return {
        "id": lot.pk,
        "code": lot.code,
        "product": lot.sku.product.name,
        "sku_code": lot.sku.code,
        "temperature_class": lot_class(lot),
        "unit": "g" if lot.sku.selling_unit == "weight" else "unit",
        "on_hand": lot.on_hand,
        "not_yet_put_away": where.unplaced,
        "placements": [
            {
                "location_code": placement.location.code,
                "zone_code": placement.location.zone.code,
                "temperature_class": placement.location.zone.temperature_class,
                "quantity": placement.quantity,
            }
            for placement in where.placements
        ],
        "movements": [movement_out(movement) for movement in where.movements],
    }


@router.get("/hub/lots", response={200: list[HubLotOut], **ERROR_RESPONSES}, summary="Find lots")
def find_lots(request: HttpRequest, search: Query[HubLotSearch]) -> list[dict[str, Any]]:
    """Where is lot X: the lot with this code (any case), or lots whose code contains it
    (at most 20), each with its locations and what is not yet put away."""
    user = _user(request)
    lots = hub_selectors.find_lots(hub_county(user), search.code)
    return [lot_out(lot.pk, user) for lot in lots]


@router.get(
    "/hub/lots/{lot_id}", response={200: HubLotOut, **ERROR_RESPONSES}, summary="Where is a lot"
)
def get_lot(request: HttpRequest, lot_id: ObjectId) -> dict[str, Any]:
    return lot_out(lot_id, _user(request))


def _moved(moved: MovedLot) -> Status[dict[str, Any]]:
    return Status(
        201 if moved.created else 200, movement_out(moved.movement, created=moved.created)
    )


@router.post(
    "/hub/lots/{lot_id}/put-away",
    response={201: HubMovementOut, 200: HubMovementOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Put a lot away",
)
def put_away_api(
    request: HttpRequest, lot_id: ObjectId, payload: HubPutAwayIn, idempotency_key: IdempotencyKey
) -> Status[dict[str, Any]]:
    """Goods of the lot not yet put away go to a location; refused (422 `too_warm`) when
    the location's zone is warmer than the lot's class."""
    once = IdempotentRequest.of(idempotency_key, {"lot": lot_id, "body": payload})
    user = _user(request)
    lot = access_lot(user, lot_id)
    return _moved(
        put_away(
            lot,
            location=location_by_code(lot.county, payload.location_code, field="location_code"),
            quantity=payload.quantity,
            actor=user,
            idempotent_request=once,
        )
    )


@router.post(
    "/hub/lots/{lot_id}/move",
    response={201: HubMovementOut, 200: HubMovementOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Move a lot between locations",
)
def move_api(
    request: HttpRequest, lot_id: ObjectId, payload: HubMoveIn, idempotency_key: IdempotencyKey
) -> Status[dict[str, Any]]:
    once = IdempotentRequest.of(idempotency_key, {"lot": lot_id, "body": payload})
    user = _user(request)
    lot = access_lot(user, lot_id)
    return _moved(
        move_lot(
            lot,
            from_location=location_by_code(
                lot.county, payload.from_location_code, field="from_location_code"
            ),
            to_location=location_by_code(
                lot.county, payload.to_location_code, field="to_location_code"
            ),
            quantity=payload.quantity,
            actor=user,
            idempotent_request=once,
        )
    )


@router.post(
    "/hub/lots/{lot_id}/pick",
    response={201: HubMovementOut, 200: HubMovementOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Pick a lot for packing",
)
def pick_api(
    request: HttpRequest, lot_id: ObjectId, payload: HubPickIn, idempotency_key: IdempotencyKey
) -> Status[dict[str, Any]]:
    once = IdempotentRequest.of(idempotency_key, {"lot": lot_id, "body": payload})
    user = _user(request)
    lot = access_lot(user, lot_id)
    order = (
        order_by_number(lot.county, payload.order_number, field="order_number")
        if payload.order_number
        else None
    )
    return _moved(
        pick_from_location(
            lot,
            location=location_by_code(lot.county, payload.location_code, field="location_code"),
            quantity=payload.quantity,
            order=order,
            actor=user,
            idempotent_request=once,
        )
    )


# --- inbound -------------------------------------------------------------------------------------


def _event_out(recorded: RecordedEvent) -> dict[str, Any]:
    event = recorded.event
    return {
        "id": event.pk,
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "location_code": event.location.code if event.location else None,
        "created": recorded.created,
    }


@router.post(
    "/hub/parcels/{sscc}/receive",
    response={201: HubReceivedOut, 200: HubReceivedOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Receive a parcel at the hub",
)
def receive_parcel_api(
    request: HttpRequest, sscc: str, payload: HubReceiveParcelIn, idempotency_key: IdempotencyKey
) -> Status[dict[str, Any]]:
    """Records "received at hub", and "put away" at the location if one is given (422
    `too_warm` for a location warmer than the parcel's class). The key is the tracking
    event's: a retry records nothing twice."""
    user = _user(request)
    county = hub_county(user)
    parcel = access_parcel_by_sscc(user, validate_sscc(sscc[:40]))
    location = (
        location_by_code(county, payload.location_code, field="location_code")
        if payload.location_code
        else None
    )
    received = receive_parcel_at_hub(
        parcel,
        idempotency_key=idempotency_key,
        location=location,
        occurred_at=payload.occurred_at,
        actor=user,
    )
    parcel.refresh_from_db(fields=["status"])
    return Status(
        201 if received.received.created else 200,
        {
            "sscc": parcel.sscc,
            "status": parcel.status,
            "received": _event_out(received.received),
            "put_away": _event_out(received.put_away) if received.put_away else None,
        },
    )


@router.post(
    "/hub/goods",
    response={201: HubMovementOut, 200: HubMovementOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Receive a seller's goods and put them away",
)
def receive_goods_api(
    request: HttpRequest, payload: HubGoodsIn, idempotency_key: IdempotencyKey
) -> Status[dict[str, Any]]:
    """A new stock lot of the SKU (on sale at once), put away whole at the location."""
    once = IdempotentRequest.of(idempotency_key, {"body": payload})
    user = _user(request)
    county = hub_county(user)
    return _moved(
        receive_goods_at_hub(
            sku_by_code(county, payload.sku_code),
            quantity=payload.quantity,
            location=location_by_code(county, payload.location_code, field="location_code"),
            best_before=payload.best_before,
            actor=user,
            idempotent_request=once,
        )
    )


# --- outbound ------------------------------------------------------------------------------------


def parcel_out(parcel: Parcel) -> dict[str, Any]:
    return {
        "id": parcel.pk,
        "sscc": parcel.sscc,
        "kind": parcel.kind,
        "status": parcel.status,
        "order_number": parcel.order.number if parcel.order else None,
        "destination_point_code": (
            parcel.destination_point.code if parcel.destination_point else None
        ),
        "weight_g": parcel.weight_g,
        "temperature_class": parcel.temperature_class,
        "carrier_name": parcel.carrier_name,
        "carrier_tracking_number": parcel.carrier_tracking_number,
        "tote_sscc": parcel.tote.sscc if parcel.tote else None,
    }


@router.post(
    "/hub/orders/{order_id}/parcel",
    response={200: HubParcelOut, **ERROR_RESPONSES},
    summary="Make a packed order's parcel",
)
def order_parcel_api(request: HttpRequest, order_id: ObjectId) -> dict[str, Any]:
    """The order's parcel (made once; asking again returns the same parcel)."""
    user = _user(request)
    return parcel_out(create_order_parcel(access_order(user, order_id), actor=user))


@router.post(
    "/hub/orders/{order_id}/ship",
    response={200: HubParcelOut, **ERROR_RESPONSES},
    summary="Hand an order to a national carrier",
)
def ship_api(request: HttpRequest, order_id: ObjectId, payload: HubShipIn) -> dict[str, Any]:
    """The order is shipped (through the order service) and its parcel keeps the carrier
    and tracking number for the label. Orders for a pickup point are refused: they go
    down in the point's tote."""
    user = _user(request)
    parcel = ship_by_carrier(
        access_order(user, order_id),
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        carrier_name=payload.carrier_name,
        actor=user,
    )
    return parcel_out(parcel)


@router.get(
    "/hub/totes/waiting",
    response={200: list[HubPointWaitingOut], **ERROR_RESPONSES},
    summary="Points with orders waiting",
)
def totes_waiting(request: HttpRequest) -> list[dict[str, Any]]:
    county = hub_county(_user(request))
    return [
        {
            "point_code": waiting.point.code,
            "point_name": waiting.point.name,
            "waiting_by_class": waiting.parcels_by_class,
            "orders_without_parcel": waiting.orders_without_parcel,
            "open_totes": [tote.sscc for tote in waiting.totes],
        }
        for waiting in hub_selectors.points_waiting(county)
    ]


@router.post("/hub/totes", response={200: HubToteRunOut, **ERROR_RESPONSES}, summary="Make totes")
def make_totes_api(request: HttpRequest, payload: HubTotesIn) -> dict[str, Any]:
    """Every packed pickup order gets a parcel; every waiting order parcel goes in the open
    tote of its point and class. Running it again adds only what arrived since."""
    user = _user(request)
    county = hub_county(user)
    point = point_by_code(county, payload.point_code) if payload.point_code else None
    sorted_at = (
        location_by_code(county, payload.sorted_at_code, field="sorted_at_code")
        if payload.sorted_at_code
        else None
    )
    run = make_totes(county, actor=user, point=point, sorted_at=sorted_at)
    totes = {
        tote.pk: tote
        for tote in Parcel.objects.filter(pk__in=list(run.filled)).select_related(
            "destination_point"
        )
    }
    return {
        "parcels_made": [parcel.sscc for parcel in run.parcels_made],
        "totes_opened": [tote.sscc for tote in run.totes_opened],
        "totes": [
            {
                "sscc": totes[tote_id].sscc,
                "point_code": totes[tote_id].destination_point.code,  # type: ignore[union-attr]
                "temperature_class": totes[tote_id].temperature_class,
                "weight_g": totes[tote_id].weight_g,
                "added": added,
            }
            for tote_id, added in run.filled.items()
        ],
    }
