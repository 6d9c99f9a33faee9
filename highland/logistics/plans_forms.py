"""Forms of the planning, fleet, bus and driver pages. Capacities are typed in kg and
litres and stored in grams and millilitres; money in yuan, stored in fen."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from highland.core.models import County, Membership, Organisation, OrganisationType, Role, User
from highland.core.money import YuanField
from highland.logistics.services.planning import MAX_DAYS_AHEAD, MAX_SECONDS
from highland.network.models import ServicePoint, Tier, Weekday


def new_key() -> str:
    """A one-time key for a form: the same form sent twice records once."""
    return secrets.token_urlsafe(16)


class PlanningRunForm(forms.Form):
    day = forms.DateField(label=_("Day to plan"), widget=forms.DateInput(attrs={"type": "date"}))
    seconds = forms.IntegerField(
        label=_("Time limit (seconds)"), min_value=1, max_value=int(MAX_SECONDS), initial=10
    )
    departs_at = forms.TimeField(
        label=_("Vans leave from"),
        initial=dt.time(7, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["day"].initial = today + dt.timedelta(days=1)
        self.fields["day"].widget.attrs.update(
            {
                "min": today.isoformat(),
                "max": (today + dt.timedelta(days=MAX_DAYS_AHEAD)).isoformat(),
            }
        )


def drivers_of(county: County) -> forms.ModelChoiceField:
    people = User.objects.filter(
        pk__in=Membership.objects.filter(county=county, role=Role.DRIVER, active=True).values(
            "user_id"
        )
    ).order_by("display_name", "username")
    return forms.ModelChoiceField(queryset=people, required=False, label=_("Driver"))


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("Number plate"), max_length=12)
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    carrier = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Carrier"))
    capacity_kg = forms.IntegerField(label=_("Load capacity (kg)"), min_value=1, max_value=50_000)
    capacity_litres = forms.IntegerField(
        label=_("Load volume (litres)"), min_value=1, max_value=200_000
    )
    refrigerated = forms.BooleanField(label=_("Refrigerated"), required=False)
    shift_minutes = forms.IntegerField(
        label=_("Shift length (minutes)"), min_value=60, max_value=16 * 60, initial=600
    )
    cost_per_km = YuanField(label=_("Cost per km (yuan)"), min_fen=0)
    cost_per_hour = YuanField(label=_("Cost per hour (yuan)"), min_fen=0)
    active = forms.BooleanField(label=_("In service"), required=False, initial=True)

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        carrier = self.fields["carrier"]
        assert isinstance(carrier, forms.ModelChoiceField)
        carrier.queryset = Organisation.objects.filter(
            county=county, type=OrganisationType.CARRIER
        ).order_by("pk")
        self.fields["driver"] = drivers_of(county)


def _point_label(point: ServicePoint) -> str:
    return f"{point.code} {point.name}"


class BusStopForm(forms.Form):
    point = forms.ModelChoiceField(queryset=ServicePoint.objects.none(), label=_("Point"))
    minutes_from_departure = forms.IntegerField(
        label=_("Minutes after departure"), min_value=1, max_value=16 * 60
    )

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        point = self.fields["point"]
        assert isinstance(point, forms.ModelChoiceField)
        point.queryset = (
            ServicePoint.objects.filter(county=county, active=True)
            .exclude(tier=Tier.COUNTY_CENTRE)
            .order_by("code")
        )
        point.label_from_instance = _point_label  # type: ignore[method-assign,assignment]


class BusDepartureForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    departs_at = forms.TimeField(
        label=_("Departs at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    parcel_capacity = forms.IntegerField(
        label=_("Parcels on this departure (empty: the line's)"),
        min_value=0,
        max_value=1000,
        required=False,
    )

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["driver"] = drivers_of(county)


class ConfirmForm(forms.Form):
    """One driver's tap; the key was made when the page was shown."""

    key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,40}$", widget=forms.HiddenInput)


class CostReportForm(forms.Form):
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
