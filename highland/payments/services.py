"""A payment's lifecycle: received (cash, transfer, gateway), expired, closed, reconciled.

What a payment pays for registers a purpose (`payments.purposes`); these services call its
hooks and never import the app behind it. Refunds are in `payments.refunds`.

Lock order for every money path (docs/architecture.md): the payment row first, then what
it pays for (orders, in primary-key order), then stock (SKUs, by their conditional UPDATE
in SKU order). Each service here locks the payment before any hook runs.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit, events
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.services import post_entry
from highland.network.models import ServicePoint
from highland.network.services import require_active_point
from highland.payments import postings
from highland.payments.gateway import ChargeStatus, GatewayClient, GatewayError
from highland.payments.models import PAYMENT_MACHINE, Payment, PaymentMethod, PaymentStatus
from highland.payments.purposes import purpose_of

logger = logging.getLogger(__name__)

PAYMENT_CLOSED = "payments.payment.closed"
RECEIVED_STATUSES = (
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
# Reconciliation asks the gateway about payments closed this recently, too: money the
# buyer paid after our hold ran out must be found even if its notification was lost.
RECONCILE_CLOSED_WITHIN = dt.timedelta(days=3)


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
    """The payment row, locked for this transaction: always the first lock of a money path."""
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("collected_at", "county")
        .get(pk=payment_id)
    )


def gateway_client() -> GatewayClient:
    """The configured gateway adapter (the project's sandbox in development and tests)."""
    return GatewayClient(
        settings.PAYMENT_GATEWAY_URL,
        settings.PAYMENT_GATEWAY_MERCHANT,
        settings.PAYMENT_GATEWAY_SECRET,
    )


# --- receiving -----------------------------------------------------------------------------


def _receive(
    payment: Payment,
    *,
    actor: User | None,
    point: ServicePoint | None = None,
    collected_by: User | None = None,
    gateway_trade_no: str = "",
    bank_reference: str = "",
) -> int:
    """Post the money of a locked payment as received and hand it to its purpose; returns
    the fen refunded because nothing could take them. Call inside the transaction."""
    from highland.payments.refunds import request_refund

    late = payment.status in (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED)
    purpose = purpose_of(payment)
    # Before the status moves: the purpose sees which kind of closed payment this was.
    honoured = not late or (payment.status == PaymentStatus.EXPIRED and purpose.reinstate(payment))
    fields = PAYMENT_MACHINE.move(payment, PaymentStatus.PAID)
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
        memo_code=postings.MEMO_RECEIVED,
        memo_params={"payment": payment.out_trade_no, "method": payment.method},
        lines=postings.received(money_account(payment), payment.amount_fen),
        actor=actor,
        reference=payment,
        idempotency_key=f"received:{payment.out_trade_no}",
    )
    unallocated = purpose.on_received(payment, actor) if honoured else payment.amount_fen
    if unallocated:
        request_refund(
            payment,
            unallocated,
            reason="paid for nothing that can still be delivered",
            reason_key="unallocated",
            actor=actor,
            debit_lines=[(accounts.BUYER_CLEARING, unallocated)],
        )
    return unallocated


def _require_pending(payment: Payment, method: str) -> None:
    if payment.method != method:
        raise ValidationFailed(_("This payment is not paid this way."), code="wrong_method")
    if payment.status != PaymentStatus.PENDING:
        raise ValidationFailed(_("This payment is not awaiting payment."), code="not_pending")


@transaction.atomic
def receive_cash(payment: Payment, *, agent: User, point: ServicePoint) -> Payment:
    """An agent takes the cash for a payment at their point; what it pays for is paid."""
    require(agent, "payments.collect_cash", point)
    require_active_point(point)
    payment = lock_payment(payment.pk)
    _require_pending(payment, PaymentMethod.CASH_AT_POINT)
    purpose_of(payment).check_cash_point(payment, point)
    _receive(payment, actor=agent, point=point, collected_by=agent)
    audit.record(
        agent,
        "payments.payment.cash_collected",
        payment,
        {"amount_fen": payment.amount_fen, "point": point.code},
        on_behalf_of=payment.payer if payment.payer_id != agent.pk else None,
    )
    return payment


@transaction.atomic
def confirm_bank_transfer(payment: Payment, *, actor: User, bank_reference: str) -> Payment:
    """A centre operator confirms the transfer arrived on the platform's account, in time
    or after the hold ran out."""
    require(actor, "payments.confirm_transfer", payment.county)
    bank_reference = bank_reference.strip()
    if not bank_reference:
        raise ValidationFailed(
            _("Enter the bank's reference for the transfer."), field="bank_reference"
        )
    payment = lock_payment(payment.pk)
    if payment.method != PaymentMethod.BANK_TRANSFER:
        raise ValidationFailed(_("This payment is not paid this way."), code="wrong_method")
    if payment.status in RECEIVED_STATUSES:
        raise ValidationFailed(_("This payment is not awaiting payment."), code="not_pending")
    # A transfer that arrives after the hold ran out is money received all the same: as
    # with a late online payment, the orders are honoured if their stock can still be
    # held, otherwise the whole amount is refunded (a task for the operator).
    was = payment.status
    refunded = _receive(payment, actor=actor, bank_reference=bank_reference)
    audit.record(
        actor,
        "payments.payment.transfer_confirmed",
        payment,
        {
            "amount_fen": payment.amount_fen,
            "bank_reference": bank_reference,
            "late": was != PaymentStatus.PENDING,
            "refunded_fen": refunded,
        },
    )
    return payment


