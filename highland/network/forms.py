from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from highland.core.models import Organisation, User
from highland.network.models import (
    ALTITUDE_RANGE_M,
    Connectivity,
    Service,
    ServicePoint,
    Tier,
    Weekday,
)


class PointFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=60)
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("Any")), *Tier.choices]
    )
    connectivity = forms.ChoiceField(
        label=_("Connectivity"), required=False, choices=[("", _("Any")), *Connectivity.choices]
    )
    service = forms.ChoiceField(
        label=_("Service"), required=False, choices=[("", _("Any")), *Service.choices]
    )
    township = forms.ChoiceField(label=_("Township"), required=False, choices=())
    include_inactive = forms.BooleanField(label=_("Include inactive"), required=False)

    def __init__(self, *args: Any, townships: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", _("Any")), *townships]  # type: ignore[attr-defined]


class PointDetailsForm(forms.Form):
    """Everything a centre operator can edit on a point."""

    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_bo = forms.CharField(label=_("Name (Tibetan)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    township_zh = forms.CharField(label=_("Township (Chinese)"), max_length=60)
    township_bo = forms.CharField(label=_("Township (Tibetan)"), max_length=120, required=False)
    township_en = forms.CharField(label=_("Township (English)"), max_length=60, required=False)
    village_zh = forms.CharField(label=_("Village (Chinese)"), max_length=60, required=False)
    village_bo = forms.CharField(label=_("Village (Tibetan)"), max_length=120, required=False)
    village_en = forms.CharField(label=_("Village (English)"), max_length=60, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6)
    altitude_m = forms.IntegerField(
        label=_("Altitude (m)"), min_value=ALTITUDE_RANGE_M[0], max_value=ALTITUDE_RANGE_M[1]
    )
    connectivity = forms.ChoiceField(label=_("Connectivity"), choices=Connectivity.choices)
    connectivity_stable = forms.BooleanField(label=_("Connection is stable"), required=False)
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisation = forms.ModelChoiceField(
        label=_("Operated by"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class NewPointForm(PointDetailsForm):
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    code = forms.CharField(label=_("Code"), max_length=20)
    parent = forms.ModelChoiceField(
        label=_("Belongs to"), queryset=ServicePoint.objects.none(), required=False
    )

    field_order = ["tier", "code", "parent"]

    def __init__(self, *args: Any, parents: QuerySet[ServicePoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class PointConnectivityForm(forms.Form):
    """What a point's own agent may edit."""

    connectivity = forms.ChoiceField(label=_("Connectivity"), choices=Connectivity.choices)
    connectivity_stable = forms.BooleanField(label=_("Connection is stable"), required=False)
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class OpeningHoursForm(forms.Form):
    """One opening period per weekday; leave both empty for a closed day."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in Weekday.choices:
            time_input = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            self.fields[f"opens_{day}"] = forms.TimeField(
                label=label, required=False, widget=time_input
            )
            self.fields[f"closes_{day}"] = forms.TimeField(
                label=label, required=False, widget=time_input
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(label), self[f"opens_{day}"], self[f"closes_{day}"])
            for day, label in Weekday.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day, _label in Weekday.choices:
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            if bool(opens) != bool(closes):
                self.add_error(f"closes_{day}", _("Give both the opening and the closing time."))
            elif opens and closes and closes <= opens:
                self.add_error(f"closes_{day}", _("Closing time must be after opening time."))
        return data

    def periods(self) -> list[tuple[int, Any, Any]]:
        return [
            (day, self.cleaned_data[f"opens_{day}"], self.cleaned_data[f"closes_{day}"])
            for day, _label in Weekday.choices
            if self.cleaned_data.get(f"opens_{day}")
        ]


class MovePointForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("New parent"), queryset=ServicePoint.objects.none())

    def __init__(self, *args: Any, parents: QuerySet[ServicePoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]


class AgentForm(forms.Form):
    agent: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none()
    )

    def __init__(self, *args: Any, agents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents  # type: ignore[attr-defined]


class VillagerForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=120)
    phone = forms.CharField(label=_("Mobile phone (optional)"), max_length=24, required=False)
    household = forms.CharField(label=_("Household"), max_length=80, required=False)
