"""What a member household may read about itself: one intake by its receipt's check code,
or the whole account (intakes, lots, statements, payouts, debt, what is owed, capital and
surplus) for its head, the agent of its point, its cooperative's staff and the county.

Read-only; money in fen, weights in grams. Only approved or paid settlement runs and
posted surplus distributions are shown to members: a draft may still change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from highland.coops.models import (
    CapitalContribution,
    Intake,
    Member,
    MemberPayout,
    MemberShare,
    PayoutStatus,
    ProduceLot,
    SettlementStatus,
    SurplusShare,
    SurplusStatus,
)
from highland.core import throttling
from highland.core.errors import DomainError, NotFound
from highland.core.models import County, User
from highland.core.permissions import allowed
from highland.ledger import accounts
from highland.ledger.selectors import balance

# Runs whose shares a member sees: decided, not drafts that may still change.
SHOWN_RUN_STATUSES = (SettlementStatus.APPROVED, SettlementStatus.PAID)
INTAKES_PER_PAGE = 20
# A check code as printed: letters and digits, maybe typed with spaces or dashes.
CHECK_CODE_MAX = 12
_CHECK_CODE = re.compile(rf"[A-Za-z0-9]{{4,{CHECK_CODE_MAX}}}")
_TYPED_SEPARATORS = re.compile(r"[\s\-‐–—]+")


def statement_path(share: MemberShare) -> str:
    """The printable statement of one member's share of one run."""
    return reverse("coops:member-statement", args=[share.pk])


def normalise_check_code(typed: str) -> str | None:
    """The code as stored, from what a person typed; None if it cannot be a code."""
    code = _TYPED_SEPARATORS.sub("", typed or "")
    if not code.isascii() or not _CHECK_CODE.fullmatch(code):
        return None
    return code.upper()


# --- one intake by its check code -------------------------------------------------------------


@dataclass(frozen=True)
class ShareLine:
    """The member's line of one settlement run that settled the intake's lot."""

    share: MemberShare
    statement_url: str
    payout: MemberPayout | None


@dataclass(frozen=True)
class IntakeCheck:
    """What the receipt's check code shows: this intake only, and its household's short
    name: never the household's other intakes, its ID number, phone or head's name."""

    intake: Intake
    household: str
    lot: ProduceLot | None
    settled: list[ShareLine]


def intake_by_check_code(county: County | None, typed: str) -> IntakeCheck | None:
    """The intake with this check code in `county`; None for a wrong or malformed code
    alike (the caller counts both as a wrong guess and answers both the same)."""
    code = normalise_check_code(typed)
    if county is None or code is None:
        return None
    intake = (
        Intake.objects.select_related("member", "produce", "grade", "lot", "lot__produce")
        .filter(county=county, check_code__in={code, typed.strip()})
        .first()
    )
    if intake is None:
        return None
    settled: list[ShareLine] = []
    if intake.lot_id is not None:
        shares = (
            MemberShare.objects.select_related("run", "payout")
            .filter(
                member_id=intake.member_id,
                run__lots__lot_id=intake.lot_id,
                run__status__in=SHOWN_RUN_STATUSES,
            )
            .distinct()
            .order_by("run__created_at", "pk")
        )
        settled = [ShareLine(share, statement_path(share), _payout_of(share)) for share in shares]
    return IntakeCheck(intake, intake.member.household, intake.lot, settled)


class TooManyGuesses(DomainError):
    status_code = 429
    code = "throttled"


CHECK_CODE_SCOPE = "coops.check_code"


def look_up_check_code(request: HttpRequest, county: County | None, typed: str) -> IntakeCheck:
    """The intake of a check code typed by someone not logged in, throttled per address:
    a wrong and a malformed code both count as a wrong guess and both raise the same
    NotFound; past the login failure limit, TooManyGuesses (429), right codes included,
    until the lockout time has passed."""
    if throttling.lookups_refused(request, CHECK_CODE_SCOPE):
        raise TooManyGuesses(
            _("Too many wrong codes from here. Try again in %(minutes)d minutes.")
            % {"minutes": throttling.lockout_minutes()}
        )
    found = intake_by_check_code(county, typed)
    if found is None:
        throttling.record_failed_lookup(request, CHECK_CODE_SCOPE)
        raise NotFound(_("No intake has this check code. Check the code on your receipt."))
    return found


def _payout_of(share: MemberShare) -> MemberPayout | None:
    try:
        return share.payout
    except MemberPayout.DoesNotExist:
        return None


# --- a household's account --------------------------------------------------------------------


@dataclass(frozen=True)
class LotLine:
    lot: ProduceLot
    net_g: int  # the member's grams in the lot


@dataclass(frozen=True)
class StatementLine:
    share: MemberShare
    statement_url: str


@dataclass
class HouseholdAccount:
    """One member household's account, as its head (or the agent for them) reads it."""

    member: Member
    intakes: Page  # of Intake, latest first
    lots: list[LotLine]
    statements: list[StatementLine]
    payouts: list[MemberPayout]
    # Advances not yet recovered from a settlement: what the household owes.
    debt_fen: int
    # Settled or surplus money owed to the household and not yet paid out.
    owed_fen: int
    capital_fen: int
    surplus_shares: list[SurplusShare] = field(default_factory=list)
    # The pickup code of a cash payout is the household's own proof at the point: shown to
    # its head only, never to the agent who hands the cash over.
    shows_pickup_codes: bool = False

    @property
    def waiting_payouts(self) -> list[MemberPayout]:
        return [p for p in self.payouts if p.status == PayoutStatus.WAITING]


