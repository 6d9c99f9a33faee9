"""Cold chain in the back office: sensors and excursion rules are set through their
services (checked and audited); readings, alerts and the intake's counters are read-only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from highland.core.admin import ServiceRefusalsAsFormErrors
from highland.core.errors import DomainError
from highland.core.models import User
from highland.core.readonly_admin import ReadOnly
from highland.logistics.models import (
    ColdChainAlert,
    ExcursionRule,
    Reading,
    Sensor,
    TelemetryCounter,
)
from highland.logistics.models.coldchain import celsius_from_centi
from highland.logistics.services.coldchain import (
    change_sensor,
    register_sensor,
    retire_sensor,
    set_excursion_rule,
)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class SensorAdminForm(forms.ModelForm):
    class Meta:
        model = Sensor
        fields = ("county", "code", "name", "zone", "vehicle", "temperature_class")
        help_texts = {
            "temperature_class": _(
                "Empty: the zone's class, or chilled for a refrigerated vehicle."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "temperature_class" in self.fields:
            self.fields["temperature_class"].required = False

    def _post_clean(self) -> None:
        """Skip the model's own checks: the services validate and save."""


@admin.register(Sensor)
class SensorAdmin(ServiceRefusalsAsFormErrors):
    form = SensorAdminForm
    list_display = (
        "code",
        "name",
        "zone",
        "vehicle",
        "temperature_class",
        "active",
        "last_reading_at",
        "last_celsius",
    )
    list_filter = ("county", "active", "temperature_class")
    search_fields = ("code", "name")
    actions = ["retire_selected"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Sensor | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (
            "county",
            "code",
            "zone",
            "vehicle",
            "active",
            "installed_at",
            "retired_at",
            "last_reading_at",
            "last_celsius",
            "last_received_at",
        )

    def save_model(self, request: HttpRequest, obj: Sensor, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            current = Sensor.objects.select_related("county", "zone", "vehicle").get(pk=obj.pk)
            change_sensor(
                current,
                name=data.get("name", current.name),
                temperature_class=data.get("temperature_class") or current.temperature_class,
                actor=_actor(request),
            )
            return
        created = register_sensor(
            data["county"],
            code=data["code"],
            name=data.get("name", ""),
            zone=data.get("zone"),
            vehicle=data.get("vehicle"),
            temperature_class=data.get("temperature_class") or None,
            actor=_actor(request),
        )
        obj.pk = created.pk

    @admin.action(description=_("Retire the selected sensors"))
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[Sensor]) -> None:
        for sensor in queryset.filter(active=True).select_related("county"):
            try:
                retire_sensor(sensor, actor=_actor(request))
            except DomainError as error:
                messages.error(request, f"{sensor.code}: {error.message}")


class ExcursionRuleForm(forms.ModelForm):
    min_celsius = forms.DecimalField(
        label=_("lowest allowed (°C)"), required=False, max_digits=5, decimal_places=2
    )
    max_celsius = forms.DecimalField(
        label=_("highest allowed (°C)"), required=False, max_digits=5, decimal_places=2
    )

    class Meta:
        model = ExcursionRule
        fields = (
            "county",
            "temperature_class",
            "excursion_after_minutes",
            "silent_after_minutes",
            "activation_energy_j_per_mol",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["min_celsius"] = celsius_from_centi(self.instance.min_centi_celsius)
            self.initial["max_celsius"] = celsius_from_centi(self.instance.max_centi_celsius)

    def _post_clean(self) -> None:
        """Skip the model's own checks: the service validates and saves."""


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@admin.register(ExcursionRule)
class ExcursionRuleAdmin(ServiceRefusalsAsFormErrors):
    form = ExcursionRuleForm
    list_display = (
        "county",
        "temperature_class",
        "min_celsius",
        "max_celsius",
        "excursion_after_minutes",
        "silent_after_minutes",
        "activation_energy_j_per_mol",
    )
    list_filter = ("county",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: ExcursionRule | None = None
    ) -> tuple[str, ...]:
        return ("county", "temperature_class") if obj else ()

    @admin.display(description=_("lowest allowed (°C)"))
    def min_celsius(self, obj: ExcursionRule) -> Decimal | None:
        return celsius_from_centi(obj.min_centi_celsius)

    @admin.display(description=_("highest allowed (°C)"))
    def max_celsius(self, obj: ExcursionRule) -> Decimal | None:
        return celsius_from_centi(obj.max_centi_celsius)

    def save_model(self, request: HttpRequest, obj: ExcursionRule, form: Any, change: bool) -> None:
        data = form.cleaned_data
        rule = set_excursion_rule(
            obj.county if change else data["county"],
            temperature_class=obj.temperature_class if change else data["temperature_class"],
            min_celsius=_float(data.get("min_celsius")),
            max_celsius=_float(data.get("max_celsius")),
            excursion_after_minutes=data["excursion_after_minutes"],
            silent_after_minutes=data.get("silent_after_minutes"),
            activation_energy_j_per_mol=data.get("activation_energy_j_per_mol"),
            actor=_actor(request),
        )
        obj.pk = rule.pk


@admin.register(Reading)
class ReadingAdmin(ReadOnly):
    list_display = ("sensor", "measured_at", "celsius", "received_at")
    list_filter = ("sensor__county",)
    search_fields = ("sensor__code",)
    list_select_related = ("sensor",)
    # Millions of rows: no COUNT(*) over all of them on every page.
    show_full_result_count = False


@admin.register(ColdChainAlert)
class ColdChainAlertAdmin(ReadOnly):
    list_display = (
        "opened_at",
        "kind",
        "sensor",
        "started_at",
        "ended_at",
        "closed_at",
        "acknowledged_by",
    )
    list_filter = ("kind", "county", "temperature_class")
    search_fields = ("sensor__code",)
    list_select_related = ("sensor", "acknowledged_by")


@admin.register(TelemetryCounter)
class TelemetryCounterAdmin(ReadOnly):
    list_display = ("county", "channel", "outcome", "count", "last_at", "last_detail")
    list_filter = ("channel", "outcome")
