"""Quantities as a villager says them: pieces, or jin (斤, 500 g) or grams by weight.

Checkout counts a SKU sold by weight in grams and any other SKU in units
(`linesources.CheckoutLine.quantity`); these functions read what an agent typed into
that number, and write it back the way people say it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from highland.catalog.models import SellingUnit
from highland.core.errors import ValidationFailed
from highland.core.schemas import MAX_QUANTITY

GRAMS_PER_JIN = 500
PIECES = "piece"
JIN = "jin"
GRAMS = "g"
WEIGHT_UNITS = (JIN, GRAMS)


def units_for(selling_unit: str) -> tuple[str, ...]:
    """The units an agent may type a quantity of this SKU in, the usual one first."""
    return WEIGHT_UNITS if selling_unit == SellingUnit.WEIGHT else (PIECES,)


def parse_quantity(text: str, unit: str, *, selling_unit: str) -> int:
    """What checkout expects for `text` in `unit`: grams for a SKU sold by weight, pieces
    otherwise. Jin may have a decimal part ("1.5" jin is 750 g); grams and pieces are
    whole numbers. Raises ValidationFailed on the `quantity` field for anything else."""
    raw = text.strip().replace("，", ".").replace(",", ".")
    if unit not in units_for(selling_unit):
        raise ValidationFailed(_("Choose a unit this product is sold in."), field="unit")
    try:
        # isascii(): Decimal would also read other scripts' digits and "NaN" or "Infinity".
        number = Decimal(raw) if raw.isascii() and raw.replace(".", "", 1).isdigit() else None
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        number = None
    if number is None or number <= 0:
        raise ValidationFailed(_("Enter a quantity greater than zero."), field="quantity")
    value = number * GRAMS_PER_JIN if unit == JIN else number
    if value != value.to_integral_value():
        message = (
            _("Enter the weight in whole grams, or jin in steps of one gram.")
            if unit == JIN
            else _("Enter the weight in whole grams.")
            if unit == GRAMS
            else _("Enter a whole number of pieces.")
        )
        raise ValidationFailed(message, field="quantity")
    if value > MAX_QUANTITY:
        raise ValidationFailed(
            _("Enter at most %(max)d.") % {"max": MAX_QUANTITY}, field="quantity"
        )
    return int(value)


def quantity_text(quantity: int, selling_unit: str) -> str:
    """A line's quantity as said aloud: "3 pieces", "1.5 jin", or "120 g"."""
    if selling_unit != SellingUnit.WEIGHT:
        return _("× %(count)d") % {"count": quantity}
    if quantity % (GRAMS_PER_JIN // 10) == 0:
        jin = Decimal(quantity) / GRAMS_PER_JIN
        return _("%(jin)s jin") % {"jin": f"{jin.normalize():f}"}
    return _("%(grams)d g") % {"grams": quantity}
