"""Logistics models: the hub, the fleet and bus lines, parcels and their tracking events,
roads, planning runs and buses, and the cold chain: one module per part, re-exported here.
"""

from highland.logistics.models.buses import (
    BusConsignment,
    BusConsignmentStatus,
    BusDeparture,
    BusDepartureBooking,
    BusLineStop,
)
from highland.logistics.models.coldchain import (
    AlertKind,
    ColdChainAlert,
    ExcursionRule,
    Reading,
    Sensor,
    TelemetryChannel,
    TelemetryCounter,
    TelemetryOutcome,
)
from highland.logistics.models.fleet import (
    BusLine,
    Vehicle,
)
from highland.logistics.models.hub import (
    HubLocation,
    HubZone,
)
from highland.logistics.models.hub_stock import (
    LotMovement,
    LotMovementKind,
    LotPlacement,
)
from highland.logistics.models.parcels import (
    Parcel,
    ParcelKind,
    ParcelStatus,
    TrackingEvent,
    TrackingEventKind,
)
from highland.logistics.models.planning import (
    PLANNING_RUN_MACHINE,
    BusChoice,
    Carrier,
    ParcelCost,
    PlannedRoute,
    PlannedStop,
    PlanningRun,
    PlanningRunStatus,
    UnservedReasonCode,
    UnservedStop,
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
    "PLANNING_RUN_MACHINE",
    "AlertKind",
    "BusChoice",
    "BusConsignment",
    "BusConsignmentStatus",
    "BusDeparture",
    "BusDepartureBooking",
    "BusLine",
    "BusLineStop",
    "Carrier",
    "ClosureKind",
    "ColdChainAlert",
    "ExcursionRule",
    "HubLocation",
    "HubZone",
    "LotMovement",
    "LotMovementKind",
    "LotPlacement",
    "Parcel",
    "ParcelCost",
    "ParcelKind",
    "ParcelStatus",
    "PlannedRoute",
    "PlannedStop",
    "PlanningRun",
    "PlanningRunStatus",
    "Reading",
    "RoadClass",
    "RoadClosure",
    "RoadEdge",
    "RoadNetwork",
    "RoadNode",
    "Sensor",
    "TelemetryChannel",
    "TelemetryCounter",
    "TelemetryOutcome",
    "TrackingEvent",
    "TrackingEventKind",
    "UnservedReasonCode",
    "UnservedStop",
    "Vehicle",
]
