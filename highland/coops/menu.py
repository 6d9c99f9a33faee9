"""Who sees the cooperatives' menu entries."""

from __future__ import annotations

from highland.core.models import Role

# Menu entries are decided from the roles the page already knows: no query per page.
STAFF = frozenset({Role.COOPERATIVE_MANAGER, Role.COOPERATIVE_ACCOUNTANT})
OVERSEERS = frozenset({Role.CENTRE_OPERATOR, Role.COUNTY_OFFICIAL})


def sees_cooperatives(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return bool(roles & (STAFF | OVERSEERS))


def records_intakes(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return bool(roles & (STAFF | {Role.STATION_AGENT}))


def keeps_coop_accounts(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return bool(roles & STAFF)


def hands_over_cash(_user: object, _county: object, roles: frozenset[str]) -> bool:
    return Role.STATION_AGENT in roles


def heads_a_household(_user: object, _county: object, roles: frozenset[str]) -> bool:
    # Registering a member household gives its head the member role in the cooperative.
    return Role.MEMBER in roles
