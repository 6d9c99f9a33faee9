"""Back office for roads: nodes and edges are edited here (each change bumps the county's
road version so cached travel matrices are recomputed); closures are added and lifted
through the road services (audited), never edited or deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from highland.core.admin import ServiceRefusalsAsFormErrors
from highland.core.errors import DomainError
from highland.core.models import User
from highland.logistics.models import ClosureKind, RoadClosure, RoadEdge, RoadNode
from highland.logistics.services import roads


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class BumpsRoadVersion(admin.ModelAdmin):
    """Saves and deletes bump the county's road version in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            roads.note_road_change(obj.county)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            county = obj.county
            super().delete_model(request, obj)
            roads.note_road_change(county)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            counties = {obj.county for obj in queryset.select_related("county")}
            super().delete_queryset(request, queryset)
            for county in counties:
                roads.note_road_change(county)


@admin.register(RoadNode)
class RoadNodeAdmin(BumpsRoadVersion):
    list_display = ("code", "name_zh", "point", "altitude_m", "county")
    list_filter = ("county",)
    search_fields = ("code", "name_zh", "name_en")
    raw_id_fields = ("point",)


@admin.register(RoadEdge)
class RoadEdgeAdmin(BumpsRoadVersion):
    list_display = (
        "__str__",
        "road_class",
        "length_m",
        "paved",
        "speed_kmh",
        "travel_minutes",
        "county",
    )
    list_filter = ("county", "road_class", "paved")
    search_fields = ("road_name", "from_node__name_zh", "to_node__name_zh")
    raw_id_fields = ("from_node", "to_node")

    @admin.display(description=_("minutes (derived)"))
    def travel_minutes(self, edge: RoadEdge) -> int:
        seconds = edge.travel_seconds(
            from_altitude_m=edge.from_node.altitude_m, to_altitude_m=edge.to_node.altitude_m
        )
        return round(seconds / 60)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoadEdge]:
        return super().get_queryset(request).select_related("from_node", "to_node")


class RoadClosureForm(forms.ModelForm):
    class Meta:
        model = RoadClosure
        fields = (
            "edge",
            "kind",
            "reason",
            "from_month",
            "from_day",
            "until_month",
            "until_day",
            "starts_at",
            "ends_at",
        )

    def _post_clean(self) -> None:
        """The road services validate and save (see RoadClosureAdmin.save_model)."""


@admin.register(RoadClosure)
class RoadClosureAdmin(ServiceRefusalsAsFormErrors):
    form = RoadClosureForm
    list_display = ("edge", "kind", "reason", "starts_at", "ends_at", "lifted_at", "county")
    list_filter = ("county", "kind")
    raw_id_fields = ("edge",)
    actions = ("lift_closures",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Existing closures are only read here; they change by being lifted.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: RoadClosure, form: Any, change: bool) -> None:
        data = form.cleaned_data
        edge = data["edge"]
        if data["kind"] == ClosureKind.SEASONAL:
            days = [
                data.get(name) for name in ("from_month", "from_day", "until_month", "until_day")
            ]
            closure = roads.close_road_seasonally(
                edge,
                actor=_actor(request),
                reason=data["reason"],
                from_month=int(days[0] or 0),
                from_day=int(days[1] or 0),
                until_month=int(days[2] or 0),
                until_day=int(days[3] or 0),
            )
        else:
            closure = roads.close_road(
                edge,
                actor=_actor(request),
                reason=data["reason"],
                starts_at=data.get("starts_at") or timezone.now(),
                ends_at=data.get("ends_at"),
            )
        obj.pk = closure.pk
        obj.county = closure.county

    @admin.action(description=_("Lift the selected closures"))
    def lift_closures(self, request: HttpRequest, queryset: QuerySet[RoadClosure]) -> None:
        lifted = 0
        for closure in queryset.select_related("edge__from_node", "edge__to_node"):
            try:
                roads.lift_closure(closure, actor=_actor(request))
            except DomainError as error:
                messages.error(request, f"{closure}: {error.message}")
            else:
                lifted += 1
        if lifted:
            messages.success(request, _("Closures lifted: %(count)d.") % {"count": lifted})
