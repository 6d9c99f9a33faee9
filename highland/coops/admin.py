"""Cooperatives in the back office.

Read-only: the register, rules, intake, lots and every money record change only through
their services (which check permission, validate, keep national IDs masked and audit).
Produce alone may be edited here, its measured attributes checked as the service checks
them, for setting up a cooperative's produce.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from highland.coops.models import (
    CapitalContribution,
    CooperativeRules,
    Grade,
    Intake,
    Member,
    ProcessingInput,
    ProcessingOutput,
    ProcessingRun,
    Produce,
    ProduceLot,
    SettlementLot,
    SurplusShare,
)
from highland.coops.services.rules import clean_attributes
from highland.core.errors import ValidationFailed
from highland.core.readonly_admin import ReadOnly, ReadOnlyInline


class ProduceForm(forms.ModelForm):
    class Meta:
        model = Produce
        fields = ("name_zh", "name_bo", "name_en", "attributes", "active")

    def clean_attributes(self) -> Any:
        try:
            return clean_attributes(self.cleaned_data.get("attributes") or [])
        except ValidationFailed as error:
            raise forms.ValidationError(error.errors.get("attributes", [error.message])) from None


@admin.register(Produce)
class ProduceAdmin(admin.ModelAdmin):
    form = ProduceForm
    list_display = ("code", "name_zh", "cooperative", "active")
    list_filter = ("active",)
    search_fields = ("code", "name_zh", "name_en")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # add produce with its service: it checks the cooperative and code

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GradeInline(ReadOnlyInline):
    model = Grade
    fields = ("produce", "code", "label_zh", "label_bo", "label_en", "factor_bp")
    readonly_fields = fields


@admin.register(CooperativeRules)
class CooperativeRulesAdmin(ReadOnly):
    list_display = (
        "cooperative",
        "effective_from",
        "service_fee_bp",
        "public_reserve_bp",
        "patronage_share_bp",
    )
    inlines = [GradeInline]


@admin.register(Grade)
class GradeAdmin(ReadOnly):
    list_display = ("rules", "produce", "code", "factor_bp")


class CapitalInline(ReadOnlyInline):
    model = CapitalContribution
    fields = ("occurred_on", "amount_fen", "memo", "recorded_by")
    readonly_fields = fields


@admin.register(Member)
class MemberAdmin(ReadOnly):
    list_display = ("number", "household", "cooperative", "point", "payout_method", "left_on")
    list_filter = ("payout_method",)
    search_fields = ("number", "household", "head__display_name")
    inlines = [CapitalInline]


@admin.register(CapitalContribution)
class CapitalContributionAdmin(ReadOnly):
    list_display = ("member", "occurred_on", "amount_fen", "recorded_by")


@admin.register(Intake)
class IntakeAdmin(ReadOnly):
    list_display = ("pk", "cooperative", "member")


@admin.register(ProduceLot)
class ProduceLotAdmin(ReadOnly):
    list_display = ("code", "cooperative", "produce", "grade_code", "collected_on", "status")
    list_filter = ("status",)


@admin.register(ProcessingRun)
class ProcessingRunAdmin(ReadOnly):
    list_display = ("pk", "cooperative")


@admin.register(ProcessingInput)
class ProcessingInputAdmin(ReadOnly):
    pass


@admin.register(ProcessingOutput)
class ProcessingOutputAdmin(ReadOnly):
    pass


@admin.register(SettlementLot)
class SettlementLotAdmin(ReadOnly):
    pass


@admin.register(SurplusShare)
class SurplusShareAdmin(ReadOnly):
    list_display = ("pk", "member")


# Runs, shares, counted allocations, payouts and surplus distributions: with their lines.
from highland.coops import admin_settlement  # noqa: E402, F401 (registers the models)
