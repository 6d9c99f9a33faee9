"""Money in and out: recording a payment as received, and refunds, per payment method.

These functions move money and post it to the ledger; what a payment pays for (orders)
is the caller's business: orders.services calls these and then allocates.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.ledger import accounts
from highland.ledger.services import post_entry
from highland.network.models import ServicePoint
from highland.payments.gateway import GatewayClient
from highland.payments.models import Payment, PaymentMethod, PaymentStatus, Refund

BUYER_CLEARING = accounts.BUYER_CLEARING


def cash_account(point: ServicePoint) -> str:
    return accounts.cash_at_point(point.code)


def money_account(payment: Payment) -> str:
    """The asset account the payment's money sits in."""
    if payment.method == PaymentMethod.CASH_AT_POINT:
        assert payment.collected_at is not None
        return cash_account(payment.collected_at)
    if payment.method == PaymentMethod.BANK_TRANSFER:
        return accounts.BANK
    return accounts.GATEWAY


def lock_payment(payment_id: int) -> Payment:
    """The payment row, locked for this transaction: one settlement at a time."""
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("collected_at", "county")
        .get(pk=payment_id)
    )


def record_received(
    payment: Payment,
    *,
    actor: User | None,
    point: ServicePoint | None = None,
    collected_by: User | None = None,
    gateway_trade_no: str = "",
    bank_reference: str = "",
) -> Payment:
    """Mark a locked pending payment paid and post the money as received.

    Call inside a transaction after lock_payment; the caller allocates what it pays for.
    """
    if payment.status != PaymentStatus.PENDING:
        raise ValidationFailed(_("This payment is not awaiting payment."), code="not_pending")
    payment.status = PaymentStatus.PAID
    payment.paid_at = timezone.now()
    fields = ["status", "paid_at"]
    if point is not None:
        payment.collected_at, payment.collected_by = point, collected_by
        fields += ["collected_at", "collected_by"]
    if gateway_trade_no:
        payment.gateway_trade_no = gateway_trade_no
        fields.append("gateway_trade_no")
    if bank_reference:
        payment.bank_reference = bank_reference
        fields.append("bank_reference")
    payment.save(update_fields=fields)
    post_entry(
        payment.county,
        kind="payments.payment.received",
        description=f"Payment {payment.out_trade_no} received ({payment.get_method_display()})",
        lines=[(money_account(payment), payment.amount_fen), (BUYER_CLEARING, -payment.amount_fen)],
        actor=actor,
        reference=payment,
        idempotency_key=f"received:{payment.out_trade_no}",
    )
    return payment


def gateway_client() -> GatewayClient:
    """The configured gateway adapter (the project's sandbox in development and tests)."""
    return GatewayClient(
        settings.PAYMENT_GATEWAY_URL,
        settings.PAYMENT_GATEWAY_MERCHANT,
        settings.PAYMENT_GATEWAY_SECRET,
    )


@transaction.atomic
def refund(
    payment: Payment,
    amount_fen: int,
    *,
    reason: str,
    actor: User | None,
    debit_lines: list[tuple[str, int]],
) -> Refund:
    """Pay `amount_fen` back to the payer by the payment's own method.

    `debit_lines` say whose balances the refund comes out of (they must sum to the
    amount); the money leaves the payment's asset account. Gateway refunds are
    requested from the gateway first, so a refused refund changes nothing here.
    """
    payment = lock_payment(payment.pk)
    if amount_fen <= 0:
        raise ValidationFailed(_("A refund must be more than zero."), field="amount_fen")
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise ValidationFailed(_("Only a paid payment can be refunded."), code="not_paid")
    if payment.refunded_fen + amount_fen > payment.amount_fen:
        raise ValidationFailed(
            _("That is more than is left to refund."), field="amount_fen", code="over_refund"
        )
    if sum(amount for _account, amount in debit_lines) != amount_fen:
        raise ValueError("refund debit lines must sum to the refund")
    out_refund_no = f"R{payment.out_trade_no[1:]}{secrets.randbelow(10**4):04d}"
    if payment.method == PaymentMethod.GATEWAY:
        gateway_client().refund(
            out_trade_no=payment.out_trade_no, out_refund_no=out_refund_no, amount_fen=amount_fen
        )
    refund_record = Refund.objects.create(
        county=payment.county,
        payment=payment,
        amount_fen=amount_fen,
        reason=reason[:200],
        out_refund_no=out_refund_no,
        created_by=actor,
    )
    payment.refunded_fen += amount_fen
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.refunded_fen == payment.amount_fen
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["refunded_fen", "status"])
    post_entry(
        payment.county,
        kind="payments.refund.paid",
        description=f"Refund {out_refund_no} of payment {payment.out_trade_no}: {reason}",
        lines=[*debit_lines, (money_account(payment), -amount_fen)],
        actor=actor,
        reference=refund_record,
    )
    audit.record(
        actor,
        "payments.refund.paid",
        refund_record,
        {"amount_fen": amount_fen, "payment": payment.out_trade_no, "reason": reason},
    )
    return refund_record