def households_of(person: User) -> QuerySet[Member]:
    """The member households `person` heads, in any cooperative of their county."""
    return (
        Member.objects.filter(head=person)
        .select_related("cooperative", "point", "county")
        .order_by("cooperative_id", "number")
    )


def heads_a_household(person: User) -> bool:
    return bool(person.is_authenticated and Member.objects.filter(head=person).exists())


def access_member(user: User, member_id: int) -> Member:
    """The member household if `user` may read its account; missing and not-yours give the
    same 404 so that ids reveal nothing."""
    member = (
        Member.objects.select_related("cooperative", "point", "county").filter(pk=member_id).first()
    )
    if member is None or not allowed(user, "coops.view_member", member):
        raise NotFound(_("No such member household."))
    return member


def member_intakes(member: Member) -> QuerySet[Intake]:
    return (
        Intake.objects.filter(member=member)
        .select_related("produce", "grade", "lot")
        .order_by("-recorded_at", "-pk")
    )


def member_lots(member: Member) -> list[LotLine]:
    """The lots the household's intakes went into, latest first, with its grams in each."""
    lots = (
        ProduceLot.objects.filter(intakes__member=member)
        .select_related("produce")
        .annotate(member_net_g=Coalesce(Sum("intakes__net_g", filter=Q(intakes__member=member)), 0))
        .order_by("-collected_on", "code")
    )
    return [LotLine(lot, int(lot.member_net_g)) for lot in lots]


def member_statements(member: Member) -> list[StatementLine]:
    shares = (
        MemberShare.objects.filter(member=member, run__status__in=SHOWN_RUN_STATUSES)
        .select_related("run")
        .order_by("-run__created_at", "-pk")
    )
    return [StatementLine(share, statement_path(share)) for share in shares]


def member_payouts(member: Member) -> list[MemberPayout]:
    return list(
        MemberPayout.objects.filter(member=member)
        .select_related("share__run", "surplus_share__distribution", "point")
        .order_by("-created_at", "-pk")
    )


def member_debt_fen(member: Member) -> int:
    """Advances paid and not yet recovered (an asset of the platform: debits positive)."""
    return balance(member.county, accounts.member_advance(member.pk))


def member_owed_fen(member: Member) -> int:
    """Owed to the household and not yet paid (a liability: its balance is negative)."""
    return -balance(member.county, accounts.member_payable(member.pk))


def member_capital_fen(member: Member) -> int:
    total = CapitalContribution.objects.filter(member=member).aggregate(
        total=Coalesce(Sum("amount_fen"), 0)
    )["total"]
    return int(total)


def household_account(
    member: Member, *, viewer: User, page: int | str | None = 1, per_page: int = INTAKES_PER_PAGE
) -> HouseholdAccount:
    """Everything a household may read about itself; `page` of its intakes (an unknown
    page number gives the last page)."""
    paginator = Paginator(member_intakes(member), per_page)
    return HouseholdAccount(
        member=member,
        intakes=paginator.get_page(page),
        lots=member_lots(member),
        statements=member_statements(member),
        payouts=member_payouts(member),
        debt_fen=member_debt_fen(member),
        owed_fen=member_owed_fen(member),
        capital_fen=member_capital_fen(member),
        surplus_shares=list(
            SurplusShare.objects.filter(member=member, distribution__status=SurplusStatus.POSTED)
            .select_related("distribution")
            .order_by("-distribution__year")
        ),
        shows_pickup_codes=member.head_id == viewer.pk,
    )


__all__ = [
    "HouseholdAccount",
    "IntakeCheck",
    "LotLine",
    "ShareLine",
    "StatementLine",
    "TooManyGuesses",
    "access_member",
    "heads_a_household",
    "household_account",
    "households_of",
    "intake_by_check_code",
    "look_up_check_code",
    "member_debt_fen",
    "member_owed_fen",
    "normalise_check_code",
    "statement_path",
]


@dataclass(frozen=True)
class WaitingProduce:
    """Members' produce weighed at a village point and not yet taken away."""

    net_g: int
    intake_count: int


# Lots whose produce has not reached stock or processing: still somewhere on its way.
_UNFINISHED_LOTS = Q(lot__isnull=True) | Q(lot__status__in=("open", "closed"))


def produce_waiting_at_points(
    county: County,
    *,
    weighed_after: dict[int, dt.datetime | None],
    since: dt.datetime,
) -> dict[int, WaitingProduce]:
    """Per village point (by id): intakes weighed there after `weighed_after[point]` (the
    last collection from it, None for never) and after `since`, in lots not yet stocked or
    processed. One query. Logistics plans the collection runs from this."""
    if not weighed_after:
        return {}
    after = Q()
    for point_id, moment in weighed_after.items():
        after |= Q(point_id=point_id, recorded_at__gt=max(moment or since, since))
    rows = (
        Intake.objects.filter(after, _UNFINISHED_LOTS, county=county)
        .values("point_id")
        .annotate(net=Sum("net_g"), count=Count("pk"))
        .order_by("point_id")
    )
    return {row["point_id"]: WaitingProduce(int(row["net"]), int(row["count"])) for row in rows}
