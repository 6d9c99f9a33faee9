"""Permission-checked fetches for cooperative pages and the API: a cooperative, or a member
of it, that the person may not see is the same 404 as one that does not exist."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.coops.models import Member
from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import Organisation, OrganisationType, User
from highland.core.permissions import allowed


def access_cooperative(user: User, cooperative_id: int) -> Organisation:
    """A cooperative of the person's county they may view (its staff, the centre, the
    county's officials); NotFound otherwise."""
    county = home_county(user)
    cooperative = (
        Organisation.objects.select_related("county")
        .filter(pk=cooperative_id, county=county, type=OrganisationType.COOPERATIVE)
        .first()
    )
    if cooperative is None or not allowed(user, "coops.view_cooperative", cooperative):
        raise NotFound(_("No such cooperative."))
    return cooperative


def access_member(user: User, cooperative: Organisation, member_id: int) -> Member:
    """A member household of `cooperative` the person may view; NotFound otherwise."""
    member = (
        Member.objects.select_related("head", "point", "cooperative", "county")
        .filter(pk=member_id, cooperative=cooperative)
        .first()
    )
    if member is None or not allowed(user, "coops.view_member", member):
        raise NotFound(_("No such member."))
    return member
