"""Payments: one per checkout, paid in cash at a point, by bank transfer or online."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
from highland.core.statemachine import StateMachine
from highland.network.models import ServicePoint


class PaymentMethod(models.TextChoices):
    CASH_AT_POINT = "cash_at_point", _("Cash at a service point")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    GATEWAY = "gateway", _("Online payment")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# A payment that expired or was cancelled can still be received: a gateway may take the
# buyer's money after our hold ran out, and that money must be posted (and honoured or
# refunded), never dropped. Refunds move paid payments on by amount.
PAYMENT_MACHINE = StateMachine(
    PaymentStatus,
    {
        PaymentStatus.PENDING: frozenset(
            {PaymentStatus.PAID, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED}
        ),
        PaymentStatus.EXPIRED: frozenset({PaymentStatus.PAID}),
        PaymentStatus.CANCELLED: frozenset({PaymentStatus.PAID}),
        PaymentStatus.PAID: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
        PaymentStatus.PARTIALLY_REFUNDED: frozenset(
            {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
        ),
    },
    stamps={
        PaymentStatus.PAID: ("paid_at",),
        PaymentStatus.EXPIRED: ("closed_at",),
        PaymentStatus.CANCELLED: ("closed_at",),
    },
)


class Payment(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="payments")
    payer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # What the payment is for: a name in payments.purposes (an order checkout today).
    purpose = models.CharField(_("purpose"), max_length=40, default="checkout")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    refunded_fen = models.BigIntegerField(_("refunded (fen)"), default=0)
    # Our reference at the gateway or on the bank slip; unique across the platform.
    out_trade_no = models.CharField(max_length=40, unique=True)
    gateway_trade_no = models.CharField(max_length=64, blank=True)
    collected_at = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_payments"
    )
    collected_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_collected"
    )
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # When it expired or was cancelled unpaid: reconciliation asks the gateway about
    # recently closed payments too.
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_fen__gte=0) & Q(refunded_fen__lte=F("amount_fen")),
                name="payment_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} ({self.get_status_display()})"


class GatewayNotification(models.Model):
    """A verified notification as it was handled, once per notify_id (or once per delivery
    when refused). Unverified ones are never stored: `payments.notifications` counts them.
    Rows from before that rule may still have `signature_valid` false."""

    county = models.ForeignKey(County, null=True, blank=True, on_delete=models.PROTECT)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    notify_id = models.CharField(max_length=80)
    event = models.CharField(max_length=40)
    signature_valid = models.BooleanField()
    outcome = models.CharField(max_length=40)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gateway notification")
        verbose_name_plural = _("gateway notifications")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["notify_id"])]

    def __str__(self) -> str:
        return f"{self.notify_id} {self.event} {self.outcome}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PAID = "paid", _("Paid back")
    FAILED = "failed", _("Failed")


REFUND_MACHINE = StateMachine(
    RefundStatus,
    {RefundStatus.REQUESTED: frozenset({RefundStatus.PAID, RefundStatus.FAILED})},
    stamps={RefundStatus.PAID: ("paid_at",), RefundStatus.FAILED: ("failed_at",)},
)


class Refund(models.Model):
    """Money owed back to a payer: requested in the business transaction, paid back after
    it (by the gateway, or by a person handing back cash or sending a transfer)."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=200)
    # What the refund is for ("order:12:cancelled", "aftersale:3"): one refund per payment
    # and business reason, so a repeated action cannot refund twice.
    reason_key = models.CharField(max_length=80)
    # Derived from the payment and a per-payment sequence: a retry asks the gateway with
    # the same number, and the gateway refunds a number once.
    out_refund_no = models.CharField(max_length=40, unique=True)
    # Cash is handed back at the point where it was paid.
    point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    paid_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds_paid"
    )
    paid_reference = models.CharField(_("reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["county", "status", "method"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["payment", "reason_key"], name="one_refund_per_payment_and_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.out_refund_no


class CashReconciliation(models.Model):
    """An agent's end-of-day count of the cash held at their point, and what was handed over."""

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="cash_reconciliations"
    )
    point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="cash_reconciliations"
    )
    counted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cash_counts")
    business_date = models.DateField(_("business day"))
    expected_fen = models.BigIntegerField(_("expected (fen)"))
    counted_fen = models.BigIntegerField(_("counted (fen)"))
    handed_over_fen = models.BigIntegerField(_("handed over (fen)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cash reconciliation")
        verbose_name_plural = _("cash reconciliations")
        ordering = ["-business_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(counted_fen__gte=0), name="cash_counted_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(handed_over_fen__gte=0) & Q(handed_over_fen__lte=F("counted_fen")),
                name="cash_handed_over_within_counted",
            ),
            models.UniqueConstraint(
                fields=["point", "business_date"], name="one_cash_count_per_point_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point.code} {self.business_date}"

    @property
    def difference_fen(self) -> int:
        return self.counted_fen - self.expected_fen


class GatewaySettlement(models.Model):
    """One county's share of a batch the gateway paid into the service centre's bank,
    imported from the gateway's settlement report and posted once."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="gateway_settlements")
    batch_id = models.CharField(_("batch"), max_length=64)
    settle_date = models.DateField(_("settlement day"))
    gross_fen = models.BigIntegerField(_("received (fen)"))
    fee_fen = models.BigIntegerField(_("gateway fees (fen)"))
    refund_fen = models.BigIntegerField(_("refunded (fen)"))
    net_fen = models.BigIntegerField(_("paid into the bank (fen)"))
    imported_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gateway settlement")
        verbose_name_plural = _("gateway settlements")
        ordering = ["-settle_date", "-batch_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "batch_id"], name="gateway_settlement_once_per_batch"
            ),
            models.CheckConstraint(
                condition=Q(gross_fen__gte=0) & Q(fee_fen__gte=0) & Q(refund_fen__gte=0),
                name="gateway_settlement_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(net_fen=F("gross_fen") - F("fee_fen") - F("refund_fen")),
                name="gateway_settlement_net_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} ({self.settle_date})"


class SettledItemKind(models.TextChoices):
    CHARGE = "charge", _("Payment")
    REFUND = "refund", _("Refund")


class GatewaySettlementItem(models.Model):
    """A payment or refund the gateway settled in a batch, as its report says."""

    settlement = models.ForeignKey(
        GatewaySettlement, on_delete=models.PROTECT, related_name="items"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SettledItemKind.choices)
    out_trade_no = models.CharField(max_length=64, db_index=True)
    gateway_trade_no = models.CharField(max_length=64)
    out_refund_no = models.CharField(max_length=64, blank=True, db_index=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    fee_fen = models.BigIntegerField(_("fee (fen)"))
    settled_at = models.DateTimeField(_("at the gateway"))

    class Meta:
        verbose_name = _("settled payment or refund")
        verbose_name_plural = _("settled payments and refunds")
        ordering = ["settlement", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.out_refund_no or self.out_trade_no}"


class DiscrepancyKind(models.TextChoices):
    NOT_IN_LEDGER = "not_in_ledger", _("Settled by the gateway, not in the ledger")
    AMOUNT_DIFFERS = "amount_differs", _("Amounts differ")
    UNKNOWN_TRADE = "unknown_trade", _("No such payment or refund here")
    NOT_SETTLED = "not_settled", _("In the ledger, not settled by the gateway")
    REPORT_DOES_NOT_ADD_UP = "report_does_not_add_up", _("The report does not add up")


class SettlementDiscrepancy(models.Model):
    """Something the gateway's settlement report and the ledger disagree on, for a person
    to look into. Recorded once; an unknown trade belongs to no county."""

    county = models.ForeignKey(
        County,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlement_discrepancies",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DiscrepancyKind.choices)
    batch_id = models.CharField(_("batch"), max_length=64, blank=True)
    settle_date = models.DateField(_("settlement day"))
    out_trade_no = models.CharField(max_length=64, blank=True)
    out_refund_no = models.CharField(max_length=64, blank=True)
    gateway_fen = models.BigIntegerField(_("the gateway says (fen)"), null=True, blank=True)
    ledger_fen = models.BigIntegerField(_("the ledger says (fen)"), null=True, blank=True)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement discrepancy")
        verbose_name_plural = _("settlement discrepancies")
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "batch_id", "out_trade_no", "out_refund_no"],
                name="settlement_discrepancy_recorded_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.out_refund_no or self.out_trade_no}"
