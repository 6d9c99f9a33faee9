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
    "logistics.parcel.event_recorded": _("Parcel tracking event recorded"),
}
