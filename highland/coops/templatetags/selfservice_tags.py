"""Weights as a member reads them: kilograms with one decimal, and jin for Chinese readers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from highland.orders.quantities import GRAMS_PER_JIN

register = template.Library()

_ONE_DECIMAL = Decimal("0.1")


def _one_decimal(grams: int, per_unit: int) -> str:
    return f"{(Decimal(grams) / per_unit).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP):f}"


@register.filter
def kg(grams: int | None) -> str:
    """{{ intake.net_g|kg }} -> 12.3 kg"""
    if grams is None:
        return ""
    return _("%(kg)s kg") % {"kg": _one_decimal(grams, 1000)}


@register.filter
def weight(grams: int | None) -> str:
    """{{ intake.net_g|weight }} -> "12.3 kg", and "12.3 kg (24.6 jin)" for Chinese readers,
    who weigh in jin at the market."""
    if grams is None:
        return ""
    text = kg(grams)
    if (get_language() or "").startswith("zh"):
        jin = _("%(jin)s jin") % {"jin": _one_decimal(grams, GRAMS_PER_JIN)}
        text = f"{text}（{jin}）"
    return text
