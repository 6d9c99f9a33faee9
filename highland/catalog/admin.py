"""Back office for the catalogue: every save goes through the catalogue services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from highland.core.admin import ServiceRefusalsAsFormErrors
from highland.core.errors import DomainError
from highland.core.models import User

from . import services
from .models import (
    Category,
    ListingConsent,
    Product,
    ProductPhoto,
    ProductStatus,
    Seller,
    Sku,
    StockLot,
)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class ServiceSavedForm(forms.ModelForm):
    def _post_clean(self) -> None:
        """Skip the model's own save-time clean: the services validate and save."""


@admin.register(Seller)
class SellerAdmin(ServiceRefusalsAsFormErrors):
    form = ServiceSavedForm
    list_display = ("name_zh", "kind", "organisation", "member", "represented_by", "active")
    list_filter = ("county", "kind", "active")
    search_fields = ("name_zh", "name_en", "organisation__name_zh", "member__username")
    fields = (
        "county",
        "kind",
        "organisation",
        "member",
        *services.SELLER_FIELDS,
    )

    def get_readonly_fields(
        self, request: HttpRequest, obj: Seller | None = None
    ) -> tuple[str, ...]:
        return ("county", "kind", "organisation", "member") if obj else ("active",)

    def save_model(self, request: HttpRequest, obj: Seller, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {
                name: data[name] for name in services.SELLER_FIELDS if name in form.changed_data
            }
            if changes:
                services.update_seller(
                    Seller.objects.get(pk=obj.pk), changes, actor=_actor(request)
                )
            return
        created = services.register_seller(
            data["county"],
            actor=_actor(request),
            kind=data["kind"],
            organisation=data.get("organisation"),
            member=data.get("member"),
            represented_by=data.get("represented_by"),
            commission_override_bp=data.get("commission_override_bp"),
            name_zh=data["name_zh"],
            name_bo=data.get("name_bo", ""),
            name_en=data.get("name_en", ""),
        )
        obj.pk = created.pk


@admin.register(Category)
class CategoryAdmin(ServiceRefusalsAsFormErrors):
    form = ServiceSavedForm
    list_display = ("code", "name_zh", "name_en", "direction", "commission_bp", "parent")
    list_filter = ("county", "direction")
    search_fields = ("code", "name_zh", "name_en")
    fields = ("county", "code", "direction", *services.CATEGORY_FIELDS)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Category | None = None
    ) -> tuple[str, ...]:
        return ("county", "code", "direction") if obj else ()

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {
                name: data[name] for name in services.CATEGORY_FIELDS if name in form.changed_data
            }
            if changes:
                current = Category.objects.get(pk=obj.pk)
                services.update_category(current, changes, actor=_actor(request))
            return
        created = services.create_category(
            data["county"],
            actor=_actor(request),
            code=data["code"],
            direction=data["direction"],
            **{name: data[name] for name in services.CATEGORY_FIELDS},
        )
        obj.pk = created.pk