@transaction.atomic
def receive_gateway_payment(payment: Payment, *, gateway_trade_no: str, amount_fen: int) -> bool:
    """The gateway says the payment succeeded. Returns False when it was received already,
    so the same notification ten times pays once.

    A payment that expired or was cancelled is received all the same: the money is
    posted, and what it paid for is honoured if its stock can still be held, otherwise
    the whole amount is refunded (after commit, through the gateway).
    """
    payment = lock_payment(payment.pk)
    if payment.status in RECEIVED_STATUSES:
        return False
    if payment.method != PaymentMethod.GATEWAY:
        raise ValidationFailed(_("This payment is not paid online."), code="wrong_method")
    if amount_fen != payment.amount_fen:
        raise ValidationFailed(
            _("The paid amount does not match the payment."), code="amount_mismatch"
        )
    was = payment.status
    refunded = _receive(payment, actor=None, gateway_trade_no=gateway_trade_no)
    audit.record(
        None,
        "payments.payment.gateway_paid",
        payment,
        {
            "amount_fen": amount_fen,
            "gateway_trade_no": gateway_trade_no,
            "late": was != PaymentStatus.PENDING,
            "refunded_fen": refunded,
        },
    )
    return True


# --- expiring and closing --------------------------------------------------------------------


def close_unpaid_payment(payment: Payment, *, actor: User | None, expired: bool) -> None:
    """Close a locked pending payment whose purpose is gone (expired or cancelled), and
    close its charge at the gateway after commit. Call inside the transaction."""
    new_status = PaymentStatus.EXPIRED if expired else PaymentStatus.CANCELLED
    fields = PAYMENT_MACHINE.move(payment, new_status)
    payment.save(update_fields=fields)
    audit.record(actor, f"payments.payment.{new_status}", payment, {})
    if payment.method == PaymentMethod.GATEWAY:
        events.emit(
            PAYMENT_CLOSED,
            {"payment": payment.pk},
            county=payment.county,
            key=f"{PAYMENT_CLOSED}:{payment.pk}",
        )


def expire_payments(*, now: dt.datetime | None = None) -> int:
    """Close pending payments whose hold ran out: their purpose cancels what they were for
    and gives the stock back. Returns how many expired. One transaction per payment;
    a payment another transaction holds (being paid right now) is left for the next run."""
    from highland.payments.purposes import all_purposes

    now = now or timezone.now()
    due = sorted({pk for purpose in all_purposes() for pk in purpose.due_for_expiry(now)})
    expired = 0
    for payment_id in due:
        with transaction.atomic():
            payment = (
                Payment.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("county")
                .filter(pk=payment_id, status=PaymentStatus.PENDING)
                .first()
            )
            if payment is None:
                continue
            purpose_of(payment).on_expired(payment, now)
            close_unpaid_payment(payment, actor=None, expired=True)
            expired += 1
    return expired


def close_gateway_charge(event: events.Event) -> None:
    """Outbox: close the charge of an expired or cancelled payment at the gateway, so the
    buyer can no longer pay it. If the buyer paid first, receive the payment now."""
    payment = Payment.objects.get(pk=event.payload["payment"])
    if payment.status != PaymentStatus.EXPIRED and payment.status != PaymentStatus.CANCELLED:
        return  # received meanwhile: nothing to close
    try:
        gateway_client().close_charge(payment.out_trade_no)
    except GatewayError as error:
        if error.status == 404:
            return  # the buyer never opened the pay page: nothing to close
        if error.code == "charge_not_closable":
            _reconcile_one(payment)  # paid before we closed it: take the money in now
            return
        raise


# --- reconciliation -----------------------------------------------------------------------


def _reconcile_one(payment: Payment) -> bool:
    """Ask the gateway about one payment; receive it if the gateway has it as paid."""
    try:
        state = gateway_client().query_charge(payment.out_trade_no)
    except GatewayError as error:
        if error.status == 404:
            return False  # the buyer never opened the pay page
        raise
    if state.status not in (
        ChargeStatus.PAID,
        ChargeStatus.PARTIALLY_REFUNDED,
        ChargeStatus.REFUNDED,
    ):
        return False
    with transaction.atomic():
        if not receive_gateway_payment(
            payment, gateway_trade_no=state.gateway_trade_no, amount_fen=state.amount_fen
        ):
            return False
        audit.record(
            None,
            "payments.payment.reconciled",
            payment,
            {"gateway_trade_no": state.gateway_trade_no},
        )
    return True


def reconcile_gateway_payments(
    *,
    older_than: dt.timedelta = dt.timedelta(minutes=5),
    closed_within: dt.timedelta = RECONCILE_CLOSED_WITHIN,
    now: dt.datetime | None = None,
) -> int:
    """Ask the gateway about online payments still pending after `older_than`, and about
    those expired or cancelled within `closed_within`: one the gateway has as paid, whose
    notification never reached us, is received now. Returns how many were received.
    Scheduled every few minutes; safe to run any time (receiving is idempotent). Never
    call inside a transaction: it talks to the gateway."""
    now = now or timezone.now()
    online = Payment.objects.filter(method=PaymentMethod.GATEWAY)
    pending = online.filter(status=PaymentStatus.PENDING, created_at__lt=now - older_than)
    closed = online.filter(
        status__in=(PaymentStatus.EXPIRED, PaymentStatus.CANCELLED),
        closed_at__gte=now - closed_within,
    )
    received = 0
    unanswered: GatewayError | None = None
    for payment in (pending | closed).order_by("pk"):
        try:
            received += _reconcile_one(payment)
        except GatewayError as error:
            logger.warning("reconciling %s: %s", payment.out_trade_no, error)
            unanswered = error
    if unanswered is not None:
        raise unanswered  # after the others were tried: the job shows as failed
    return received
