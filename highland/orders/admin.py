"""Orders in the back office: read-only here; every change is an action with its service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from highland.core.errors import DomainError
from highland.core.models import User
from highland.core.readonly_admin import ReadOnly
from highland.orders import groupbuys, services
from highland.orders.models import (
    AfterSale,
    AfterSalePhoto,
    ConsolidatedPurchase,
    ConsolidatedPurchaseLine,
    GroupBuy,
    GroupBuyItem,
    LineLotAllocation,
    Order,
    OrderLine,
    ShippingRate,
)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "sku",
        "product_name_zh",
        "product_name_bo",
        "product_name_en",
        "sku_label_zh",
        "sku_label_bo",
        "sku_label_en",
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
    list_filter = ("county", "status", "delivery", "carrier")
    search_fields = ("number", "buyer__username", "recipient_name", "tracking_number")
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


class AfterSalePhotoInline(admin.TabularInline):
    model = AfterSalePhoto
    extra = 0
    can_delete = False
    # The file is private: linked through the request's photo view, which checks access.
    fields = ("photo", "width", "height", "uploaded_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("photo"))
    def photo(self, photo: AfterSalePhoto) -> str:
        url = reverse("orders:aftersale-photo", args=[photo.aftersale_id, photo.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the photo"))


@admin.register(AfterSale)
class AfterSaleAdmin(ReadOnly):
    """Read-only: requests are decided on their page, through the services, by who may."""

    list_display = ("__str__", "county", "order", "kind", "reason", "amount_fen", "status")
    list_filter = ("county", "status", "kind", "reason")
    search_fields = ("order__number",)
    date_hierarchy = "created_at"
    inlines = [AfterSalePhotoInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing needs "change" in Django's admin; nothing here edits a field.
        return obj is None or request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in AfterSale._meta.fields]


class GroupBuyItemInline(admin.TabularInline):
    model = GroupBuyItem
    extra = 0
    can_delete = False
    readonly_fields = ("sku", "group_price_fen", "min_quantity", "position", "outcome")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GroupBuy)
class GroupBuyAdmin(ReadOnly):
    """Read-only: group buys are run from their pages; the one action closes through the
    service, as the scheduled run would."""

    list_display = ("title_zh", "county", "station", "status", "closes_at", "organiser")
    list_filter = ("county", "status")
    search_fields = ("title_zh", "title_en", "station__code")
    date_hierarchy = "closes_at"
    inlines = [GroupBuyItemInline]
    actions = ["close_selected"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing needs "change" in Django's admin; nothing here edits a field.
        return obj is None or request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in GroupBuy._meta.fields] + ["points"]

    @admin.action(description=_("Close the selected group buys now"))
    def close_selected(self, request: HttpRequest, queryset: QuerySet[GroupBuy]) -> None:
        assert isinstance(request.user, User)
        for group_buy in queryset:
            try:
                groupbuys.close_group_buy(group_buy, actor=request.user)
            except DomainError as error:
                messages.error(request, f"{group_buy}: {error.message}")


class ConsolidatedPurchaseLineInline(admin.TabularInline):
    model = ConsolidatedPurchaseLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "sku",
        "product_name_zh",
        "product_name_bo",
        "product_name_en",
        "sku_label_zh",
        "sku_label_bo",
        "sku_label_en",
        "quantity",
        "amount_fen",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsolidatedPurchase)
class ConsolidatedPurchaseAdmin(ReadOnly):
    list_display = ("number", "county", "group_buy", "seller", "amount_fen", "delivered_at")
    list_filter = ("county",)
    search_fields = ("number",)
    inlines = [ConsolidatedPurchaseLineInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in ConsolidatedPurchase._meta.fields]


@admin.register(LineLotAllocation)
class LineLotAllocationAdmin(ReadOnly):
    """Which lot each packed line came from (ADR 0010): written by packing, read here."""

    list_display = ("line", "lot", "quantity", "returned", "created_at")
    list_filter = ("county",)
    search_fields = ("lot__code", "line__order__number")
    list_select_related = ("lot", "line")
