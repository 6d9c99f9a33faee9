"""Back office for the county hub: zones and locations are added, renamed, closed and
opened through the hub's services (audited); lots by location and their movements are
read-only (they change only through put-away, moves, picking and packing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from highland.core.admin import ServiceRefusalsAsFormErrors
from highland.core.errors import DomainError
from highland.core.models import User
from highland.core.readonly_admin import ReadOnly
from highland.logistics.models import HubLocation, HubZone, LotMovement, LotPlacement
from highland.logistics.services.hub import zones


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class ServiceSavedForm(forms.ModelForm):
    def _post_clean(self) -> None:
        """Skip the model's own save-time clean: the services validate and save."""


def _each(
    request: HttpRequest,
    queryset: QuerySet[Any],
    action: Callable[..., Any],
    done: str | Promise,
) -> None:
    changed = 0
    for item in queryset.order_by("pk"):
        try:
            action(item, actor=_actor(request))
            changed += 1
        except DomainError as error:
            messages.error(request, f"{item.code}: {error.message}")
    if changed:
        messages.success(request, str(done) % {"count": changed})


@admin.register(HubZone)
class HubZoneAdmin(ServiceRefusalsAsFormErrors):
    form = ServiceSavedForm
    list_display = ("code", "name_zh", "temperature_class", "county", "active")
    list_filter = ("temperature_class", "county", "active")
    fields = ("county", "code", "temperature_class", "name_zh", "name_bo", "name_en", "active")
    actions = ["close_selected", "open_selected"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: HubZone | None = None
    ) -> tuple[str, ...]:
        # Goods were put away by the zone's class: it never changes; closing is an action.
        return ("county", "code", "temperature_class", "active") if obj else ("active",)

    def save_model(self, request: HttpRequest, obj: HubZone, form: Any, change: bool) -> None:
        data = form.cleaned_data
        names = {field: data.get(field, "") for field in ("name_zh", "name_bo", "name_en")}
        if change:
            zones.rename_zone(HubZone.objects.get(pk=obj.pk), actor=_actor(request), **names)
            return
        obj.pk = zones.add_zone(
            data["county"],
            code=data["code"],
            temperature_class=data["temperature_class"],
            actor=_actor(request),
            **names,
        ).pk

    @admin.action(description=_("Close the selected zones and their locations"))
    def close_selected(self, request: HttpRequest, queryset: QuerySet[HubZone]) -> None:
        _each(request, queryset, zones.deactivate_zone, _("%(count)d zones closed."))

    @admin.action(description=_("Open the selected zones again"))
    def open_selected(self, request: HttpRequest, queryset: QuerySet[HubZone]) -> None:
        _each(request, queryset, zones.reactivate_zone, _("%(count)d zones opened."))


@admin.register(HubLocation)
class HubLocationAdmin(ServiceRefusalsAsFormErrors):
    form = ServiceSavedForm
    list_display = ("code", "zone", "county", "active")
    list_filter = ("zone__temperature_class", "county", "active")
    search_fields = ("code",)
    fields = ("zone", "code", "active")
    actions = ["close_selected", "open_selected"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: HubLocation | None = None
    ) -> tuple[str, ...]:
        return ("zone", "code", "active") if obj else ("active",)

    def save_model(self, request: HttpRequest, obj: HubLocation, form: Any, change: bool) -> None:
        if change:
            return  # nothing editable: codes are printed on shelves, closing is an action
        data = form.cleaned_data
        obj.pk = zones.add_location(data["zone"], code=data["code"], actor=_actor(request)).pk

    @admin.action(description=_("Close the selected locations"))
    def close_selected(self, request: HttpRequest, queryset: QuerySet[HubLocation]) -> None:
        _each(request, queryset, zones.deactivate_location, _("%(count)d locations closed."))

    @admin.action(description=_("Open the selected locations again"))
    def open_selected(self, request: HttpRequest, queryset: QuerySet[HubLocation]) -> None:
        _each(request, queryset, zones.reactivate_location, _("%(count)d locations opened."))


@admin.register(LotPlacement)
class LotPlacementAdmin(ReadOnly):
    list_display = ("lot", "location", "quantity", "updated_at")
    list_filter = ("location__zone", "county")
    search_fields = ("lot__code", "location__code")


@admin.register(LotMovement)
class LotMovementAdmin(ReadOnly):
    list_display = (
        "created_at",
        "lot",
        "kind",
        "from_location",
        "to_location",
        "quantity",
        "actor",
    )
    list_filter = ("kind", "county")
    search_fields = ("lot__code",)
