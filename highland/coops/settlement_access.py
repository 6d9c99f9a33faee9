"""Finding the settlement records a person may see: a missing record and one of another
cooperative (or household) give the same 404, so nobody learns what others hold."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.coops.models import MemberPayout, MemberShare, SettlementRun, SurplusDistribution
from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import Organisation, OrganisationType, Role, User
from highland.core.permissions import allowed

STAFF = (Role.COOPERATIVE_MANAGER, Role.COOPERATIVE_ACCOUNTANT)


def staff_cooperatives(user: User) -> list[Organisation]:
    """The cooperatives `user` manages or keeps the accounts of."""
    return list(
        Organisation.objects.filter(
            type=OrganisationType.COOPERATIVE,
            memberships__user=user,
            memberships__role__in=STAFF,
            memberships__active=True,
        )
        .distinct()
        .order_by("pk")
    )


def access_run(user: User, run_id: int, cooperative_id: int | None = None) -> SettlementRun:
    run = (
        SettlementRun.objects.filter(pk=run_id, county=home_county(user))
        .select_related("cooperative", "drafted_by", "reviewed_by", "approved_by", "paid_by")
        .first()
    )
    if (
        run is None
        or (cooperative_id is not None and run.cooperative_id != cooperative_id)
        or not allowed(user, "coops.view_cooperative", run)
    ):
        raise NotFound(_("No such settlement run."), field="run_id")
    return run


def access_share(user: User, share_id: int) -> MemberShare:
    """A member share for its statement: the household itself, the cooperative's staff,
    the agent of the member's point."""
    share = (
        MemberShare.objects.filter(pk=share_id, county=home_county(user))
        .select_related("run__cooperative", "member__point", "member__head")
        .first()
    )
    if share is None or not allowed(user, "coops.view_member", share.member):
        raise NotFound(_("No such statement."), field="share_id")
    return share


def access_payout(user: User, payout_id: int) -> MemberPayout:
    payout = (
        MemberPayout.objects.filter(pk=payout_id, county=home_county(user))
        .select_related("member", "point")
        .first()
    )
    if payout is None or not allowed(user, "coops.view_member", payout.member):
        raise NotFound(_("No such payout."), field="payout_id")
    return payout


def access_distribution(
    user: User, distribution_id: int, cooperative_id: int | None = None
) -> SurplusDistribution:
    distribution = (
        SurplusDistribution.objects.filter(pk=distribution_id, county=home_county(user))
        .select_related("cooperative")
        .first()
    )
    if (
        distribution is None
        or (cooperative_id is not None and distribution.cooperative_id != cooperative_id)
        or not allowed(user, "coops.view_cooperative", distribution)
    ):
        raise NotFound(_("No such surplus distribution."), field="distribution_id")
    return distribution
