"""The page form for recording a tracking event: type or scan the SSCC, say what happened
and where. A hidden one-time key makes a double tap record the event once."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from highland.core.models import County
from highland.logistics.models import BusLine, TrackingEventKind, Vehicle


def new_page_key() -> str:
    """An idempotency key for one page form (the form's hidden field)."""
    return f"page:{secrets.token_hex(12)}"


class TrackingEventForm(forms.Form):
    sscc = forms.CharField(
        label=_("SSCC"),
        max_length=40,
        help_text=_("Scan the label's barcode or type its 18 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("What happened to the parcel"), choices=TrackingEventKind.choices
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location_code = forms.CharField(
        label=_("Hub location"),
        max_length=20,
        required=False,
        help_text=_("For put away, picked and sorted: the location's code, such as A-01."),
    )
    vehicle = forms.ModelChoiceField(
        label=_("Vehicle"), queryset=Vehicle.objects.none(), required=False
    )
    bus_line = forms.ModelChoiceField(
        label=_("Bus line"), queryset=BusLine.objects.none(), required=False
    )
    point_code = forms.CharField(
        label=_("Service point"),
        max_length=20,
        required=False,
        help_text=_("For arrived and picked up: the point's code, such as LT-S01-V01."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    pickup_code = forms.CharField(
        label=_("Pickup code"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    photo = forms.FileField(
        label=_("Photo of the handover"),
        required=False,
        help_text=_("Without the pickup code: a photo proves the handover (JPEG, PNG or WebP)."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vehicle_field = self.fields["vehicle"]
        bus_field = self.fields["bus_line"]
        assert isinstance(vehicle_field, forms.ModelChoiceField)
        assert isinstance(bus_field, forms.ModelChoiceField)
        vehicle_field.queryset = Vehicle.objects.filter(county=county, active=True)
        bus_field.queryset = BusLine.objects.filter(county=county, active=True)
