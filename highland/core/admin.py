"""Back office. Writes go through services; audit and tokens are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from highland.core import services
from highland.core.errors import DomainError
from highland.core.models import (
    ApiToken,
    AuditRecord,
    CashHoldRule,
    County,
    IdempotencyRecord,
    Membership,
    Organisation,
    OutboxMessage,
    ScheduledJobRun,
    User,
)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class ServiceRefusalsAsFormErrors(admin.ModelAdmin):
    """Runs the save through a service; a refusal is shown and nothing is saved.

    Deleting is switched off: records are ended or deactivated through services, so
    the audit trail keeps pointing at them.
    """

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            with transaction.atomic():
                return super().changeform_view(request, *args, **kwargs)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(County)
class CountyAdmin(ServiceRefusalsAsFormErrors):
    """Counties are never deleted here: everything else belongs to one."""

    list_display = ("code", "name_zh", "name_en", "prefecture_zh")
    search_fields = ("code", "name_zh", "name_en")

    def get_readonly_fields(
        self, request: HttpRequest, obj: County | None = None
    ) -> tuple[str, ...]:
        return ("code",) if obj else ()

    def save_model(self, request: HttpRequest, obj: County, form: Any, change: bool) -> None:
        names = {field: form.cleaned_data[field] for field in services.COUNTY_FIELDS}
        if change:
            services.update_county(County.objects.get(pk=obj.pk), names, actor=_actor(request))
        else:
            obj.pk = services.create_county(actor=_actor(request), code=obj.code, **names).pk
        data = form.cleaned_data
        services.set_transfer_account(
            County.objects.get(pk=obj.pk),
            account_name=data.get("transfer_account_name", ""),
            bank=data.get("transfer_bank", ""),
            account_number=data.get("transfer_account_number", ""),
            hold_hours=data.get("transfer_hold_hours") or 48,
            actor=_actor(request),
        )
        services.set_cash_hold(
            County.objects.get(pk=obj.pk),
            rule=data.get("cash_hold_rule") or CashHoldRule.POINT_CLOSING,
            hours=data.get("cash_hold_hours") or 24,
            actor=_actor(request),
        )


@admin.register(User)
class PersonAdmin(ServiceRefusalsAsFormErrors, UserAdmin):
    list_display = ("username", "display_name", "county", "phone", "is_active", "is_staff")
    list_filter = ("county", "is_active", "is_staff")
    search_fields = ("username", "display_name", "phone")
    actions = ["unlock_logins"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Highland"), {"fields": ("county", "display_name", "phone", "preferred_language")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        services.record_person_change(obj, list(form.changed_data), actor=_actor(request))

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                person = User.objects.get(pk=id)
                services.record_password_reset(person, actor=_actor(request))
        return response

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are deactivated, never deleted: the audit trail points at them.
        return False

    @admin.action(description=_("Unlock the login of the selected people"))
    def unlock_logins(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for person in queryset:
            services.unlock_login(person, actor=_actor(request))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "active", "created_at")
    readonly_fields = ("user", "role", "active", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ServiceRefusalsAsFormErrors):
    list_display = ("name_zh", "name_en", "type", "county", "active")
    list_filter = ("county", "type", "active")
    search_fields = ("name_zh", "name_en")
    inlines = [MembershipInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Organisation | None = None
    ) -> tuple[str, ...]:
        return ("county", "type") if obj else ()

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        if change:
            changes = {field: form.cleaned_data[field] for field in form.changed_data}
            current = Organisation.objects.get(pk=obj.pk)
            services.update_organisation(current, changes, actor=_actor(request))
            return
        created = services.create_organisation(
            obj.county,
            actor=_actor(request),
            type=obj.type,
            name_zh=obj.name_zh,
            name_bo=obj.name_bo,
            name_en=obj.name_en,
        )
        obj.pk = created.pk


@admin.register(Membership)
class MembershipAdmin(ServiceRefusalsAsFormErrors):
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
            return  # memberships are ended, not edited
        created = services.add_membership(
            obj.user,
            actor=_actor(request),
            role=obj.role,
            county=obj.county,
            organisation=obj.organisation,
        )
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


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "scope", "caller", "key", "status_code", "object_id")
    list_filter = ("scope",)
    search_fields = ("key", "caller", "object_id")
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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """What the outbox still has to deliver, and what failed and why."""

    list_display = (
        "created_at",
        "event",
        "subscriber",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "subscriber", "event")
    search_fields = ("event_key",)
    actions = ["retry"]

    @admin.action(description=_("Send the selected failed messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        from highland.core.events import retry_outbox_message

        retried = 0
        for message in queryset.filter(status="failed"):
            try:
                retry_outbox_message(message, actor=_actor(request))
            except DomainError as error:
                messages.error(request, error.message)
            else:
                retried += 1
        messages.success(request, _("%(count)d messages will be sent again.") % {"count": retried})


@admin.register(ScheduledJobRun)
class ScheduledJobRunAdmin(ReadOnlyAdmin):
    """When each scheduled job last ran from cron, and whether it succeeded."""

    list_display = ("name", "started_at", "finished_at", "succeeded", "last_error")
