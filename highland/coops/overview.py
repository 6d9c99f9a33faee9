"""Reads of the cooperatives: which ones a person works for, their home-page counts, and
the names of member accounts in the ledger."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import QuerySet

from highland.coops.models import LotStatus, Member, ProduceLot, SettlementRun, SettlementStatus
from highland.coops.rules import STAFF_ROLES
from highland.core.models import County, Membership, Organisation, OrganisationType, User
from highland.core.permissions import is_centre_operator, is_county_official, is_platform_admin
from highland.ledger.accounts import member_of


def cooperatives_for(user: User, county: County) -> QuerySet[Organisation]:
    """The cooperatives of `county` the person staffs, or all of them for the centre's
    operators and the county's officials."""
    cooperatives = Organisation.objects.filter(
        county=county, type=OrganisationType.COOPERATIVE, active=True
    ).order_by("name_zh")
    if (
        is_platform_admin(user)
        or is_centre_operator(user, county)
        or is_county_official(user, county)
    ):
        return cooperatives
    staffed = Membership.objects.filter(
        user=user, county=county, role__in=STAFF_ROLES, active=True
    ).values("organisation_id")
    return cooperatives.filter(pk__in=staffed)


@dataclass(frozen=True)
class CooperativeCounts:
    members: int
    open_lots: int
    draft_runs: int


def cooperative_counts(cooperative: Organisation) -> CooperativeCounts:
    return CooperativeCounts(
        members=Member.objects.filter(cooperative=cooperative, left_on__isnull=True).count(),
        open_lots=ProduceLot.objects.filter(cooperative=cooperative, status=LotStatus.OPEN).count(),
        draft_runs=SettlementRun.objects.filter(
            cooperative=cooperative, status=SettlementStatus.DRAFT
        ).count(),
    )


def member_account_names(county: County, codes: Collection[str]) -> dict[str, str]:
    """The household of each member payable or advance account ("0002 次仁家").

    Registered in the ledger's `PARTY_NAMES`; one query.
    """
    ids = {code: member_of(code) for code in codes}
    wanted = {member_id for member_id in ids.values() if member_id is not None}
    if not wanted:
        return {}
    names = {
        pk: f"{number} {household}"
        for pk, number, household in Member.objects.filter(
            county=county, pk__in=wanted
        ).values_list("pk", "number", "household")
    }
    return {
        code: names[member_id]
        for code, member_id in ids.items()
        if member_id is not None and member_id in names
    }
