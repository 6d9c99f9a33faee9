"""The county hub's actions (ADR 0014): `zones` (zones and locations), `stock` (lots by
location: put-away, moves, picking, placements following packing), `inbound` (parcels and
sellers' goods received) and `outbound` (order parcels, national carriers, totes)."""

from highland.logistics.services.hub.inbound import (
    ReceivedParcel,
    receive_goods_at_hub,
    receive_parcel_at_hub,
)
from highland.logistics.services.hub.outbound import (
    ToteRun,
    create_order_parcel,
    make_totes,
    ship_by_carrier,
)
from highland.logistics.services.hub.stock import (
    MovedLot,
    follow_lots_taken,
    move_lot,
    pick_from_location,
    put_away,
)
from highland.logistics.services.hub.zones import (
    add_location,
    add_zone,
    deactivate_location,
    deactivate_zone,
    reactivate_location,
    reactivate_zone,
    rename_zone,
)

__all__ = [
    "MovedLot",
    "ReceivedParcel",
    "ToteRun",
    "add_location",
    "add_zone",
    "create_order_parcel",
    "deactivate_location",
    "deactivate_zone",
    "follow_lots_taken",
    "make_totes",
    "move_lot",
    "pick_from_location",
    "put_away",
    "reactivate_location",
    "reactivate_zone",
    "receive_goods_at_hub",
    "receive_parcel_at_hub",
    "rename_zone",
    "ship_by_carrier",
]
