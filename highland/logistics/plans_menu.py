"""Planning's menu entries and background tasks, registered from the app's ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from highland.core.models import Role

PLANNERS = frozenset({Role.CARRIER_DISPATCHER, Role.CENTRE_OPERATOR})
# Decided from the page's roles: no query per page.


def plans_runs(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return bool(roles & (PLANNERS | {Role.COUNTY_OFFICIAL}))


def drives(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return Role.DRIVER in roles


def sees_costs(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return bool(roles & (PLANNERS | {Role.COUNTY_OFFICIAL}))


def register() -> None:
    from highland.core.menu import MenuEntry, menu_entries
    from highland.logistics.planning import tasks  # noqa: F401  (Celery registers them)

    for key, entry in (
        ("plans", MenuEntry("logistics:plan-list", _("Planning runs"), 610, plans_runs)),
        ("driver", MenuEntry("logistics:driver-today", _("My stops today"), 615, drives)),
        ("costs", MenuEntry("logistics:cost-report", _("Cost per parcel"), 620, sees_costs)),
    ):
        menu_entries.register(f"logistics.{key}", entry)
