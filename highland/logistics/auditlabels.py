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
    # Cold chain.
    "logistics.sensor.registered": _("Sensor registered"),
    "logistics.sensor.changed": _("Sensor changed"),
    "logistics.sensor.retired": _("Sensor retired"),
    "logistics.sensor.moved": _("Sensor moved"),
    "logistics.excursion_rule.set": _("Excursion rule set"),
    "logistics.readings.uploaded": _("Sensor readings uploaded"),
    "logistics.cold_alert.acknowledged": _("Cold-chain alert acknowledged"),
}
