"""What each logistics audit action is called on the audit page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "logistics.zone.added": _("Hub zone added"),
    "logistics.location.added": _("Hub location added"),
    "logistics.vehicle.added": _("Vehicle added"),
    "logistics.vehicle.changed": _("Vehicle changed"),
    "logistics.bus_line.added": _("Bus line added"),
    "logistics.parcel.created": _("Parcel created"),
    "logistics.planning_run.started": _("Planning run started"),
    "logistics.planning_run.done": _("Planning run finished"),
    "logistics.planning_run.failed": _("Planning run failed"),
    "logistics.planning_run.cancelled": _("Planning run cancelled"),
    "logistics.bus_stop.added": _("Bus stop added"),
    "logistics.bus_stop.removed": _("Bus stop removed"),
    "logistics.bus_departure.added": _("Bus departures added"),
    "logistics.bus_departure.removed": _("Bus departure removed"),
    "logistics.parcel.event_recorded": _("Parcel tracking event recorded"),
    "logistics.road_closure.added": _("Road closed"),
    "logistics.road_closure.lifted": _("Road closure lifted"),
}
