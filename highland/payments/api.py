"""The gateway's side of payments: starting an online payment and its signed notifications."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from highland.core.errors import BadGateway, Unavailable, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import require
from highland.core.schemas import (
    ERROR_RESPONSES,
    IDEMPOTENT_ERROR_RESPONSES,
    ErrorOut,
    FenAmount,
    IdempotencyKey,
    ObjectId,
    PageQuery,
)
from highland.network.access import access_point
from highland.payments import notifications
from highland.payments.access import access_payment, access_refund
from highland.payments.cash import count_cash, expected_cash
from highland.payments.gateway import BadSignature, GatewayError, parse_notification
from highland.payments.models import (
    CashReconciliation,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from highland.payments.purposes import purpose_of
from highland.payments.refunds import confirm_refund_paid
from highland.payments.selectors import refunds_needing_a_person, refunds_to_hand_back
from highland.payments.services import gateway_client

router = Router(tags=["payments"])
logger = logging.getLogger(__name__)


class PayOnlineOut(Schema):
    payment_id: int
    out_trade_no: str
    amount_fen: int
    pay_url: str


class PaymentOut(Schema):
    id: int
    out_trade_no: str
    method: PaymentMethod
    status: PaymentStatus
    amount_fen: int
    refunded_fen: int


@router.get("/{payment_id}", response={200: PaymentOut, **ERROR_RESPONSES})
def get_payment(request: HttpRequest, payment_id: ObjectId) -> dict[str, Any]:
    assert isinstance(request.user, User)
    payment = access_payment(request.user, payment_id)
    return {name: getattr(payment, name) for name in PaymentOut.model_fields if name != "id"} | {
        "id": payment.pk
    }


@router.post(
    "/{payment_id}/pay-online",
    response={200: PayOnlineOut, 502: ErrorOut, 503: ErrorOut, **ERROR_RESPONSES},
)
def pay_online(request: HttpRequest, payment_id: ObjectId) -> dict[str, Any]:
    """Open (or reopen: the gateway is idempotent on our trade number) the gateway's pay page."""
    assert isinstance(request.user, User)
    payment = access_payment(request.user, payment_id)
    require(request.user, "payments.pay_online", payment)
    if payment.method != PaymentMethod.GATEWAY:
        raise ValidationFailed(_("This payment is not paid online."), code="wrong_method")
    if payment.status != PaymentStatus.PENDING:
        raise ValidationFailed(_("This payment is not awaiting payment."), code="not_pending")
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    try:
        charge = gateway_client().create_charge(
            out_trade_no=payment.out_trade_no,
            amount_fen=payment.amount_fen,
            subject=f"Highland {payment.out_trade_no}",
            notify_url=base + reverse("api:gateway_notify"),
            return_url=base + purpose_of(payment).return_path(payment),
        )
    except GatewayError as error:
        # The order and its hold stay as they are: paying again later reopens the same charge.
        logger.warning("pay-online %s: gateway error %s", payment.out_trade_no, error)
        if error.status == 0:
            raise Unavailable(
                _(
                    "The payment service cannot be reached just now. Your order is kept;"
                    " please try again in a few minutes."
                ),
                code="gateway_unavailable",
            ) from error
        raise BadGateway(
            _(
                "The payment service did not accept the payment just now. Your order is kept;"
                " please try again in a few minutes."
            ),
            code="gateway_error",
        ) from error
    return {
        "payment_id": payment.pk,
        "out_trade_no": payment.out_trade_no,
        "amount_fen": payment.amount_fen,
        "pay_url": charge.pay_url,
    }


class RefundOut(Schema):
    id: int
    out_refund_no: str
    payment_id: int
    method: PaymentMethod
    status: RefundStatus
    amount_fen: int
    reason: str
    point_id: int | None
    created_at: dt.datetime
    paid_at: dt.datetime | None


class RefundPaidIn(Schema):
    reference: str = Field("", max_length=64)


def refund_out(refund: Refund) -> dict[str, Any]:
    return {name: getattr(refund, name) for name in RefundOut.model_fields if name != "id"} | {
        "id": refund.pk
    }


@router.get(
    "/points/{point_id}/refunds-to-hand-back", response={200: list[RefundOut], **ERROR_RESPONSES}
)
def list_refunds_to_hand_back(request: HttpRequest, point_id: int) -> list[dict[str, Any]]:
    """Cash the point's agent still has to hand back to buyers, oldest first."""
    assert isinstance(request.user, User)
    point = access_point(request.user, point_id)
    require(request.user, "payments.hand_back_cash", point)
    return [refund_out(refund) for refund in refunds_to_hand_back(point)]


@router.get("/refunds/to-pay-back", response={200: list[RefundOut], **ERROR_RESPONSES})
def list_refunds_needing_a_person(request: HttpRequest) -> list[dict[str, Any]]:
    """Bank refunds to send and gateway refunds that failed, for the centre, oldest first."""
    assert isinstance(request.user, User)
    county = request.user.county
    if county is None:
        return []
    require(request.user, "payments.view_refunds", county)
    return [refund_out(refund) for refund in refunds_needing_a_person(county)[:200]]


