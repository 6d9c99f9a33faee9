"""API: seller statements and payouts (`/sellers/`), settlement runs (`/settlements/`).

The same services as the settlement and statement pages: `settlement.statement_for`,
`settlement.settle_sellers`, with the same rules (`may_see_seller_money`,
`orders.run_settlement`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from highland.catalog.models import Seller
from highland.core.access import home_county
from highland.core.idempotency import IdempotentRequest
from highland.core.permissions import require
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    IdempotencyKey,
    ObjectId,
    PageQuery,
    PeriodDate,
)
from highland.orders import settlement
from highland.orders.api.common import _user
from highland.orders.api.statements import StatementOut
from highland.orders.models import Payout, PayoutStatus
from highland.orders.settlement import HoldReason

sellers_router = Router(tags=["settlement"])
settlements_router = Router(tags=["settlement"])


class PayoutListOut(Schema):
    id: int
    seller_id: int
    seller_name: str = Field(..., description="In the reader's language")
    created_at: datetime
    status: PayoutStatus
    amount_fen: int = Field(..., description="Paid to the seller, in fen")
    goods_fen: int
    commission_fen: int
    adjustment_fen: int
    refunds_fen: int
    debt_recovered_fen: int = Field(..., description="Debt from refunds after payouts, taken out")
    order_count: int
    returned_at: datetime | None
    return_reason: str


class PayoutFilters(Schema):
    status: PayoutStatus | None = None
    seller_id: ObjectId | None = None


class SettlementsOut(Schema):
    due_order_count: int = Field(..., description="Orders the next run would pay out")
    bank_fen: int = Field(..., description="What the bank account payouts leave from holds")
    payouts: list[PayoutListOut] = Field(..., description="Newest first, paged")


class HeldPayoutOut(Schema):
    seller_id: int
    amount_fen: int
    reason: HoldReason
    message: str


class SettlementRunOut(Schema):
    created: bool = Field(..., description="False when the same request was answered again")
    total_fen: int
    payouts: list[PayoutListOut]
    held: list[HeldPayoutOut] = Field(..., description="Sellers with due orders not paid now")


def payout_list_out(payout: Payout) -> dict[str, Any]:
    data = {
        name: getattr(payout, name)
        for name in PayoutListOut.model_fields
        if name not in ("id", "seller_name")
    }
    return {**data, "id": payout.pk, "seller_name": payout.seller.name}


# --- a seller's statements and payouts -------------------------------------------------------


@sellers_router.get(
    "/{seller_id}/statements",
    response={200: StatementOut, **ERROR_RESPONSES},
    summary="A seller's statement for a period",
)
def seller_statement(
    request: HttpRequest,
    seller_id: ObjectId,
    start: PeriodDate | None = None,
    end: PeriodDate | None = None,
) -> dict[str, Any]:
    """Orders paid in [start, end] (default: this month to today), what each earned after
    commission, weight adjustments and after-sale refunds, and the payouts of the period.
    For the seller's own staff, managers and accountants, the agent representing a
    household seller, and the centre's operators; 404 for anyone else."""
    statement = settlement.statement_for(_user(request), seller_id, start=start, end=end)
    seller = statement.pop("seller")
    assert isinstance(seller, Seller)
    return {"seller_id": seller.pk, "seller_name": seller.name, **statement}


@sellers_router.get(
    "/{seller_id}/payouts",
    response={200: list[PayoutListOut], **ERROR_RESPONSES},
    summary="A seller's payouts",
)
def seller_payouts(
    request: HttpRequest,
    seller_id: ObjectId,
    page: Query[PageQuery],
    status: PayoutStatus | None = None,
) -> list[dict[str, Any]]:
    """The seller's payouts, newest first, for the same people as the statement."""
    seller = settlement.access_seller_money(_user(request), seller_id)
    payouts = Payout.objects.filter(county=seller.county, seller=seller).select_related("seller")
    if status:
        payouts = payouts.filter(status=status)
    payouts = payouts.order_by("-created_at", "-pk")
    return [payout_list_out(payout) for payout in payouts[page.offset : page.offset + page.limit]]


# --- settlement runs ----------------------------------------------------------------------


@settlements_router.get(
    "/",
    response={200: SettlementsOut, **ERROR_RESPONSES},
    summary="Payouts and what is due",
)
def list_settlements(
    request: HttpRequest, filters: Query[PayoutFilters], page: Query[PageQuery]
) -> dict[str, Any]:
    """For the centre's operators: how many orders are due, what the bank holds for
    payouts, and the county's payouts (by status or seller), newest first."""
    user = _user(request)
    county = home_county(user)
    require(user, "orders.run_settlement", county)
    payouts = Payout.objects.filter(county=county).select_related("seller")
    if filters.status:
        payouts = payouts.filter(status=filters.status)
    if filters.seller_id:
        payouts = payouts.filter(seller_id=filters.seller_id)
    payouts = payouts.order_by("-created_at", "-pk")
    return {
        "due_order_count": settlement.due_orders(county, as_of=timezone.now()).count(),
        "bank_fen": settlement.bank_balance(county),
        "payouts": [
            payout_list_out(payout) for payout in payouts[page.offset : page.offset + page.limit]
        ],
    }


@settlements_router.post(
    "/run",
    response={201: SettlementRunOut, 200: SettlementRunOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Run settlement now",
)
def run_settlement(request: HttpRequest, idempotency_key: IdempotencyKey) -> Status[dict[str, Any]]:
    """Pay every seller with due orders, as the settlement page's button does; sellers
    whose debt or the bank's balance stops a payout are listed in `held`. Repeat the same
    request with the same Idempotency-Key and the first run comes back (200)."""
    once = IdempotentRequest.of(idempotency_key, {"action": "run"})
    user = _user(request)
    run = settlement.settle_sellers(home_county(user), actor=user, idempotent_request=once)
    sellers = {
        seller.pk: seller
        for seller in Seller.objects.filter(pk__in=[payout.seller_id for payout in run.payouts])
    }
    for payout in run.payouts:
        payout.seller = sellers[payout.seller_id]
    body = {
        "created": run.created,
        "total_fen": run.total_fen,
        "payouts": [payout_list_out(payout) for payout in run.payouts],
        "held": [
            {
                "seller_id": held.seller_id,
                "amount_fen": held.amount_fen,
                "reason": held.reason,
                "message": held.message,
            }
            for held in run.held
        ],
    }
    return Status(201 if run.created else 200, body)
