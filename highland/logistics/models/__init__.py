"""Logistics models: the hub, the fleet and bus lines, parcels and their tracking events.

Each part adds its own module here (roads, planning, cold chain) and re-exports it.
"""

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
from highland.logistics.models.fleet import BusLine, Vehicle
from highland.logistics.models.hub import HubLocation, HubZone
from highland.logistics.models.parcels import (
    Parcel,
    ParcelKind,
    ParcelStatus,
    TrackingEvent,
    TrackingEventKind,
)

__all__ = [
    "AlertKind",
    "BusLine",
    "ColdChainAlert",
    "ExcursionRule",
    "HubLocation",
    "HubZone",
    "Parcel",
    "ParcelKind",
    "ParcelStatus",
    "Reading",
    "Sensor",
    "TelemetryChannel",
    "TelemetryCounter",
    "TelemetryOutcome",
    "TrackingEvent",
    "TrackingEventKind",
    "Vehicle",
]