@router.post("/refunds/{refund_id}/paid", response={200: RefundOut, **ERROR_RESPONSES})
def confirm_refund(request: HttpRequest, refund_id: int, body: RefundPaidIn) -> dict[str, Any]:
    """The agent handed the cash back, or the centre sent the transfer (with its reference)."""
    assert isinstance(request.user, User)
    refund = access_refund(request.user, refund_id)
    return refund_out(confirm_refund_paid(refund, actor=request.user, reference=body.reference))


# --- a point's cash: end-of-day counts and what was handed over ------------------------------


class CashCountOut(Schema):
    id: int
    point_id: int
    business_date: dt.date
    expected_fen: int = Field(..., description="What the ledger said the point held, in fen")
    counted_fen: int
    handed_over_fen: int = Field(..., description="Taken from the point to the bank")
    difference_fen: int = Field(..., description="Counted − expected: negative is a shortage")
    note: str
    counted_by_id: int
    counted_by_name: str
    created_at: dt.datetime


class PointCashOut(Schema):
    point_id: int
    expected_fen: int = Field(..., description="What the point should hold now, in fen")
    counts: list[CashCountOut] = Field(..., description="Newest first, paged")


class CashCountIn(Schema):
    counted_fen: FenAmount
    handed_over_fen: FenAmount = Field(..., description="At most what was counted")
    note: str = Field("", max_length=200, description="Required when the count differs")


def cash_count_out(record: CashReconciliation) -> dict[str, Any]:
    return {
        "id": record.pk,
        "point_id": record.point_id,
        "business_date": record.business_date,
        "expected_fen": record.expected_fen,
        "counted_fen": record.counted_fen,
        "handed_over_fen": record.handed_over_fen,
        "difference_fen": record.difference_fen,
        "note": record.note,
        "counted_by_id": record.counted_by_id,
        "counted_by_name": str(record.counted_by.display_name or record.counted_by.username),
        "created_at": record.created_at,
    }


@router.get(
    "/points/{point_id}/cash",
    response={200: PointCashOut, **ERROR_RESPONSES},
    summary="A point's cash and its counts",
)
def point_cash(request: HttpRequest, point_id: ObjectId, page: Query[PageQuery]) -> dict[str, Any]:
    """What the point should hold now, and its end-of-day counts and handovers, newest
    first: for the point's agents and the centre's operators."""
    assert isinstance(request.user, User)
    point = access_point(request.user, point_id)
    require(request.user, "payments.reconcile_cash", point)
    counts = point.cash_reconciliations.select_related("counted_by").order_by(
        "-business_date", "-created_at", "-pk"
    )[page.offset : page.offset + page.limit]
    return {
        "point_id": point.pk,
        "expected_fen": expected_cash(point),
        "counts": [cash_count_out(record) for record in counts],
    }


@router.post(
    "/points/{point_id}/cash-counts",
    response={201: CashCountOut, 200: CashCountOut, **IDEMPOTENT_ERROR_RESPONSES},
    summary="Count the day's cash and hand it over",
)
def create_cash_count(
    request: HttpRequest,
    point_id: ObjectId,
    payload: CashCountIn,
    idempotency_key: IdempotencyKey,
) -> Status[dict[str, Any]]:
    """The day's count at the point, as on the cash page: a difference from what is
    expected is posted as a shortage or overage (say why in `note`), and
    `handed_over_fen` moves from the point to the bank. One count per point and day.
    Repeat the same request with the same Idempotency-Key and the first count comes
    back (200)."""
    once = IdempotentRequest.of(idempotency_key, {"point_id": point_id, "payload": payload})
    assert isinstance(request.user, User)
    point = access_point(request.user, point_id)
    result = count_cash(
        point,
        actor=request.user,
        counted_fen=payload.counted_fen,
        handed_over_fen=payload.handed_over_fen,
        note=payload.note,
        idempotent_request=once,
    )
    return Status(201 if result.created else 200, cash_count_out(result.record))


@router.post("/gateway/notify", auth=None, url_name="gateway_notify", include_in_schema=False)
def gateway_notify(request: HttpRequest) -> HttpResponse:
    """The gateway's asynchronous notification. Verified by signature before anything is
    stored, answered `success` once handled; the same notification again (the gateway
    retries) is answered from its record and pays nothing twice."""
    body = request.body
    try:
        notification = parse_notification(body, settings.PAYMENT_GATEWAY_SECRET)
    except (BadSignature, ValueError) as error:
        bad_signature = isinstance(error, BadSignature)
        notifications.count_unverified(
            "bad_signature" if bad_signature else "malformed",
            remote_address=request.META.get("REMOTE_ADDR", ""),
        )
        message = "bad signature" if bad_signature else "malformed notification"
        return HttpResponse(message, status=400, content_type="text/plain")
    answer = notifications.receive_notification(notification, body)
    return HttpResponse(answer.text, status=answer.status_code, content_type="text/plain")
