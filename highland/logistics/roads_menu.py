"""The roads part's registrations: the dispatcher's menu entry for the roads page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from highland.core.menu import MenuEntry, menu_entries
from highland.core.models import Role

# Decided from the roles the page already knows: no query per page.
PLANNERS = frozenset({Role.CARRIER_DISPATCHER, Role.CENTRE_OPERATOR})


def plans_on_roads(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return bool(roles & PLANNERS)


def register() -> None:
    menu_entries.register(
        "logistics.roads", MenuEntry("logistics:road-list", _("Roads"), 640, plans_on_roads)
    )
