"""Forms of the member register and rules pages; services do the checking that matters."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from highland.coops.models import BASIS_POINTS, PayoutMethod, Produce
from highland.core.models import Organisation
from highland.core.money import YuanField
from highland.network.models import ServicePoint, Tier

LANGUAGE_CHOICES = [("zh-hans", _("Chinese")), ("bo", _("Tibetan"))]


def village_points(cooperative: Organisation) -> Any:
    return ServicePoint.objects.filter(
        county=cooperative.county, tier=Tier.VILLAGE_POINT, active=True
    ).order_by("code")


class PointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class MemberEditForm(forms.Form):
    household = forms.CharField(label=_("Household"), max_length=80)
    national_id = forms.CharField(
        label=_("National ID (18 characters)"),
        max_length=24,
        required=False,
        help_text=_("Only the last four characters are kept. Leave empty to keep the one on file."),
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=24, required=False)
    point = PointChoiceField(label=_("Village point"), queryset=ServicePoint.objects.none())
    payout_method = forms.ChoiceField(label=_("Payout method"), choices=PayoutMethod.choices)
    payout_bank = forms.CharField(label=_("Bank"), max_length=80, required=False)
    payout_account = forms.CharField(label=_("Payout account"), max_length=40, required=False)
    language = forms.ChoiceField(label=_("Language for messages"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args: Any, cooperative: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = village_points(cooperative)  # type: ignore[attr-defined]


class MemberForm(MemberEditForm):
    number = forms.CharField(
        label=_("Member number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty for the next number."),
    )
    head_name = forms.CharField(label=_("Head of household"), max_length=120)
    joined_on = forms.DateField(
        label=_("Joined on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["number", "household", "head_name", "national_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["national_id"].required = True
        self.fields["national_id"].help_text = _("Only the last four characters are kept.")


class LeavingForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=forms.DateInput(attrs={"type": "date"}))


class ContributionForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Kind"),
        choices=[("in", _("Paid in")), ("out", _("Withdrawn"))],
        initial="in",
    )
    amount = YuanField(label=_("Amount (yuan)"))
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    memo = forms.CharField(label=_("Memo"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class PercentField(forms.CharField):
    """'3' or '2.5' (per cent) -> basis points (300, 250)."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(str(text)) > 12:
            raise forms.ValidationError(_("Enter a shorter number."))
        try:
            number = Decimal(str(text).strip().rstrip("%").strip())
        except InvalidOperation:
            raise forms.ValidationError(_("Enter a percentage, e.g. 3 or 2.5.")) from None
        basis_points = number * 100
        if not number.is_finite() or basis_points != basis_points.to_integral_value():
            raise forms.ValidationError(_("Enter a percentage with at most two decimals."))
        return int(basis_points)


class FactorField(forms.CharField):
    """'1.2' (times) -> basis points (12000)."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(str(text)) > 12:
            raise forms.ValidationError(_("Enter a shorter number."))
        try:
            number = Decimal(str(text).strip().lstrip("×x"))
        except InvalidOperation:
            raise forms.ValidationError(_("Enter a factor, e.g. 1.2.")) from None
        basis_points = number * BASIS_POINTS
        if not number.is_finite() or basis_points != basis_points.to_integral_value():
            raise forms.ValidationError(_("Enter a factor with at most four decimals."))
        return int(basis_points)


class RulesForm(forms.Form):
    effective_from = forms.DateField(
        label=_("Takes effect on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    service_fee = PercentField(label=_("Service fee (per cent of net proceeds)"))
    public_reserve = PercentField(label=_("Public reserve (per cent of the surplus)"))
    patronage_share = PercentField(
        label=_("Patronage share (per cent of the surplus, at least 60)")
    )


class GradeForm(forms.Form):
    produce = forms.ModelChoiceField(
        label=_("Produce"), queryset=Produce.objects.none(), required=False
    )
    code = forms.CharField(label=_("Grade"), max_length=10, required=False)
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=120, required=False)
    label_bo = forms.CharField(label=_("Label (Tibetan)"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=120, required=False)
    factor = FactorField(label=_("Factor (×)"), required=False)

    def __init__(self, *args: Any, cooperative: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["produce"].queryset = Produce.objects.filter(  # type: ignore[attr-defined]
            cooperative=cooperative, active=True
        )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("produce") and not data.get("code")


GradeFormSet = forms.formset_factory(GradeForm, extra=3, max_num=60, absolute_max=60)


class ProduceForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_bo = forms.CharField(label=_("Name (Tibetan)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)


class AttributeForm(forms.Form):
    """One measurement intake asks for (cap size, moisture); a blank row is dropped."""

    key = forms.SlugField(label=_("Key (letters, digits, _)"), max_length=30, required=False)
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=120, required=False)
    label_bo = forms.CharField(label=_("Label (Tibetan)"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=120, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False)
    min = forms.IntegerField(label=_("Lowest value"), required=False)
    max = forms.IntegerField(label=_("Highest value"), required=False)
    required = forms.BooleanField(label=_("Required at intake"), required=False)

    def attribute(self) -> dict[str, Any] | None:
        """The row as the service takes it, None for a blank row."""
        data = getattr(self, "cleaned_data", {})
        if not data.get("key") and not data.get("label_zh"):
            return None
        return {name: data.get(name) for name in self.fields}


AttributeFormSet = forms.formset_factory(AttributeForm, extra=3, max_num=10, absolute_max=10)
