"""What every page's chrome needs: the county, the person's roles and the menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from highland.core.models import Role, User
from highland.core.permissions import allowed, roles_of


def chrome(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"current_county": None, "menu": [], "current_roles": []}
    county = user.county
    roles = roles_of(user, county)
    menu: list[tuple[str, Any]] = [(reverse("home"), _("Home"))]
    if allowed(user, "network.view_point", county):
        menu.append((reverse("network:point-list"), _("Service network")))
        menu.append((reverse("network:map"), _("Map")))
    menu.append((reverse("catalog:storefront"), _("Shop")))
    menu.append((reverse("orders:order-list"), _("Orders")))
    if Role.STATION_AGENT in roles:
        menu.append((reverse("network:desk"), _("My desk")))
        menu.append((reverse("orders:assisted"), _("Order for a villager")))
        menu.append((reverse("orders:group-buy-list"), _("Group buys")))
    if roles & {Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER, Role.STATION_AGENT}:
        menu.append((reverse("catalog:my-products"), _("My products")))
    if allowed(user, "orders.run_settlement", county):
        menu.append((reverse("orders:settlements"), _("Settlements")))
    if allowed(user, "ledger.view_ledger", county):
        menu.append((reverse("ledger:overview"), _("Ledger")))
    if allowed(user, "core.view_audit", county):
        menu.append((reverse("audit-list"), _("Audit")))
    if allowed(user, "core.manage_api_tokens", county):
        menu.append((reverse("token-list"), _("Device tokens")))
    if allowed(user, "core.manage_people", county):
        menu.append((reverse("locked-logins"), _("Locked logins")))
    role_labels = dict(Role.choices)
    return {
        "current_county": county,
        "menu": menu,
        "current_roles": [role_labels[role] for role in sorted(roles)],
    }
