"""API: seller statements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema

from highland.catalog.models import Seller
from highland.core.schemas import (
    ERROR_RESPONSES,
    ObjectId,
    PeriodDate,
)
from highland.orders import settlement
from highland.orders.access import access_payout
from highland.orders.api.common import _user, router
from highland.orders.models import OrderStatus, PayoutStatus

# --- seller statements -------------------------------------------------------------------------


class StatementOrderOut(Schema):
    id: int
    number: str
    status: OrderStatus
    paid_at: datetime | None
    items_fen: int
    commission_fen: int
    adjustment_fen: int
    aftersale_refunds_fen: int = Field(..., description="Refunded to the buyer after sale")
    earned_fen: int = Field(..., description="Goods − commission + adjustments − refunds")


class PayoutOut(Schema):
    id: int
    created_at: datetime
    amount_fen: int
    goods_fen: int
    commission_fen: int
    adjustment_fen: int
    refunds_fen: int
    debt_recovered_fen: int = Field(..., description="Debt from refunds after payouts, taken out")
    order_count: int


class StatementOut(Schema):
    seller_id: int
    seller_name: str
    start: date
    end: date
    goods_fen: int
    commission_fen: int
    adjustment_fen: int
    refunds_fen: int
    earned_fen: int
    paid_out_fen: int
    debt_recovered_fen: int = Field(..., description="Taken out of the period's payouts")
    debt_carried_fen: int = Field(
        ..., description="Owed by the seller now (refunds after payouts), recovered next"
    )
    orders: list[StatementOrderOut]
    payouts: list[PayoutOut]


@router.get("/statements/{seller_id}", response={200: StatementOut, **ERROR_RESPONSES})
def seller_statement(
    request: HttpRequest,
    seller_id: ObjectId,
    start: PeriodDate | None = None,
    end: PeriodDate | None = None,
) -> dict[str, Any]:
    """A seller's statement: orders paid in [start, end] (default: this month to today),
    what each earned after commission, weight adjustments and after-sale refunds, and
    the payouts made in the period. For the seller's own people and the operators."""
    statement = settlement.statement_for(_user(request), seller_id, start=start, end=end)
    seller = statement.pop("seller")
    assert isinstance(seller, Seller)
    return {"seller_id": seller.pk, "seller_name": seller.name, **statement}


# --- payouts -----------------------------------------------------------------------------------


class PayoutReturnedIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class PayoutStatusOut(Schema):
    id: int
    seller_id: int
    amount_fen: int
    status: PayoutStatus
    returned_at: datetime | None
    return_reason: str


@router.post("/payouts/{payout_id}/returned", response={200: PayoutStatusOut, **ERROR_RESPONSES})
def payout_returned(
    request: HttpRequest, payout_id: ObjectId, payload: PayoutReturnedIn
) -> dict[str, Any]:
    """The bank sent a payout back: the seller is owed it again and its orders are due."""
    user = _user(request)
    payout = settlement.return_payout(
        access_payout(user, payout_id), actor=user, reason=payload.reason
    )
    return {
        "id": payout.pk,
        "seller_id": payout.seller_id,
        "amount_fen": payout.amount_fen,
        "status": payout.status,
        "returned_at": payout.returned_at,
        "return_reason": payout.return_reason,
    }
