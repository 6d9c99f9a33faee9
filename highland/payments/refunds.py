"""Refunds: requested inside the business transaction, paid back after it.

`request_refund` records what is owed (ledger `Dr <source> / Cr RefundsDue`) with a
deterministic refund number and emits `payments.refund.requested`. Gateway refunds are
then sent by the outbox (`send_gateway_refund`, retried with back-off until the gateway
answers; the gateway refunds one number once), and `Dr RefundsDue / Cr Assets:Gateway` is
posted when it succeeds. Cash refunds are a task for the point's agent, bank refunds for
a centre operator: each confirms with `confirm_refund_paid`, which posts the money leaving.
No business action waits for the gateway.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from highland.core import audit, events
from highland.core.errors import Conflict, ValidationFailed
from highland.core.models import User
from highland.core.money import format_fen
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.services import post_entry
from highland.messaging.kinds import MessageKind, register_kind
from highland.messaging.services import language_for, queue_text_message
from highland.payments import postings
from highland.payments.gateway import GatewayError
from highland.payments.models import (
    PAYMENT_MACHINE,
    REFUND_MACHINE,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from highland.payments.services import cash_account, gateway_client, lock_payment

REFUND_REQUESTED = "payments.refund.requested"
# Gateway answers that will not change on a retry: the refund fails for an operator to see.
DEFINITIVE_GATEWAY_STATUSES = frozenset({400, 404, 409})


def refund_number(payment: Payment, sequence: int) -> str:
    """The payment's `sequence`-th refund number: the same on every retry of a delivery."""
    return f"R{payment.out_trade_no[1:]}N{sequence:02d}"


@transaction.atomic
def request_refund(
    payment: Payment,
    amount_fen: int,
    *,
    reason: str,
    reason_key: str,
    actor: User | None,
    debit_lines: list[tuple[str, int]],
) -> Refund:
    """Owe `amount_fen` back to the payer, to be paid by the payment's own method after
    commit. `debit_lines` say whose balances it comes out of (they sum to the amount).

    One refund per payment and `reason_key`: asking again for the same reason and amount
    returns the first refund; a different amount is a Conflict.
    """
    payment = lock_payment(payment.pk)
    existing = payment.refunds.filter(reason_key=reason_key).first()
    if existing is not None:
        if existing.amount_fen != amount_fen:
            raise Conflict(
                _("This refund was already requested with another amount."),
                code="refund_conflict",
            )
        return existing
    if amount_fen <= 0:
        raise ValidationFailed(_("A refund must be more than zero."), field="amount_fen")
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise ValidationFailed(_("Only a paid payment can be refunded."), code="not_paid")
    if payment.refunded_fen + amount_fen > payment.amount_fen:
        raise ValidationFailed(
            _("That is more than is left to refund."), field="amount_fen", code="over_refund"
        )
    lines = postings.refund_requested(debit_lines, amount_fen)
    refund = Refund.objects.create(
        county=payment.county,
        payment=payment,
        method=payment.method,
        amount_fen=amount_fen,
        reason=reason[:200],
        reason_key=reason_key[:80],
        out_refund_no=refund_number(payment, payment.refunds.count() + 1),
        point=payment.collected_at if payment.method == PaymentMethod.CASH_AT_POINT else None,
        created_by=actor,
    )
    payment.refunded_fen += amount_fen
    fields = PAYMENT_MACHINE.move(
        payment,
        PaymentStatus.REFUNDED
        if payment.refunded_fen == payment.amount_fen
        else PaymentStatus.PARTIALLY_REFUNDED,
    )
    payment.save(update_fields=[*fields, "refunded_fen"])
    post_entry(
        payment.county,
        kind="payments.refund.requested",
        memo_code=postings.MEMO_REFUND_REQUESTED,
        memo_params={
            "refund": refund.out_refund_no,
            "payment": payment.out_trade_no,
            "reason": reason,
        },
        lines=lines,
        actor=actor,
        reference=refund,
        idempotency_key=f"refund-requested:{refund.out_refund_no}",
    )
    audit.record(
        actor,
        "payments.refund.requested",
        refund,
        {"amount_fen": amount_fen, "payment": payment.out_trade_no, "reason": reason},
    )
    events.emit(
        REFUND_REQUESTED,
        {"refund": refund.pk},
        county=payment.county,
        key=f"{REFUND_REQUESTED}:{refund.out_refund_no}",
    )
    return refund


def _locked_refund(refund: Refund) -> Refund:
    """Payment first, then the refund: the money paths' lock order."""
    payment = lock_payment(refund.payment_id)
    locked = (
        Refund.objects.select_for_update(of=("self",)).select_related("point").get(pk=refund.pk)
    )
    locked.payment = payment
    return locked


