"""Who reaches which cooperative's intake desk and lots, and which members they may weigh
for: the cooperative's staff all its members, a village agent the members of their points."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from highland.coops.models import Intake, Member
from highland.coops.rules import STAFF_ROLES
from highland.core.errors import NotFound
from highland.core.models import County, Membership, Organisation, OrganisationType, User
from highland.core.permissions import allowed
from highland.network.models import ServicePoint

MAX_MEMBERS_LISTED = 50


def agent_points(user: User) -> QuerySet[ServicePoint]:
    """The active points `user` is an agent of."""
    return ServicePoint.objects.filter(agents=user, active=True)


def is_staff_of(user: User, cooperative: Organisation) -> bool:
    return Membership.objects.filter(
        user=user, organisation=cooperative, role__in=STAFF_ROLES, active=True
    ).exists()


def intake_cooperatives(user: User, county: County) -> QuerySet[Organisation]:
    """Cooperatives of `county` whose intake `user` may record: as staff, or as the agent
    of a point some of their members belong to."""
    staff_of = Membership.objects.filter(user=user, role__in=STAFF_ROLES, active=True).values(
        "organisation_id"
    )
    served = Member.objects.filter(county=county, point__agents=user, left_on__isnull=True).values(
        "cooperative_id"
    )
    return Organisation.objects.filter(
        Q(pk__in=staff_of) | Q(pk__in=served), county=county, type=OrganisationType.COOPERATIVE
    ).order_by("pk")


def access_intake_cooperative(user: User, county: County, cooperative_id: int) -> Organisation:
    """The cooperative, when `user` may record its intakes; 404 otherwise (a stranger
    learns nothing of it)."""
    cooperative = intake_cooperatives(user, county).filter(pk=cooperative_id).first()
    if cooperative is None:
        raise NotFound(_("No such cooperative."))
    return cooperative


def access_lots_cooperative(user: User, county: County, cooperative_id: int) -> Organisation:
    """The cooperative, when `user` may manage its lots; 404 otherwise."""
    cooperative = Organisation.objects.filter(
        county=county, type=OrganisationType.COOPERATIVE, pk=cooperative_id
    ).first()
    if cooperative is None or not allowed(user, "coops.manage_lots", cooperative):
        raise NotFound(_("No such cooperative."))
    return cooperative


def members_for_intake(user: User, cooperative: Organisation) -> QuerySet[Member]:
    """Members still in the cooperative that `user` may weigh for."""
    members = Member.objects.filter(
        county_id=cooperative.county_id, cooperative=cooperative, left_on__isnull=True
    ).select_related("point")
    if is_staff_of(user, cooperative):
        return members
    return members.filter(point__agents=user)


def intakes_visible_to(user: User, county: County) -> QuerySet[Intake]:
    """Intakes `user` may read: all of the cooperatives they work for, those weighed for
    members of their points, and their own household's."""
    staff_of = Membership.objects.filter(user=user, role__in=STAFF_ROLES, active=True).values(
        "organisation_id"
    )
    return Intake.objects.filter(
        Q(cooperative_id__in=staff_of)
        | Q(member__point__agents=user)
        | Q(member__head=user)
        | Q(recorded_by=user),
        county=county,
    ).distinct()
