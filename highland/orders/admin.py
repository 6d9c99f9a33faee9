"""Orders in the back office: read-only here; every change is an action with its service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from highland.core.errors import DomainError
from highland.core.models import User
from highland.orders import services
from highland.orders.models import Order, OrderLine, ShippingRate


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "sku",
        "product_name",
        "sku_label",
        "selling_unit",
        "quantity",
        "unit_price_fen",
        "line_fen",
        "packed_grams",
        "adjustment_fen",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnly):
    list_display = ("number", "county", "status", "seller", "buyer", "total_fen", "created_at")
    list_filter = ("county", "status", "delivery")
    search_fields = ("number", "buyer__username", "recipient_name")
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    actions = ["cancel_selected"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing needs "change" in Django's admin; nothing here edits a field.
        return obj is None or request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Order._meta.fields]

    @admin.action(description=_("Cancel the selected orders (refunds paid ones)"))
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        assert isinstance(request.user, User)
        for order in queryset:
            try:
                services.cancel_order(
                    order, actor=request.user, reason="cancelled by the service centre"
                )
            except DomainError as error:
                messages.error(request, f"{order.number}: {error.message}")


@admin.register(ShippingRate)
class ShippingRateAdmin(admin.ModelAdmin):
    list_display = (
        "county",
        "zone",
        "storage_class",
        "first_weight_g",
        "first_fee_fen",
        "step_weight_g",
        "step_fee_fen",
    )
    list_filter = ("county", "zone", "storage_class")
