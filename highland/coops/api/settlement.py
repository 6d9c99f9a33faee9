"""The cooperative API: member settlement runs, cash payouts at points, annual surplus.

The same services as the pages (`highland.coops.services.settlement`, `payouts`,
`surplus`), with the same rules. Moves of money (paying a run, handing cash over,
posting a surplus) take an `Idempotency-Key`: a retry returns the first result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from highland.coops.access import access_cooperative
from highland.coops.models import (
    MemberPayout,
    PayoutMethod,
    PayoutStatus,
    SettlementRun,
    SettlementStatus,
    SurplusDistribution,
    SurplusStatus,
)
from highland.coops.services import payouts, settlement, surplus
from highland.coops.settlement_access import access_distribution, access_run
from highland.core.errors import NotFound
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import allowed
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    FenAmount,
    IdempotencyKey,
    ObjectId,
)

router = Router(tags=["cooperatives"])


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise HttpError(401, "Log in or send a device token.")
    return request.user


class CoopSettlementLotOut(Schema):
    lot_id: int
    lot_code: str
    proceeds_fen: int = Field(..., description="Not counted by earlier runs; fen")
    logistics_cost_fen: int
    processing_cost_fen: int


class CoopMemberShareOut(Schema):
    id: int
    member_id: int
    member_number: str
    net_g: int = Field(..., description="Grams brought into the run's lots")
    weighted: int = Field(..., description="Σ net grams × grade factor (basis points)")
    share_fen: int
    advances_fen: int = Field(..., description="Advances deducted")
    debt_brought_fen: int
    payable_fen: int = Field(..., description="Paid to the member")
    debt_carried_fen: int = Field(..., description="Left on the advance account")
    payout_method: PayoutMethod


class CoopSettlementRunOut(Schema):
    id: int
    number: str
    cooperative_id: int
    status: SettlementStatus
    partial: bool
    proceeds_fen: int
    logistics_cost_fen: int
    processing_cost_fen: int
    fee_bp: int
    fee_fen: int
    net_fen: int = Field(..., description="Shared among members: Σ share_fen")
    shortfall_fen: int = Field(..., description="Costs the proceeds did not cover")
    refunded_after_payment_fen: int = Field(
        ..., description="Refunds after payment of proceeds this run counted"
    )
    drafted_by: int
    created_at: datetime
    reviewed_at: datetime | None
    approved_at: datetime | None
    paid_at: datetime | None
    lots: list[CoopSettlementLotOut]
    shares: list[CoopMemberShareOut]


class CoopSettlementRunListOut(Schema):
    id: int
    number: str
    status: SettlementStatus
    partial: bool
    proceeds_fen: int
    net_fen: int
    created_at: datetime


class CoopSettlementDraftIn(Schema):
    lots: list[ObjectId] = Field(..., min_length=1, max_length=200)
    partial: bool = False


class CashHandOverIn(Schema):
    pickup_code: str = Field(..., min_length=1, max_length=12)


class HandedOverPayoutOut(Schema):
    id: int
    member_id: int
    amount_fen: int
    method: PayoutMethod
    status: PayoutStatus
    point_code: str | None
    paid_at: datetime | None


class SurplusDraftIn(Schema):
    year: int = Field(..., ge=2000, le=2099)
    distributable_fen: FenAmount


class CoopSurplusShareOut(Schema):
    member_id: int
    member_number: str
    volume_fen: int = Field(..., description="Settled shares in runs paid that year")
    capital_fen: int
    patronage_part_fen: int
    capital_part_fen: int


class CoopSurplusOut(Schema):
    id: int
    year: int
    status: SurplusStatus
    distributable_fen: int
    reserve_bp: int
    patronage_bp: int
    reserve_fen: int
    patronage_fen: int
    capital_fen: int
    notes: list[str]
    shares: list[CoopSurplusShareOut]


def run_out(run: SettlementRun) -> dict[str, Any]:
    return {
        **{
            name: getattr(run, name)
            for name in (
                "id",
                "number",
                "cooperative_id",
                "status",
                "partial",
                "proceeds_fen",
                "logistics_cost_fen",
                "processing_cost_fen",
                "fee_bp",
                "fee_fen",
                "net_fen",
                "shortfall_fen",
                "created_at",
                "reviewed_at",
                "approved_at",
                "paid_at",
            )
        },
        "drafted_by": run.drafted_by_id,
        "refunded_after_payment_fen": settlement.refunded_after_payment(run),
        "lots": [
            {
                "lot_id": item.lot_id,
                "lot_code": item.lot.code,
                "proceeds_fen": item.proceeds_fen,
                "logistics_cost_fen": item.logistics_cost_fen,
                "processing_cost_fen": item.processing_cost_fen,
            }
            for item in run.lots.select_related("lot").order_by("lot_id")
        ],
        "shares": [
            {
                "id": share.pk,
                "member_id": share.member_id,
                "member_number": share.member.number,
                "net_g": share.net_g,
                "weighted": share.weighted,
                "share_fen": share.share_fen,
                "advances_fen": share.advances_fen,
                "debt_brought_fen": share.debt_brought_fen,
                "payable_fen": share.payable_fen,
                "debt_carried_fen": share.debt_carried_fen,
                "payout_method": share.member.payout_method,
            }
            for share in run.shares.select_related("member").order_by("member_id")
        ],
    }


@router.get(
    "/{coop_id}/settlements",
    response={200: list[CoopSettlementRunListOut], **ERROR_RESPONSES},
    summary="List a cooperative's settlement runs",
)
def list_runs(request: HttpRequest, coop_id: ObjectId) -> list[SettlementRun]:
    """Newest first, at most 200."""
    cooperative = access_cooperative(_user(request), coop_id)
    return list(SettlementRun.objects.filter(cooperative=cooperative).order_by("-created_at")[:200])


@router.post(
    "/{coop_id}/settlements",
    response={201: CoopSettlementRunOut, **ERROR_RESPONSES},
    summary="Draft a settlement run",
)
def draft_run(
    request: HttpRequest, coop_id: ObjectId, body: CoopSettlementDraftIn
) -> Status[dict[str, Any]]:
    """Draft a run for the lots: proceeds not yet settled, less costs and the fee, shared
    by net weight × grade factor. A lot with stock left (or orders not delivered) needs
    `partial`. Drafting moves no money; reviewing, approving and paying follow."""
    user = _user(request)
    cooperative = access_cooperative(user, coop_id)
    run = settlement.draft_settlement(
        cooperative, lots=list(body.lots), partial=body.partial, actor=user
    )
    return Status(201, run_out(run))


@router.get(
    "/{coop_id}/settlements/{run_id}",
    response={200: CoopSettlementRunOut, **ERROR_RESPONSES},
    summary="A settlement run with its lots and shares",
)
def get_run(request: HttpRequest, coop_id: ObjectId, run_id: ObjectId) -> dict[str, Any]:
    return run_out(access_run(_user(request), run_id, coop_id))


def _moved(request: HttpRequest, coop_id: int, run_id: int, action: str) -> dict[str, Any]:
    user = _user(request)
    run = access_run(user, run_id, coop_id)
    if action == "review":
        run = settlement.review_settlement(run, actor=user)
    elif action == "approve":
        run = settlement.approve_settlement(run, actor=user)
    else:
        run = settlement.discard_settlement(run, actor=user)
    return run_out(run)


@router.post(
    "/{coop_id}/settlements/{run_id}/review",
    response={200: CoopSettlementRunOut, **ERROR_RESPONSES},
    summary="Mark a drafted run reviewed",
)
def review_run(request: HttpRequest, coop_id: ObjectId, run_id: ObjectId) -> dict[str, Any]:
    return _moved(request, coop_id, run_id, "review")


@router.post(
    "/{coop_id}/settlements/{run_id}/approve",
    response={200: CoopSettlementRunOut, **ERROR_RESPONSES},
    summary="Approve a reviewed run (not by the one who drafted it)",
)
def approve_run(request: HttpRequest, coop_id: ObjectId, run_id: ObjectId) -> dict[str, Any]:
    return _moved(request, coop_id, run_id, "approve")


@router.post(
    "/{coop_id}/settlements/{run_id}/discard",
    response={200: CoopSettlementRunOut, **ERROR_RESPONSES},
    summary="Discard a draft or reviewed run",
)
def discard_run(request: HttpRequest, coop_id: ObjectId, run_id: ObjectId) -> dict[str, Any]:
    return _moved(request, coop_id, run_id, "discard")


@router.post(
    "/{coop_id}/settlements/{run_id}/pay",
    response={200: CoopSettlementRunOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Pay an approved run to the members",
)
def pay_run(
    request: HttpRequest, coop_id: ObjectId, run_id: ObjectId, idempotency_key: IdempotencyKey
) -> dict[str, Any]:
    """One balanced entry from the cooperative's payable to the members, transfers from
    the bank, cash waiting at the members' points, statements by text message. Refused
    (422) when a refund changed the proceeds since the draft, or the cooperative is owed
    less than the shares. The same request with the same key answers with the paid run."""
    user = _user(request)
    run = access_run(user, run_id, coop_id)
    once = IdempotentRequest.of(idempotency_key, {"action": "pay", "run": run.pk})
    return run_out(payouts.pay_settlement(run, actor=user, idempotent_request=once))


def payout_out(payout: MemberPayout) -> dict[str, Any]:
    return {
        "id": payout.pk,
        "member_id": payout.member_id,
        "amount_fen": payout.amount_fen,
        "method": payout.method,
        "status": payout.status,
        "point_code": payout.point.code if payout.point else None,
        "paid_at": payout.paid_at,
    }


@router.post(
    "/payouts/{payout_id}/hand-over",
    response={200: HandedOverPayoutOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Hand a member's cash payout over at the point",
)
def hand_over(
    request: HttpRequest, payout_id: ObjectId, body: CashHandOverIn, idempotency_key: IdempotencyKey
) -> dict[str, Any]:
    """The agent of the payout's point, against the member's pickup code (422 if it does
    not match). Once: a second hand-over is refused; the same key answers the first."""
    user = _user(request)
    payout = MemberPayout.objects.filter(pk=payout_id, county=user.county).first()
    if payout is None or not allowed(user, "coops.hand_over_cash", payout):
        raise NotFound("No such payout.", field="payout_id")
    once = IdempotentRequest.of(idempotency_key, {"payout": payout.pk, "code": body.pickup_code})
    done = payouts.hand_over_member_cash(
        payout, pickup_code=body.pickup_code, actor=user, idempotent_request=once
    )
    done = MemberPayout.objects.select_related("point").get(pk=done.pk)
    return payout_out(done)


def surplus_out(distribution: SurplusDistribution) -> dict[str, Any]:
    return {
        **{
            name: getattr(distribution, name)
            for name in (
                "id",
                "year",
                "status",
                "distributable_fen",
                "reserve_bp",
                "patronage_bp",
                "reserve_fen",
                "patronage_fen",
                "capital_fen",
            )
        },
        "notes": surplus.how_shared(distribution),
        "shares": [
            {
                "member_id": share.member_id,
                "member_number": share.member.number,
                "volume_fen": share.volume_fen,
                "capital_fen": share.capital_fen,
                "patronage_part_fen": share.patronage_part_fen,
                "capital_part_fen": share.capital_part_fen,
            }
            for share in distribution.shares.select_related("member").order_by("member_id")
        ],
    }


@router.get(
    "/{coop_id}/surplus",
    response={200: list[CoopSurplusOut], **ERROR_RESPONSES},
    summary="A cooperative's annual surplus distributions",
)
def list_surplus(request: HttpRequest, coop_id: ObjectId) -> list[dict[str, Any]]:
    cooperative = access_cooperative(_user(request), coop_id)
    return [
        surplus_out(item)
        for item in SurplusDistribution.objects.filter(cooperative=cooperative).order_by("-year")
    ]


@router.post(
    "/{coop_id}/surplus",
    response={201: CoopSurplusOut, **ERROR_RESPONSES},
    summary="Draft a year's surplus distribution",
)
def draft_surplus(request: HttpRequest, coop_id: ObjectId, body: SurplusDraftIn) -> Status[dict]:
    """The public reserve withheld (rules in force on 31 December), at least the
    patronage share by each member's settled shares that year, the rest by capital. A
    draft of the same year is replaced; a posted one is refused."""
    user = _user(request)
    cooperative = access_cooperative(user, coop_id)
    distribution = surplus.draft_surplus_distribution(
        cooperative, year=body.year, distributable_fen=body.distributable_fen, actor=user
    )
    return Status(201, surplus_out(distribution))


@router.post(
    "/{coop_id}/surplus/{distribution_id}/post",
    response={200: CoopSurplusOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Post a surplus distribution and pay the members",
)
def post_surplus(
    request: HttpRequest,
    coop_id: ObjectId,
    distribution_id: ObjectId,
    idempotency_key: IdempotencyKey,
) -> dict[str, Any]:
    user = _user(request)
    distribution = access_distribution(user, distribution_id, coop_id)
    once = IdempotentRequest.of(idempotency_key, {"action": "post", "surplus": distribution.pk})
    return surplus_out(
        surplus.post_surplus_distribution(distribution, actor=user, idempotent_request=once)
    )
