"""The gateway's notifications, once verified: handled once per notify_id, kept for operators.

What fails verification is never stored (the URL is open to anyone): it only raises a
per-day count in the cache and writes a warning to the log.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from highland.core import idempotency
from highland.core.errors import DomainError
from highland.core.idempotency import IdempotentRequest
from highland.payments import services as payment_services
from highland.payments.gateway import Notification
from highland.payments.models import GatewayNotification, Payment

logger = logging.getLogger(__name__)

SCOPE = "payments.gateway.notification"
SUCCESS = "success"
# Long enough for an operator to read yesterday's count in the morning.
COUNT_DAYS = 3


@dataclass(frozen=True)
class Answer:
    """What the gateway is told: `success` (200) ends its retries, anything else continues them."""

    status_code: int
    text: str


def _count_key(day: dt.date) -> str:
    return f"payments:gateway:unverified:{day.isoformat()}"


def count_unverified(reason: str, *, remote_address: str) -> None:
    """Count and log a notification that failed verification (bad signature, malformed)."""
    key = _count_key(timezone.localdate())
    timeout = COUNT_DAYS * 24 * 3600
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=timeout)
    logger.warning("Unverified gateway notification refused (%s) from %s", reason, remote_address)


def unverified_count(day: dt.date) -> int:
    """How many notifications failed verification on `day` (kept for COUNT_DAYS days)."""
    return int(cache.get(_count_key(day), 0))


def reset_unverified_count(day: dt.date) -> None:
    cache.delete(_count_key(day))


def _facts(notification: Notification) -> dict[str, object]:
    """What a notification says, without what changes on every delivery (timestamp, nonce)."""
    return {
        "event": notification.event,
        "out_trade_no": notification.out_trade_no,
        "gateway_trade_no": notification.gateway_trade_no,
        "amount_fen": notification.amount_fen,
        "paid_at": notification.paid_at,
        "out_refund_no": notification.out_refund_no,
        "refund_id": notification.refund_id,
        "refunded_fen": notification.refunded_fen,
        "refunded_at": notification.refunded_at,
    }


class UnknownPayment(DomainError):
    """Signed with our secret, but for no payment of ours: refused, and kept for operators."""

    status_code = 422
    code = "unknown_payment"


def receive_notification(notification: Notification, body: bytes) -> Answer:
    """Handle a verified notification once per notify_id, and keep it for operators.

    The same notification again (the gateway retries) is answered from its idempotency
    record without being handled again; the same notify_id with other facts is a 409. A
    refusal keeps the notification but not the answer, so a retry is judged afresh.
    """
    payment = Payment.objects.filter(out_trade_no=notification.out_trade_no).first()
    try:
        if payment is None or notification.merchant_id != settings.PAYMENT_GATEWAY_MERCHANT:
            # The gateway's machine reads this answer, not a person: not translated.
            raise UnknownPayment("unknown payment")
        with transaction.atomic():
            claim = idempotency.claim(
                SCOPE,
                caller=f"gateway:{notification.merchant_id}",
                request=IdempotentRequest.of(notification.notify_id, _facts(notification)),
            )
            if claim.replayed:
                stored = claim.record.body or {}
                return Answer(claim.record.status_code or 200, str(stored.get("text", SUCCESS)))
            outcome = _handle(notification, payment)
            _keep(notification, body, payment, outcome)
            claim.complete(status_code=200, body={"text": SUCCESS})
            return Answer(200, SUCCESS)
    except DomainError as error:
        with transaction.atomic():
            _keep(notification, body, payment, error.code)
        return Answer(error.status_code, error.message)


def _handle(notification: Notification, payment: Payment) -> str:
    if notification.event != "charge.succeeded":
        # Refunds are recorded when we ask for them; their notice only confirms.
        return "acknowledged"
    paid_now = payment_services.receive_gateway_payment(
        payment,
        gateway_trade_no=notification.gateway_trade_no,
        amount_fen=notification.amount_fen,
    )
    return "paid" if paid_now else "replay"


def _keep(notification: Notification, body: bytes, payment: Payment | None, outcome: str) -> None:
    GatewayNotification.objects.create(
        county=payment.county if payment else None,
        payment=payment,
        notify_id=notification.notify_id[:80],
        event=notification.event[:40],
        signature_valid=True,
        outcome=outcome[:40],
        body=body.decode("utf-8", errors="replace")[:10_000],
    )
