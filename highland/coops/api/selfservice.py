"""The cooperative API: member self-service (an intake by its check code, a household's
account)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from highland.coops import selectors
from highland.coops.models import Intake, MemberPayout
from highland.core.access import site_county
from highland.core.models import County, User
from highland.core.schemas import ERROR_RESPONSES, ErrorOut, ObjectId, PageQuery

router = Router(tags=["cooperatives"])

# A lookup by check code may also answer 429 `throttled` after too many wrong codes.
CHECK_RESPONSES: dict[int, type[ErrorOut]] = {**ERROR_RESPONSES, 429: ErrorOut}


class CheckQuery(Schema):
    county: str | None = Field(
        None,
        pattern=r"^\d{6}$",
        description="Administrative code of the county, for callers not logged in when the "
        "site serves several counties.",
    )


class HouseholdLotOut(Schema):
    id: int
    code: str
    status: str = Field(..., description="open, closed, stocked or processed")
    status_label: str


class HouseholdPayoutOut(Schema):
    amount_fen: int
    method: str = Field(..., description="bank, mobile or cash")
    status: str = Field(..., description="waiting or paid")
    paid_at: datetime | None


class ShareLineOut(Schema):
    run_id: int
    run_number: str
    run_status: str
    share_fen: int = Field(..., description="The member's part of the run's net proceeds")
    advances_fen: int
    debt_brought_fen: int
    payable_fen: int
    debt_carried_fen: int
    statement_url: str
    payout: HouseholdPayoutOut | None


class IntakeCheckOut(Schema):
    check_code: str
    household: str = Field(..., description="The household's short name, nothing more")
    produce: str
    grade: str
    recorded_at: datetime
    gross_g: int
    tare_g: int
    net_g: int
    advance_fen: int
    lot: HouseholdLotOut | None
    settled: list[ShareLineOut] = Field(
        ..., description="The member's lines of approved or paid runs that settled the lot"
    )


class HouseholdIntakeOut(Schema):
    id: int
    check_code: str
    produce: str
    grade: str
    recorded_at: datetime
    net_g: int
    advance_fen: int
    lot_code: str | None


class MemberLotOut(HouseholdLotOut):
    produce: str
    grade_code: str
    collected_on: date
    member_net_g: int = Field(..., description="The household's grams in the lot")


class HouseholdStatementOut(Schema):
    run_id: int
    run_number: str
    run_status: str
    net_g: int
    share_fen: int
    advances_fen: int
    debt_brought_fen: int
    payable_fen: int
    debt_carried_fen: int
    statement_url: str


class MemberPayoutOut(HouseholdPayoutOut):
    id: int
    created_at: datetime
    run_id: int | None
    surplus_year: int | None
    point_code: str | None
    pickup_code: str | None = Field(
        ..., description="Shown to the head of household only, for cash waiting at the point"
    )


class SurplusShareOut(Schema):
    year: int
    volume_fen: int
    capital_fen: int
    patronage_part_fen: int
    capital_part_fen: int


class HouseholdAccountOut(Schema):
    member_id: int
    number: str
    household: str
    cooperative_id: int
    cooperative: str
    point_code: str
    debt_fen: int = Field(..., description="Advances not yet recovered: the household's debt")
    owed_fen: int = Field(..., description="Owed to the household and not yet paid out")
    capital_fen: int
    intakes_total: int
    intakes: list[HouseholdIntakeOut] = Field(..., description="Latest first, one page")
    lots: list[MemberLotOut]
    statements: list[HouseholdStatementOut]
    payouts: list[MemberPayoutOut]
    surplus_shares: list[SurplusShareOut]


def _payout(payout: MemberPayout | None) -> dict[str, Any] | None:
    if payout is None:
        return None
    return {
        "amount_fen": payout.amount_fen,
        "method": payout.method,
        "status": payout.status,
        "paid_at": payout.paid_at,
    }


def _intake(intake: Intake) -> dict[str, Any]:
    return {
        "id": intake.pk,
        "check_code": intake.check_code,
        "produce": intake.produce.name,
        "grade": intake.grade.label,
        "recorded_at": intake.recorded_at,
        "net_g": intake.net_g,
        "advance_fen": intake.advance_fen,
        "lot_code": intake.lot.code if intake.lot else None,
    }


def _check(found: selectors.IntakeCheck) -> dict[str, Any]:
    intake = found.intake
    return {
        "check_code": intake.check_code,
        "household": found.household,
        "produce": intake.produce.name,
        "grade": intake.grade.label,
        "recorded_at": intake.recorded_at,
        "gross_g": intake.gross_g,
        "tare_g": intake.tare_g,
        "net_g": intake.net_g,
        "advance_fen": intake.advance_fen,
        "lot": None
        if found.lot is None
        else {
            "id": found.lot.pk,
            "code": found.lot.code,
            "status": found.lot.status,
            "status_label": found.lot.get_status_display(),
        },
        "settled": [
            {
                "run_id": line.share.run_id,
                "run_number": line.share.run.number,
                "run_status": line.share.run.status,
                "share_fen": line.share.share_fen,
                "advances_fen": line.share.advances_fen,
                "debt_brought_fen": line.share.debt_brought_fen,
                "payable_fen": line.share.payable_fen,
                "debt_carried_fen": line.share.debt_carried_fen,
                "statement_url": line.statement_url,
                "payout": _payout(line.payout),
            }
            for line in found.settled
        ],
    }


def _account(account: selectors.HouseholdAccount, page: PageQuery) -> dict[str, Any]:
    member = account.member
    intakes = selectors.member_intakes(member)
    return {
        "member_id": member.pk,
        "number": member.number,
        "household": member.household,
        "cooperative_id": member.cooperative_id,
        "cooperative": member.cooperative.name,
        "point_code": member.point.code,
        "debt_fen": account.debt_fen,
        "owed_fen": account.owed_fen,
        "capital_fen": account.capital_fen,
        "intakes_total": account.intakes.paginator.count,
        "intakes": [_intake(i) for i in intakes[page.offset : page.offset + page.limit]],
        "lots": [
            {
                "id": line.lot.pk,
                "code": line.lot.code,
                "status": line.lot.status,
                "status_label": line.lot.get_status_display(),
                "produce": line.lot.produce.name,
                "grade_code": line.lot.grade_code,
                "collected_on": line.lot.collected_on,
                "member_net_g": line.net_g,
            }
            for line in account.lots
        ],
        "statements": [
            {
                "run_id": line.share.run_id,
                "run_number": line.share.run.number,
                "run_status": line.share.run.status,
                "net_g": line.share.net_g,
                "share_fen": line.share.share_fen,
                "advances_fen": line.share.advances_fen,
                "debt_brought_fen": line.share.debt_brought_fen,
                "payable_fen": line.share.payable_fen,
                "debt_carried_fen": line.share.debt_carried_fen,
                "statement_url": line.statement_url,
            }
            for line in account.statements
        ],
        "payouts": [
            {
                **(_payout(payout) or {}),
                "id": payout.pk,
                "created_at": payout.created_at,
                "run_id": payout.share.run_id if payout.share else None,
                "surplus_year": payout.surplus_share.distribution.year
                if payout.surplus_share
                else None,
                "point_code": payout.point.code if payout.point else None,
                "pickup_code": (payout.pickup_code or None) if account.shows_pickup_codes else None,
            }
            for payout in account.payouts
        ],
        "surplus_shares": [
            {
                "year": share.distribution.year,
                "volume_fen": share.volume_fen,
                "capital_fen": share.capital_fen,
                "patronage_part_fen": share.patronage_part_fen,
                "capital_part_fen": share.capital_part_fen,
            }
            for share in account.surplus_shares
        ],
    }


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


@router.get(
    "/check/{code}",
    auth=None,
    response={200: IntakeCheckOut, **CHECK_RESPONSES},
    summary="One intake by the check code on its receipt (no login)",
)
def check_code(request: HttpRequest, code: str, place: Query[CheckQuery]) -> dict[str, Any]:
    """What was weighed, the lot and, once settled, the member's share line and whether it
    was paid: this intake only, under the household's short name (no ID number, phone or
    name). A wrong and a malformed code both answer 404 `not_found` the same way and count
    as a wrong guess; after too many from one address, 429 `throttled`, right codes
    included, until the login lockout time has passed. `county` is the county's code when
    the site serves several and the caller is not logged in."""
    if place.county is not None:
        county = County.objects.filter(code=place.county).first()
    else:
        county = site_county(request)
    return _check(selectors.look_up_check_code(request, county, code))


@router.get(
    "/me/households",
    response={200: list[HouseholdAccountOut], **ERROR_RESPONSES},
    summary="The member households the caller heads, with their accounts",
)
def my_households(request: HttpRequest, page: Query[PageQuery]) -> list[dict[str, Any]]:
    """Every household the caller heads (maybe in several cooperatives): intakes (one page,
    latest first), lots, approved statements, payouts (with the pickup code of cash
    waiting at the point), debt, what is owed, capital and surplus shares."""
    person = _user(request)
    return [
        _account(selectors.household_account(member, viewer=person, per_page=1), page)
        for member in selectors.households_of(person)
    ]


@router.get(
    "/members/{member_id}/account",
    response={200: HouseholdAccountOut, **ERROR_RESPONSES},
    summary="One member household's account",
)
def member_account(
    request: HttpRequest, member_id: ObjectId, page: Query[PageQuery]
) -> dict[str, Any]:
    """For the head of household, the agent of the member's village point, the
    cooperative's staff and the county's centre operator or official; anyone else gets
    404, as for a missing member. Pickup codes are shown to the head of household only."""
    person = _user(request)
    member = selectors.access_member(person, member_id)
    return _account(selectors.household_account(member, viewer=person, per_page=1), page)
