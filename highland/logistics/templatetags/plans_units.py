"""Units of the planning pages: {{ grams|kg }}, {{ metres|km }}, {{ seconds|duration }}."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def kg(grams: int | None) -> str:
    """12345 -> "12.3 kg"; whole kilograms without a decimal."""
    if grams is None:
        return ""
    value = f"{grams / 1000:.1f}".removesuffix(".0")
    return _("%(value)s kg") % {"value": value}


@register.filter
def litres(millilitres: int | None) -> str:
    if millilitres is None:
        return ""
    return _("%(value)s L") % {"value": f"{millilitres / 1000:.0f}"}


@register.filter
def km(metres: int | None) -> str:
    if metres is None:
        return ""
    return _("%(value)s km") % {"value": f"{metres / 1000:.1f}"}


@register.filter
def duration(seconds: int | float | None) -> str:
    """4500 -> "1 h 15 min"."""
    if seconds is None:
        return ""
    minutes = int(seconds) // 60
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)d min") % {"hours": minutes // 60, "minutes": minutes % 60}


@register.filter
def hhmm(moment: dt.datetime | None) -> str:
    """An aware datetime as local "HH:MM"."""
    if moment is None:
        return ""
    return f"{timezone.localtime(moment):%H:%M}"
