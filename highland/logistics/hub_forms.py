"""Forms of the hub's pages. Each carries a hidden one-time key, so a double tap on a
phone moves goods or receives a parcel once."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from highland.core.schemas import EARLIEST_DATE, LATEST_DATE, MAX_GRAMS
from highland.orders.models import Carrier


def new_key() -> str:
    return secrets.token_urlsafe(16)


class KeyedForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        initial.setdefault("idempotency_key", new_key())
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)


def _quantity_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_GRAMS)


def _location_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        widget=forms.TextInput(attrs={"list": "hub-locations", "autocomplete": "off"}),
    )


class PutAwayForm(KeyedForm):
    location = _location_field(_("Location code"))
    quantity = _quantity_field()


class MoveForm(KeyedForm):
    from_location = forms.ChoiceField(label=_("From"))
    to_location = _location_field(_("To location code"))
    quantity = _quantity_field()

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_location"].choices = sources  # type: ignore[attr-defined]


class PickForm(KeyedForm):
    from_location = forms.ChoiceField(label=_("From"))
    quantity = _quantity_field()
    order = forms.CharField(label=_("For order (number, optional)"), max_length=24, required=False)

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_location"].choices = sources  # type: ignore[attr-defined]


class ReceiveParcelForm(KeyedForm):
    sscc = forms.CharField(label=_("SSCC (scan or type)"), max_length=40)
    location = _location_field(_("Put away at (location code, optional)"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].required = False


class ReceiveGoodsForm(KeyedForm):
    sku_code = forms.CharField(label=_("Product variant code"), max_length=40)
    quantity = _quantity_field()
    best_before = forms.DateField(
        label=_("Best before (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    location = _location_field(_("Location code"))

    def clean_best_before(self) -> object:
        value = self.cleaned_data.get("best_before")
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(_("Give a date from 2000 to 2099."))
        return value


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(
        label=_("Carrier"),
        choices=[(value, label) for value, label in Carrier.choices if value != Carrier.COUNTY],
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=30)
    carrier_name = forms.CharField(
        label=_("Carrier's name (for another carrier)"), max_length=30, required=False
    )


class MakeTotesForm(forms.Form):
    sorted_at = forms.CharField(
        label=_("Totes filled at (location code, optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"list": "hub-locations", "autocomplete": "off"}),
    )
