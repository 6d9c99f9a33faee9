"""Payments in the back office: read-only; money moves only through services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.payments import notifications
from highland.payments.models import (
    CashReconciliation,
    GatewayNotification,
    GatewaySettlement,
    GatewaySettlementItem,
    Payment,
    Refund,
    SettlementDiscrepancy,
)


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
    """Verified notifications; the unverified ones are only counted, shown above the list."""

    list_display = ("received_at", "notify_id", "event", "signature_valid", "outcome", "payment")
    list_filter = ("signature_valid", "outcome", "event")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        today = timezone.localdate()
        messages.info(
            request,
            _(
                "Unverified notifications refused (not stored): %(today)d today, "
                "%(yesterday)d yesterday."
            )
            % {
                "today": notifications.unverified_count(today),
                "yesterday": notifications.unverified_count(today - dt.timedelta(days=1)),
            },
        )
        return super().changelist_view(request, extra_context)


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


class GatewaySettlementItemInline(admin.TabularInline):
    model = GatewaySettlementItem
    extra = 0
    can_delete = False
    readonly_fields = (
        "kind",
        "out_trade_no",
        "out_refund_no",
        "gateway_trade_no",
        "amount_fen",
        "fee_fen",
        "settled_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GatewaySettlement)
class GatewaySettlementAdmin(ReadOnly):
    list_display = (
        "settle_date",
        "batch_id",
        "county",
        "gross_fen",
        "fee_fen",
        "refund_fen",
        "net_fen",
        "imported_at",
    )
    list_filter = ("county", "settle_date")
    search_fields = ("batch_id",)
    inlines = (GatewaySettlementItemInline,)


@admin.register(SettlementDiscrepancy)
class SettlementDiscrepancyAdmin(ReadOnly):
    list_display = (
        "found_at",
        "kind",
        "county",
        "settle_date",
        "batch_id",
        "out_trade_no",
        "out_refund_no",
        "gateway_fen",
        "ledger_fen",
    )
    list_filter = ("kind", "county", "settle_date")
    search_fields = ("batch_id", "out_trade_no", "out_refund_no")
