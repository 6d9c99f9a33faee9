"""The forms of the intake desk and the lot pages.

Weights are typed in jin (斤, 500 g, how herders and buyers at a village point say a
weight; a decimal is fine: "24.6") or in grams (what a station's electronic scale
shows); both become whole grams, as `orders.quantities` reads a weight. Kilograms are not
offered: one more unit on a phone screen is one more way to weigh ten times wrong.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from highland.catalog.models import Sku
from highland.coops.models import Grade, Produce
from highland.core.errors import ValidationFailed
from highland.core.i18n import localized
from highland.core.money import YuanField
from highland.orders.quantities import GRAMS_PER_JIN

JIN, GRAMS = "jin", "g"
WEIGHT_UNITS = [(JIN, gettext_lazy("jin (500 g)")), (GRAMS, gettext_lazy("grams"))]
YARD, POINT = "yard", "point"


def parse_weight(text: str, unit: str, *, field: str, allow_zero: bool = False) -> int:
    """Grams for `text` in jin or grams; refuses what is not a whole number of grams."""
    raw = (text or "").strip().replace("，", ".").replace(",", ".")
    if not raw and allow_zero:
        return 0
    number: Decimal | None
    try:
        number = Decimal(raw) if raw.isascii() and raw.replace(".", "", 1).isdigit() else None
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        number = None
    if number is None or number < 0 or (number == 0 and not allow_zero):
        raise ValidationFailed(_("Enter a weight, e.g. 24.6 jin or 12300 g."), field=field)
    grams = number * GRAMS_PER_JIN if unit == JIN else number
    if grams != grams.to_integral_value():
        raise ValidationFailed(
            _("Enter the weight in whole grams, or jin in steps of one gram."), field=field
        )
    return int(grams)


def attribute_field_name(produce: Produce, key: str) -> str:
    return f"attr_{produce.code}_{key}"


class IntakeForm(forms.Form):
    """One weighing. The grade radio's value names produce and grade ("MT:A"), so one tap
    chooses both and the page needs no script; measurements of every produce are listed,
    only the chosen produce's are read."""

    grade = forms.ChoiceField(label=gettext_lazy("Produce and grade"), widget=forms.RadioSelect)
    unit = forms.ChoiceField(
        label=gettext_lazy("Weights in"),
        choices=WEIGHT_UNITS,
        initial=JIN,
        widget=forms.RadioSelect,
    )
    gross = forms.CharField(label=gettext_lazy("Gross weight"), max_length=12)
    tare = forms.CharField(label=gettext_lazy("Tare (basket, bag)"), max_length=12, required=False)
    advance = YuanField(label=gettext_lazy("Cash advance (yuan)"), min_fen=0, required=False)
    place = forms.ChoiceField(
        label=gettext_lazy("Weighed at"), widget=forms.RadioSelect, required=False
    )
    photo = forms.ImageField(label=gettext_lazy("Photo (optional)"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(
        self,
        *args: Any,
        grades: list[Grade],
        produce: list[Produce],
        at_yard_allowed: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.produce_by_code = {item.code: item for item in produce}
        grade_field = self.fields["grade"]
        assert isinstance(grade_field, forms.ChoiceField)
        grade_field.choices = [
            (f"{grade.produce.code}:{grade.code}", f"{grade.produce.name} · {grade.label}")
            for grade in grades
        ]
        place_field = self.fields["place"]
        assert isinstance(place_field, forms.ChoiceField)
        places = [(POINT, _("The member's village point"))]
        if at_yard_allowed:
            places.append((YARD, _("The cooperative's yard (no cash advance)")))
        place_field.choices = places
        self.attribute_fields: list[tuple[Produce, str]] = []
        for item in produce:
            for spec in item.attributes or []:
                name = attribute_field_name(item, spec["key"])
                unit = spec.get("unit", "")
                label = f"{item.name}: {localized(_Spec(spec), 'label') or spec['key']}"
                self.fields[name] = forms.CharField(
                    label=f"{label} ({unit})" if unit else label, max_length=12, required=False
                )
                self.attribute_fields.append((item, name))

    def chosen(self) -> tuple[Produce, str]:
        produce_code, grade_code = self.cleaned_data["grade"].split(":", 1)
        return self.produce_by_code[produce_code], grade_code

    def attributes_for(self, produce: Produce) -> dict[str, Any]:
        """The chosen produce's measurements as numbers; text that is not a number is kept
        as text so the service names the measurement in its refusal."""
        values: dict[str, Any] = {}
        for spec in produce.attributes or []:
            raw = (self.cleaned_data.get(attribute_field_name(produce, spec["key"])) or "").strip()
            if not raw:
                continue
            try:
                number = Decimal(raw.replace(",", "."))
            except InvalidOperation:
                values[spec["key"]] = raw
                continue
            values[spec["key"]] = number if number.is_finite() else raw
        return values

    def fingerprint_data(self) -> dict[str, Any]:
        """What the form asked for, for the idempotency key (the photo by name and size)."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("photo", "idempotency_key")
        }
        photo = self.cleaned_data.get("photo")
        data["photo"] = [photo.name, photo.size] if photo else None
        return data


class _Spec:
    """A produce's attribute spec read like a model with `label_zh/_bo/_en`."""

    def __init__(self, spec: dict[str, Any]) -> None:
        for suffix in ("zh", "bo", "en"):
            setattr(self, f"label_{suffix}", spec.get(f"label_{suffix}", ""))


class ReceiveLotForm(forms.Form):
    sku = forms.ModelChoiceField(label=gettext_lazy("Product variant"), queryset=Sku.objects.none())
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity (grams for a product sold by weight, else packs)"),
        min_value=1,
    )
    best_before = forms.DateField(label=gettext_lazy("Best before"), required=False)
    logistics_cost = YuanField(
        label=gettext_lazy("Logistics cost (yuan)"), min_fen=0, required=False
    )

    def __init__(self, *args: Any, skus: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sku_field = self.fields["sku"]
        assert isinstance(sku_field, forms.ModelChoiceField)
        sku_field.queryset = skus


class MoveIntakeForm(forms.Form):
    check_code = forms.CharField(label=gettext_lazy("Check code of the intake"), max_length=16)


RUN_ROWS = 3


class ProcessingRunForm(forms.Form):
    """Up to three lots in and three products out: a run uses few lots."""

    ran_on = forms.DateField(label=gettext_lazy("Processed on"))
    processing_cost = YuanField(
        label=gettext_lazy("Processing cost (yuan)"), min_fen=0, required=False
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, lots: Any, skus: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(RUN_ROWS):
            self.fields[f"lot_{index}"] = forms.ModelChoiceField(
                label=_("Lot %(n)d") % {"n": index + 1}, queryset=lots, required=False
            )
            self.fields[f"grams_{index}"] = forms.IntegerField(
                label=_("Grams used"), min_value=1, required=False
            )
        for index in range(RUN_ROWS):
            self.fields[f"sku_{index}"] = forms.ModelChoiceField(
                label=_("Product %(n)d") % {"n": index + 1}, queryset=skus, required=False
            )
            self.fields[f"quantity_{index}"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, required=False
            )
            self.fields[f"best_before_{index}"] = forms.DateField(
                label=_("Best before"), required=False
            )

    def rows(self) -> tuple[list[tuple[Any, int]], list[tuple[Any, int, Any]]]:
        data = self.cleaned_data
        inputs = [
            (data[f"lot_{index}"], data.get(f"grams_{index}") or 0)
            for index in range(RUN_ROWS)
            if data.get(f"lot_{index}")
        ]
        outputs = [
            (
                data[f"sku_{index}"],
                data.get(f"quantity_{index}") or 0,
                data.get(f"best_before_{index}"),
            )
            for index in range(RUN_ROWS)
            if data.get(f"sku_{index}")
        ]
        return inputs, outputs
