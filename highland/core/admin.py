"""Back office. Writes go through services; audit and tokens are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from highland.core import services
from highland.core.errors import DomainError
from highland.core.models import ApiToken, AuditRecord, County, Membership, Organisation, User


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "prefecture_zh")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ("username", "display_name", "county", "phone", "is_active", "is_staff")
    list_filter = ("county", "is_active", "is_staff")
    search_fields = ("username", "display_name", "phone")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Highland"), {"fields": ("county", "display_name", "phone", "preferred_language")}),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "active", "created_at")
    readonly_fields = ("user", "role", "active", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "type", "county", "active")
    list_filter = ("county", "type", "active")
    search_fields = ("name_zh", "name_en")
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        assert isinstance(request.user, User)
        created = services.create_organisation(
            obj.county,
            actor=request.user,
            type=obj.type,
            name_zh=obj.name_zh,
            name_bo=obj.name_bo,
            name_en=obj.name_en,
        )
        obj.pk = created.pk


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organisation", "county", "active")
    list_filter = ("county", "role", "active")
    search_fields = ("user__username", "user__display_name")
    autocomplete_fields = ("user",)
    actions = ["end_selected"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Membership | None = None
    ) -> tuple[str, ...]:
        return ("county", "user", "organisation", "role", "active") if obj else ()

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            return
        assert isinstance(request.user, User)
        try:
            created = services.add_membership(
                obj.user,
                actor=request.user,
                role=obj.role,
                county=obj.county,
                organisation=obj.organisation,
            )
        except DomainError as error:
            messages.error(request, error.message)
            return
        obj.pk = created.pk

    @admin.action(description=_("End the selected memberships"))
    def end_selected(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        assert isinstance(request.user, User)
        for membership in queryset.filter(active=True):
            services.end_membership(membership, actor=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "county", "actor", "on_behalf_of", "action", "object_repr")
    list_filter = ("county", "action", "object_type")
    search_fields = ("action", "object_repr", "actor__username")
    date_hierarchy = "created_at"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "user",
        "county",
        "key_prefix",
        "created_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("county",)
    exclude = ("key_hash",)
    actions = ["revoke_selected"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        assert isinstance(request.user, User)
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_token(token, actor=request.user)
