"""Who may do what, checked by services with `require`.

Rules live in one explicit rule set (not Django's global permissions), so a
permission here is only what this module says: roles held in the object's county.
Platform superusers pass every rule; they administer all counties.
"""

from __future__ import annotations

from typing import Any

import rules
from django.contrib.auth.models import AnonymousUser
from django.db import models

from highland.core.errors import PermissionDenied
from highland.core.models import County, Membership, Role, User

highland_rules = rules.RuleSet()

_ROLE_CACHE_ATTRIBUTE = "_highland_roles_by_county"
# Set on a user who arrived with a device token: they act in the token's county only.
_CONFINED_COUNTY_ATTRIBUTE = "_highland_confined_to_county"


def county_of(obj: Any) -> County | None:
    if isinstance(obj, County):
        return obj
    county = getattr(obj, "county", None) if isinstance(obj, models.Model) else None
    return county if isinstance(county, County) else None


def roles_of(user: User | AnonymousUser | None, county: County | None) -> frozenset[str]:
    """The active roles `user` holds in `county`, cached on the user object."""
    if user is None or not user.is_authenticated or county is None:
        return frozenset()
    confined_to = user.__dict__.get(_CONFINED_COUNTY_ATTRIBUTE)
    if confined_to is not None and confined_to != county.pk:
        return frozenset()
    cache: dict[int, frozenset[str]] = user.__dict__.setdefault(_ROLE_CACHE_ATTRIBUTE, {})
    if county.pk not in cache:
        cache[county.pk] = frozenset(
            Membership.objects.filter(user=user, county=county, active=True).values_list(
                "role", flat=True
            )
        )
    return cache[county.pk]


def confine_to_county(user: User, county_id: int) -> User:
    """Let `user` hold roles in `county_id` only, and no platform-wide power, for this
    request: how a device token keeps to the county it was issued in."""
    user.__dict__[_CONFINED_COUNTY_ATTRIBUTE] = county_id
    return user


def forget_roles(user: User) -> None:
    """Drop the cached roles after memberships change."""
    user.__dict__.pop(_ROLE_CACHE_ATTRIBUTE, None)


def has_role(*wanted: str) -> rules.Predicate:
    wanted_roles = frozenset(wanted)

    @rules.predicate(name=f"has_role({','.join(sorted(wanted_roles))})")
    def predicate(user: User, obj: Any) -> bool:
        return bool(roles_of(user, county_of(obj)) & wanted_roles)

    return predicate


@rules.predicate
def is_platform_admin(user: User, obj: Any = None) -> bool:
    if user is None or _CONFINED_COUNTY_ATTRIBUTE in user.__dict__:
        return False
    return bool(user.is_active and user.is_superuser)


@rules.predicate
def is_county_member(user: User, obj: Any) -> bool:
    return bool(roles_of(user, county_of(obj)))


is_centre_operator = has_role(Role.CENTRE_OPERATOR)
is_county_official = has_role(Role.COUNTY_OFFICIAL)
is_station_agent = has_role(Role.STATION_AGENT)


# The roles a centre operator may hand out and act over: all but the bureau that
# supervises the centre.
ROLES_A_CENTRE_OPERATOR_MANAGES = frozenset(Role.values) - {Role.COUNTY_OFFICIAL}


def manageable_roles(user: User | AnonymousUser | None, county: County) -> frozenset[str]:
    """The roles `user` may manage for people of `county` (device tokens, for one)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if is_platform_admin(user):
        return frozenset(Role.values)
    if Role.CENTRE_OPERATOR in roles_of(user, county):
        return ROLES_A_CENTRE_OPERATOR_MANAGES
    return frozenset()


def add_rule(name: str, predicate: rules.Predicate) -> None:
    highland_rules.add_rule(name, is_platform_admin | predicate)


def allowed(user: User | AnonymousUser | None, permission: str, obj: Any = None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(highland_rules.test_rule(permission, user, obj))


def require(user: User | AnonymousUser | None, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless `user` holds `permission` on `obj`."""
    if not allowed(user, permission, obj):
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("You are not allowed to do this."), code="permission_denied")


add_rule("core.view_county", is_county_member)
# Only platform administrators open or rename counties: no county role grants it.
highland_rules.add_rule("core.manage_counties", is_platform_admin)
add_rule("core.view_audit", is_county_official | is_centre_operator)
add_rule("core.manage_api_tokens", is_centre_operator)
add_rule("core.manage_people", is_centre_operator)
# Who may list the county's people; only those who manage them see whole phone numbers.
add_rule("core.view_people", is_centre_operator | is_county_official)
add_rule("core.retry_outbox_message", is_centre_operator)
