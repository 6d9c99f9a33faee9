"""Back office for the network: every save goes through the network services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from highland.core.admin import ServiceRefusalsAsFormErrors
from highland.core.errors import DomainError
from highland.core.models import User
from highland.network import services
from highland.network.models import Resident, ServicePoint


class ServicePointAdminForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        choices=services.Service.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ServicePoint
        fields = ("county", "tier", "code", "parent", *services.EDITABLE_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        # Run the service's own checks so refusals appear on the form, not after saving.
        try:
            services.check_point(
                data.get("county") or self.instance.county,
                data.get("tier") or self.instance.tier,
                data.get("parent"),
                {name: data[name] for name in services.EDITABLE_FIELDS if name in data},
            )
        except DomainError as error:
            for field_name, messages in error.errors.items():
                self.add_error(field_name if field_name in self.fields else None, messages)
            if not error.errors:
                self.add_error(None, error.message)
        return data

    def _post_clean(self) -> None:
        """Skip the model's own save-time clean: the services validate and save."""


@admin.register(ServicePoint)
class ServicePointAdmin(ServiceRefusalsAsFormErrors):
    form = ServicePointAdminForm
    list_display = (
        "code",
        "name_zh",
        "tier",
        "township_zh",
        "altitude_m",
        "connectivity",
        "active",
    )
    list_filter = ("county", "tier", "connectivity", "active")
    search_fields = ("code", "name_zh", "name_en", "village_zh", "township_zh")

    def get_readonly_fields(
        self, request: HttpRequest, obj: ServicePoint | None = None
    ) -> tuple[str, ...]:
        return ("county", "tier", "code", "active", "weekly_hours") if obj else ("active",)

    @admin.display(description=_("opening hours"))
    def weekly_hours(self, obj: ServicePoint) -> str:
        # Hours are set on the point's edit page (set_opening_hours), shown here only.
        return "; ".join(str(period) for period in obj.opening_hours.all()) or "—"

    def save_model(self, request: HttpRequest, obj: ServicePoint, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        data = form.cleaned_data
        if not change:
            details = services.PointDetails(
                tier=data["tier"],
                code=data["code"],
                parent=data.get("parent"),
                **{name: data[name] for name in services.EDITABLE_FIELDS if name in data},
            )
            created = services.create_service_point(data["county"], details, actor=request.user)
            obj.pk = created.pk
            return
        current = ServicePoint.objects.get(pk=obj.pk)
        changes = {
            name: data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.changed_data and name in data
        }
        if changes:
            services.update_service_point(current, changes, actor=request.user)
        if "parent" in form.changed_data and data.get("parent") is not None:
            services.move_service_point(current, data["parent"], actor=request.user)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Save nothing related: agents and hours have their own services."""


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("person", "point", "household", "registered_by", "created_at")
    list_filter = ("county", "point")
    search_fields = ("person__display_name", "household")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # agents register villagers at their desk (network.services.register_villager)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
