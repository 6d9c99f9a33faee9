"""The gateway's side of payments: starting an online payment and its signed notifications."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from highland.core.errors import BadGateway, Unavailable, ValidationFailed
from highland.core.models import User
from highland.core.schemas import ERROR_RESPONSES, ErrorOut, ObjectId
from highland.orders import services as order_services
from highland.orders.access import access_payment
from highland.payments.gateway import BadSignature, GatewayError, parse_notification
from highland.payments.models import GatewayNotification, Payment, PaymentMethod, PaymentStatus
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
            return_url=base + "/",
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


@router.post("/gateway/notify", auth=None, url_name="gateway_notify", include_in_schema=False)
def gateway_notify(request: HttpRequest) -> HttpResponse:
    """The gateway's asynchronous notification. Verified by signature, answered `success`
    once handled; the same notification again (the gateway retries) pays nothing twice."""
    body = request.body
    try:
        notification = parse_notification(body, settings.PAYMENT_GATEWAY_SECRET)
    except (BadSignature, ValueError) as error:
        _record(body, None, signature_valid=False, outcome="bad_signature")
        message = "bad signature" if isinstance(error, BadSignature) else "malformed notification"
        return HttpResponse(message, status=400, content_type="text/plain")
    payment = Payment.objects.filter(out_trade_no=notification.out_trade_no).first()
    if payment is None or notification.merchant_id != settings.PAYMENT_GATEWAY_MERCHANT:
        _record(
            body,
            None,
            signature_valid=True,
            outcome="unknown_payment",
            notify_id=notification.notify_id,
        )
        return HttpResponse("unknown payment", status=422, content_type="text/plain")
    if notification.event == "charge.succeeded":
        try:
            paid_now = order_services.settle_gateway_payment(
                payment,
                gateway_trade_no=notification.gateway_trade_no,
                amount_fen=notification.amount_fen,
            )
        except ValidationFailed as error:
            _record(
                body,
                payment,
                signature_valid=True,
                outcome=error.code,
                notify_id=notification.notify_id,
            )
            return HttpResponse(error.message, status=422, content_type="text/plain")
        outcome = "paid" if paid_now else "replay"
    else:
        # Refunds are recorded when we ask for them; their notice only confirms.
        outcome = "acknowledged"
    _record(
        body,
        payment,
        signature_valid=True,
        outcome=outcome,
        notify_id=notification.notify_id,
        event=notification.event,
    )
    return HttpResponse("success", content_type="text/plain")


@transaction.atomic
def _record(
    body: bytes,
    payment: Payment | None,
    *,
    signature_valid: bool,
    outcome: str,
    notify_id: str = "",
    event: str = "",
) -> None:
    try:
        event = event or str(json.loads(body).get("event", ""))[:40]
    except (ValueError, AttributeError, RecursionError):
        event = event or ""
    GatewayNotification.objects.create(
        county=payment.county if payment else None,
        payment=payment,
        notify_id=notify_id[:80],
        event=event[:40],
        signature_valid=signature_valid,
        outcome=outcome,
        body=body.decode("utf-8", errors="replace")[:10_000],
    )
