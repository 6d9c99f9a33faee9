"""What each logistics audit action is called on the audit page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "logistics.zone.added": _("Hub zone added"),
    "logistics.location.added": _("Hub location added"),
    "logistics.zone.renamed": _("Hub zone renamed"),
    "logistics.zone.deactivated": _("Hub zone closed"),
    "logistics.zone.reactivated": _("Hub zone opened again"),
    "logistics.location.deactivated": _("Hub location closed"),
    "logistics.location.reactivated": _("Hub location opened again"),
    "logistics.lot.put_away": _("Lot put away in the hub"),
    "logistics.lot.moved": _("Lot moved in the hub"),
    "logistics.lot.picked": _("Lot picked for packing"),
    "logistics.tote.filled": _("Orders put in a tote"),
    "logistics.parcel.handed_to_carrier": _("Parcel handed to a national carrier"),
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
    # Cold chain.
    "logistics.sensor.registered": _("Sensor registered"),
    "logistics.sensor.changed": _("Sensor changed"),
    "logistics.sensor.retired": _("Sensor retired"),
    "logistics.sensor.moved": _("Sensor moved"),
    "logistics.excursion_rule.set": _("Excursion rule set"),
    "logistics.readings.uploaded": _("Sensor readings uploaded"),
    "logistics.cold_alert.acknowledged": _("Cold-chain alert acknowledged"),
}