class SkuInline(admin.TabularInline):
    """SKUs are shown here; they are added and changed on their own admin page."""

    model = Sku
    extra = 0
    fields = ("code", "label_zh", "selling_unit", "price_fen", "stock", "active")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProductPhotoInline(admin.TabularInline):
    model = ProductPhoto
    extra = 0
    fields = ("position", "thumbnail", "image")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(ServiceRefusalsAsFormErrors):
    form = ServiceSavedForm
    list_display = ("name_zh", "seller", "category", "storage_class", "status", "updated_at")
    list_filter = ("county", "status", "storage_class", "category")
    search_fields = ("name_zh", "name_en", "search_text")
    fields = ("county", "seller", *services.PRODUCT_FIELDS, "origin_altitude_m", "status")
    inlines = [SkuInline, ProductPhotoInline]
    actions = ["publish_selected", "withdraw_selected", "suspend_selected", "lift_selected"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Product | None = None
    ) -> tuple[str, ...]:
        if obj:
            return ("county", "seller", "origin_altitude_m", "status")
        return ("origin_altitude_m", "status")

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {
                name: data[name] for name in services.PRODUCT_FIELDS if name in form.changed_data
            }
            if changes:
                current = Product.objects.get(pk=obj.pk)
                services.update_product(current, changes, actor=_actor(request))
            return
        seller: Seller = data["seller"]
        if seller.county_id != data["county"].pk:
            raise DomainError(str(_("The seller belongs to another county.")))
        details = services.ProductDetails(
            **{name: data[name] for name in services.PRODUCT_FIELDS if name in data}
        )
        obj.pk = services.create_product(seller, details, actor=_actor(request)).pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Save nothing related: SKUs and photos have their own services."""

    def _move(self, request: HttpRequest, queryset: QuerySet[Product], status: str) -> None:
        moved = 0
        for product in queryset:
            try:
                services.change_product_status(product, status, actor=_actor(request))
                moved += 1
            except DomainError as error:
                messages.error(request, f"{product}: {error.message}")
        if moved:
            messages.success(request, _("%(count)d products changed.") % {"count": moved})

    @admin.action(description=_("Put the selected products on sale"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._move(request, queryset, ProductStatus.ACTIVE)

    @admin.action(description=_("Withdraw the selected products (back to draft)"))
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._move(request, queryset.filter(status=ProductStatus.ACTIVE), ProductStatus.DRAFT)

    @admin.action(description=_("Suspend the selected products"))
    def suspend_selected(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._move(request, queryset, ProductStatus.SUSPENDED)

    @admin.action(description=_("Lift the suspension of the selected products (back to draft)"))
    def lift_selected(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._move(request, queryset.filter(status=ProductStatus.SUSPENDED), ProductStatus.DRAFT)


class SkuAdminForm(ServiceSavedForm):
    class Meta:
        model = Sku
        fields = (
            "product",
            "code",
            "label_zh",
            "label_bo",
            "label_en",
            "selling_unit",
            "price_fen",
            "unit_weight_g",
            "stock",
            "active",
        )


@admin.register(Sku)
class SkuAdmin(ServiceRefusalsAsFormErrors):
    form = SkuAdminForm
    list_display = ("code", "product", "label_zh", "selling_unit", "price_fen", "stock", "active")
    list_filter = ("county", "selling_unit", "active")
    search_fields = ("code", "label_zh", "product__name_zh")
    raw_id_fields = ("product",)

    def get_readonly_fields(self, request: HttpRequest, obj: Sku | None = None) -> tuple[str, ...]:
        return ("product", "code", "selling_unit", "unit_weight_g") if obj else ()

    def save_model(self, request: HttpRequest, obj: Sku, form: Any, change: bool) -> None:
        data = form.cleaned_data
        actor = _actor(request)
        if not change:
            details = services.SkuDetails(
                code=data["code"],
                label_zh=data["label_zh"],
                label_bo=data.get("label_bo", ""),
                label_en=data.get("label_en", ""),
                price_fen=data["price_fen"],
                selling_unit=data["selling_unit"],
                unit_weight_g=data.get("unit_weight_g"),
                stock=data.get("stock") or 0,
                active=data.get("active", True),
            )
            obj.pk = services.add_sku(data["product"], details, actor=actor).pk
            return
        current = Sku.objects.select_related("product__seller").get(pk=obj.pk)
        changes = {name: data[name] for name in services.SKU_FIELDS if name in form.changed_data}
        if changes:
            services.update_sku(current, changes, actor=actor)
        if "stock" in form.changed_data:
            # A stock typed into the back office is a stocktake: set_stock, audited. The
            # field is the sellable stock; the count of the shelf adds what orders reserved.
            reserved = max(services.on_hand_of(current) - current.stock, 0)
            services.set_stock(current, data["stock"] + reserved, actor=actor, reason="admin")


@admin.register(ProductPhoto)
class ProductPhotoAdmin(admin.ModelAdmin):
    """Photos are uploaded on the seller pages (add_photo); here they can only be removed."""

    list_display = ("product", "position", "thumbnail_width", "thumbnail_height", "created_at")
    list_filter = ("county",)
    readonly_fields = ("product", "county", "image", "thumbnail", "position")
    actions = ["remove_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Deleting is off, but the service-backed removal stays available.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Remove the selected photos"))
    def remove_selected(self, request: HttpRequest, queryset: QuerySet[ProductPhoto]) -> None:
        for photo in queryset.select_related("product__seller"):
            services.remove_photo(photo, actor=_actor(request))


@admin.register(ListingConsent)
class ListingConsentAdmin(admin.ModelAdmin):
    """Read-only: consent is recorded by the representing agent (catalog.consent)."""

    list_display = (
        "seller",
        "given_by",
        "method",
        "witness_name",
        "recorded_by",
        "given_at",
        "revoked_at",
    )
    list_filter = ("county", "method")
    # The photo is private: linked through the consent-photo view, which checks access.
    exclude = ("evidence",)
    readonly_fields = ("evidence_photo",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("evidence photo"))
    def evidence_photo(self, consent: ListingConsent) -> str:
        if not consent.evidence:
            return "—"
        url = reverse("catalog:seller-consent-evidence", args=[consent.seller_id, consent.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the photo"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StockLot)
class StockLotAdmin(admin.ModelAdmin):
    """Lots change only through receiving, stocktakes, packing and returns (ADR 0010)."""

    list_display = (
        "code",
        "sku",
        "on_hand",
        "received_quantity",
        "received_on",
        "best_before",
        "origin",
        "origin_id",
    )
    list_filter = ("county", "origin")
    search_fields = ("code", "sku__code")
    list_select_related = ("sku",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
