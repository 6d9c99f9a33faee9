"""What each audit action of payments means, for people, and where its objects are."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "payments.payment.cash_collected": _("Cash collected"),
    "payments.payment.transfer_confirmed": _("Bank transfer confirmed"),
    "payments.payment.gateway_paid": _("Paid online"),
    "payments.payment.reconciled": _("Payment reconciled with the gateway"),
    # Payments move by themselves to these (`payments.services`: f"payments.payment.{status}").
    "payments.payment.pending": _("Payment awaited"),
    "payments.payment.paid": _("Payment received"),
    "payments.payment.partially_refunded": _("Payment partly refunded"),
    "payments.payment.refunded": _("Payment refunded"),
    "payments.payment.cancelled": _("Payment cancelled"),
    "payments.payment.expired": _("Payment expired"),
    "payments.refund.requested": _("Refund requested"),
    "payments.refund.paid": _("Refund paid back"),
    "payments.refund.failed": _("Refund failed"),
    "payments.cash.reconciled": _("Cash counted and handed over"),
    "payments.gateway_settlement.imported": _("Gateway settlement imported"),
}


def payment_url(object_id: str) -> str:
    return reverse("orders:payment", args=[int(object_id)])


LINKS = {"payments.payment": payment_url}
