"""What tracking plugs into the rest of the system: the arrival text and its subscriber,
and the menu entries (called from `LogisticsConfig.ready()`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from highland.core.models import Role

RECORDS_EVENTS = frozenset(
    {Role.CENTRE_OPERATOR, Role.CARRIER_DISPATCHER, Role.DRIVER, Role.STATION_AGENT}
)


def records_events(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return bool(roles & RECORDS_EVENTS)


def serves_a_point(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return Role.STATION_AGENT in roles


def anyone(_user: object, _county: object, _roles: frozenset[str]) -> bool:
    return True


def register() -> None:
    from highland.core import events
    from highland.core.menu import MenuEntry, menu_entries
    from highland.logistics import tracking_texts
    from highland.logistics.services.tracking import EVENT_RECORDED

    tracking_texts.register_kinds()
    events.subscribe(
        EVENT_RECORDED,
        tracking_texts.ARRIVAL_SUBSCRIBER,
        tracking_texts.on_event_recorded,
        in_transaction=True,
    )
    for key, entry in (
        (
            "point_parcels",
            MenuEntry("logistics:point-parcels", _("Parcels for my point"), 600, serves_a_point),
        ),
        (
            "record_event",
            MenuEntry("logistics:record-event", _("Record a parcel event"), 610, records_events),
        ),
        ("track", MenuEntry("logistics:track", _("Track a parcel"), 690, anyone)),
    ):
        menu_entries.register(f"logistics.{key}", entry)
