"""Payments in the back office: read-only; money moves only through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from highland.payments.models import CashReconciliation, GatewayNotification, Payment, Refund


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = (
        "out_trade_no",
        "county",
        "method",
        "status",
        "amount_fen",
        "refunded_fen",
        "paid_at",
        "closed_at",
    )
    list_filter = ("county", "method", "status")
    search_fields = ("out_trade_no", "gateway_trade_no", "bank_reference")


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    """Refunds owed and paid back: a requested one waits for the gateway (see the outbox),
    the point's agent (cash) or a centre operator (bank); a failed one needs a person."""

    list_display = (
        "out_refund_no",
        "payment",
        "method",
        "status",
        "amount_fen",
        "reason",
        "point",
        "created_at",
        "paid_at",
        "last_error",
    )
    list_filter = ("county", "status", "method")
    search_fields = ("out_refund_no", "payment__out_trade_no")


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnly):
    list_display = ("received_at", "notify_id", "event", "signature_valid", "outcome", "payment")
    list_filter = ("signature_valid", "outcome", "event")


@admin.register(CashReconciliation)
class CashReconciliationAdmin(ReadOnly):
    list_display = (
        "business_date",
        "point",
        "counted_by",
        "expected_fen",
        "counted_fen",
        "handed_over_fen",
    )
    list_filter = ("county", "business_date")
