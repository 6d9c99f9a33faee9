"""What each audit action of the network means, for people, and where its objects are."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "network.point.created": _("Service point created"),
    "network.point.updated": _("Service point details changed"),
    "network.point.moved": _("Service point moved under another station"),
    "network.point.deactivated": _("Service point closed"),
    "network.point.reactivated": _("Service point reopened"),
    "network.point.hours_set": _("Opening hours set"),
    "network.point.agent_assigned": _("Agent assigned to the point"),
    "network.point.agent_removed": _("Agent removed from the point"),
    "network.villager.registered": _("Villager registered"),
}


def point_url(object_id: str) -> str:
    return reverse("network:point-detail", args=[int(object_id)])


LINKS = {"network.servicepoint": point_url}
