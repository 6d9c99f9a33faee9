"""Payments: one per checkout, paid in cash at a point, by bank transfer or online."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, User
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


class Payment(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="payments")
    payer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
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


class Refund(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=200)
    out_refund_no = models.CharField(max_length=40, unique=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
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
