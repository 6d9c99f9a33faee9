"""Logistics models: the hub, the fleet and bus lines, parcels and their tracking events.

Each part adds its own module here (roads, planning, cold chain) and re-exports it.
"""

from highland.logistics.models.fleet import BusLine, Vehicle
from highland.logistics.models.hub import HubLocation, HubZone
from highland.logistics.models.hub_stock import LotMovement, LotMovementKind, LotPlacement
from highland.logistics.models.parcels import (
    Parcel,
    ParcelKind,
    ParcelStatus,
    TrackingEvent,
    TrackingEventKind,
)
from highland.logistics.models.roads import (
    ClosureKind,
    RoadClass,
    RoadClosure,
    RoadEdge,
    RoadNetwork,
    RoadNode,
)

__all__ = [
    "BusLine",
    "ClosureKind",
    "HubLocation",
    "HubZone",
    "LotMovement",
    "LotMovementKind",
    "LotPlacement",
    "Parcel",
    "ParcelKind",
    "ParcelStatus",
    "RoadClass",
    "RoadClosure",
    "RoadEdge",
    "RoadNetwork",
    "RoadNode",
    "TrackingEvent",
    "TrackingEventKind",
    "Vehicle",
]
