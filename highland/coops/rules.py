"""Who may do what in a cooperative (loaded by rules' autodiscovery).

Every rule takes an object that names its cooperative: the cooperative (an
Organisation) itself, or anything with a `cooperative_id` (a member, an intake, a lot, a
run), or a member share or payout (through its member). A manager or accountant of one
cooperative has no rights over another's; a member sees only their own household.
"""

from __future__ import annotations

from typing import Any

import rules

from highland.core.models import Membership, Organisation, OrganisationType, Role
from highland.core.permissions import add_rule, is_centre_operator, is_county_official

STAFF_ROLES = (Role.COOPERATIVE_MANAGER, Role.COOPERATIVE_ACCOUNTANT, Role.SELLER_STAFF)


def cooperative_id_of(obj: Any) -> int | None:
    """The cooperative (organisation id) an object belongs to, or None."""
    if isinstance(obj, Organisation):
        return obj.pk if obj.type == OrganisationType.COOPERATIVE else None
    if hasattr(obj, "cooperative_id"):
        return obj.cooperative_id
    member = getattr(obj, "member", None)
    if member is not None:
        return member.cooperative_id
    return None


def holds_role(user: Any, obj: Any, roles: tuple[str, ...]) -> bool:
    cooperative_id = cooperative_id_of(obj)
    if cooperative_id is None or user is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, organisation_id=cooperative_id, role__in=roles, active=True
    ).exists()


@rules.predicate
def is_coop_manager(user: Any, obj: Any) -> bool:
    return holds_role(user, obj, (Role.COOPERATIVE_MANAGER,))


@rules.predicate
def is_coop_accountant(user: Any, obj: Any) -> bool:
    return holds_role(user, obj, (Role.COOPERATIVE_ACCOUNTANT,))


@rules.predicate
def is_coop_staff(user: Any, obj: Any) -> bool:
    return holds_role(user, obj, STAFF_ROLES)


def _member_of(obj: Any) -> Any:
    from highland.coops.models import Member

    if isinstance(obj, Member):
        return obj
    return getattr(obj, "member", None)


@rules.predicate
def serves_members_point(user: Any, obj: Any) -> bool:
    """The agent of the village point the member belongs to (or the payout is paid at)."""
    point = getattr(obj, "point", None) if not hasattr(obj, "head_id") else obj.point
    if point is None:
        member = _member_of(obj)
        point = getattr(member, "point", None)
    return bool(point is not None and point.agents.filter(pk=user.pk).exists())


@rules.predicate
def is_members_household(user: Any, obj: Any) -> bool:
    """The head of the member household."""
    member = _member_of(obj)
    return bool(member is not None and member.head_id == user.pk)


oversees = is_centre_operator | is_county_official

add_rule("coops.view_cooperative", is_coop_staff | oversees)
add_rule("coops.manage_cooperative", is_coop_manager)
add_rule("coops.manage_members", is_coop_manager | is_coop_accountant)
add_rule("coops.record_intake", is_coop_staff | serves_members_point)
add_rule("coops.manage_lots", is_coop_manager | is_coop_staff)
add_rule("coops.draft_settlement", is_coop_accountant | is_coop_manager)
add_rule("coops.approve_settlement", is_coop_accountant | is_coop_manager)
add_rule("coops.pay_members", is_coop_accountant | is_coop_manager)
add_rule("coops.hand_over_cash", serves_members_point)
add_rule(
    "coops.view_member",
    is_members_household | is_coop_staff | serves_members_point | oversees,
)
