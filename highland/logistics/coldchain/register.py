"""What the cold chain plugs into the rest of Highland; `register()` runs from
`LogisticsConfig.ready()`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, Role, User

WATCHERS = frozenset({Role.CENTRE_OPERATOR, Role.CARRIER_DISPATCHER, Role.COUNTY_OFFICIAL})


def watches_cold_chain(_user: User, _county: County | None, roles: frozenset[str]) -> bool:
    return bool(roles & WATCHERS)


def open_alert_badge(_user: User, county: County | None, _roles: frozenset[str]) -> str:
    """How many alerts are open (one COUNT query)."""
    from highland.logistics.models import ColdChainAlert

    if county is None:
        return ""
    count = ColdChainAlert.objects.filter(county=county, closed_at__isnull=True).count()
    return str(count) if count else ""


def register() -> None:
    from highland.core import audit
    from highland.core.menu import MenuEntry, menu_entries
    from highland.logistics.coldchain import tasks, texts

    assert tasks.alert_silent_sensors.name == "logistics.alert_silent_sensors"
    texts.register_kinds()
    texts.subscribe_texts()
    menu_entries.register(
        "logistics.cold_chain",
        MenuEntry(
            "logistics:cold-chain",
            _("Cold chain"),
            620,
            watches_cold_chain,
            badge=open_alert_badge,
        ),
    )
    audit.OBJECT_LINKS.register(
        "logistics.coldchainalert",
        lambda pk: reverse("logistics:cold-alert", args=[int(pk)]),
    )
