"""How prices and stock read on the shop pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from highland.catalog.models import GRAMS_PER_PRICE_UNIT, SellingUnit, Sku
from highland.core.money import format_fen

register = template.Library()

# Below this many units (or grams by weight) buyers see "only … left".
FEW_UNITS = 5
FEW_GRAMS = 2000


def _kilograms(grams: int) -> str:
    return f"{grams / 1000:.1f}".rstrip("0").rstrip(".")


@register.filter
def unit_price(price_fen: int | None, selling_unit: str = "") -> str:
    """¥298.00, or ¥298.00 / 500 g for a weight SKU."""
    if price_fen is None:
        return ""
    if selling_unit == SellingUnit.WEIGHT:
        return _("%(price)s / %(grams)d g") % {
            "price": format_fen(price_fen),
            "grams": GRAMS_PER_PRICE_UNIT,
        }
    return format_fen(price_fen)


@register.filter
def stock_state(sku: Sku) -> str:
    """What a buyer reads about a SKU's stock."""
    if sku.stock <= 0:
        return _("Sold out")
    if sku.selling_unit == SellingUnit.WEIGHT:
        if sku.stock < FEW_GRAMS:
            return _("Only %(kg)s kg left") % {"kg": _kilograms(sku.stock)}
        return _("%(kg)s kg available") % {"kg": _kilograms(sku.stock)}
    if sku.stock <= FEW_UNITS:
        return _("Only %(count)d left") % {"count": sku.stock}
    return _("In stock")


@register.filter
def stock_level(sku: Sku) -> str:
    """The exact stock, for sellers: units, or kilograms and grams by weight."""
    if sku.selling_unit == SellingUnit.WEIGHT:
        return _("%(grams)d g (%(kg)s kg)") % {"grams": sku.stock, "kg": _kilograms(sku.stock)}
    return str(sku.stock)
