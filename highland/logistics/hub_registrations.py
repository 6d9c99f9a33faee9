"""What the county hub plugs into other apps: placements follow what packing takes out
of lots (catalog's `lots_taken`), `manage.py verify` checks the placements (orders'
stock checks), and the hub's menu entry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from highland.core.models import County, Role, User

HUB_ROLES = frozenset({Role.CENTRE_OPERATOR, Role.CARRIER_DISPATCHER, Role.COUNTY_OFFICIAL})


def sees_hub(_user: User, _county: County | None, roles: frozenset[str]) -> bool:
    # Decided from the roles the page already knows: no query per page (logistics.view_hub).
    return bool(roles & HUB_ROLES)


def register() -> None:
    from highland.catalog.services.lots import lots_taken
    from highland.core.menu import MenuEntry, menu_entries
    from highland.logistics.hub_invariants import verify_placements
    from highland.logistics.services.hub.stock import follow_lots_taken
    from highland.orders.stock_invariants import register_stock_check

    lots_taken.register("logistics.placements", follow_lots_taken)
    register_stock_check("logistics.lots_by_location", verify_placements)
    menu_entries.register(
        "logistics.hub", MenuEntry("logistics:hub", _("County hub"), 460, sees_hub)
    )