def _mark_paid(
    refund: Refund, *, money_account: str, actor: User | None, **details: str | User
) -> None:
    fields = REFUND_MACHINE.move(refund, RefundStatus.PAID)
    for name, value in details.items():
        setattr(refund, name, value)
    refund.save(update_fields=[*fields, *details])
    post_entry(
        refund.county,
        kind="payments.refund.paid",
        memo_code=postings.MEMO_REFUND_PAID,
        memo_params={"refund": refund.out_refund_no},
        lines=postings.refund_paid(money_account, refund.amount_fen),
        actor=actor,
        reference=refund,
        idempotency_key=f"refund-paid:{refund.out_refund_no}",
    )
    audit.record(
        actor,
        "payments.refund.paid",
        refund,
        {"amount_fen": refund.amount_fen, "method": refund.method},
    )
    _queue_refund_notice(refund, actor=actor)


REFUND_NOTICE = "payments.refund_paid"


def register_kinds() -> None:
    """Called from `PaymentsConfig.ready()`."""
    register_kind(
        MessageKind(
            REFUND_NOTICE,
            gettext_noop(
                "Highland: %(amount)s has been refunded to you (%(method)s, refund %(number)s)."
            ),
        )
    )


def _queue_refund_notice(refund: Refund, *, actor: User | None) -> None:
    """Text the payer that the refund was paid back. Call inside the refund's transaction."""
    payer = refund.payment.payer
    if not payer.phone:
        return
    with translation.override(language_for(payer, None)):
        method = str(PaymentMethod(refund.method).label)
    queue_text_message(
        refund.county,
        phone=payer.phone,
        person=payer,
        kind=REFUND_NOTICE,
        params={
            "amount": format_fen(refund.amount_fen),
            "method": method,
            "number": refund.out_refund_no,
        },
        dedupe_key=f"payments.refund_paid:{refund.out_refund_no}",
        actor=actor,
    )


def send_gateway_refund(event: events.Event) -> None:
    """Outbox: ask the gateway to pay a requested refund back, under its own number.

    Runs outside any transaction. A network error or a 5xx is raised (retried with
    back-off); a definitive refusal marks the refund failed. If this worker dies after the
    gateway's answer, the retry asks again with the same number and the gateway answers
    the same refund without paying twice.
    """
    refund = Refund.objects.select_related("payment").get(pk=event.payload["refund"])
    if refund.method != PaymentMethod.GATEWAY or refund.status != RefundStatus.REQUESTED:
        return
    try:
        answer = gateway_client().refund(
            out_trade_no=refund.payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            amount_fen=refund.amount_fen,
        )
    except GatewayError as error:
        if error.status not in DEFINITIVE_GATEWAY_STATUSES:
            raise
        _mark_failed(refund, str(error))
        raise events.DeliveryRefused(str(error)) from error
    with transaction.atomic():
        refund = _locked_refund(refund)
        if refund.status == RefundStatus.REQUESTED:
            _mark_paid(
                refund,
                money_account=accounts.GATEWAY,
                actor=None,
                gateway_refund_id=answer.refund_id,
            )


@transaction.atomic
def _mark_failed(refund: Refund, error: str) -> None:
    refund = _locked_refund(refund)
    if refund.status != RefundStatus.REQUESTED:
        return
    fields = REFUND_MACHINE.move(refund, RefundStatus.FAILED)
    refund.last_error = error[:500]
    refund.save(update_fields=[*fields, "last_error"])
    audit.record(None, "payments.refund.failed", refund, {"error": error[:500]})


@transaction.atomic
def confirm_refund_paid(refund: Refund, *, actor: User, reference: str = "") -> Refund:
    """A person paid a refund back: the point's agent handed back the cash, or a centre
    operator sent the bank transfer (with its reference)."""
    refund = _locked_refund(refund)
    if refund.method == PaymentMethod.CASH_AT_POINT:
        require(actor, "payments.hand_back_cash", refund.point)
        assert refund.point is not None
        account = cash_account(refund.point)
    elif refund.method == PaymentMethod.BANK_TRANSFER:
        require(actor, "payments.confirm_transfer", refund.county)
        reference = reference.strip()
        if not reference:
            raise ValidationFailed(
                _("Enter the bank's reference for the transfer."), field="reference"
            )
        account = accounts.BANK
    else:
        require(actor, "payments.confirm_transfer", refund.county)
        raise ValidationFailed(
            _("Online refunds are paid back by the gateway."), code="wrong_method"
        )
    if refund.status != RefundStatus.REQUESTED:
        raise ValidationFailed(_("This refund is not waiting to be paid."), code="not_requested")
    _mark_paid(refund, money_account=account, actor=actor, paid_by=actor, paid_reference=reference)
    return refund
