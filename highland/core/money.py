"""Money is integer fen (1 yuan = 100 fen). One formatter, one parser, one splitter."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

FEN_PER_YUAN = 100
# ¥1,000,000,000: no single amount sent to a page or the API is larger; sums of many such
# amounts still fit a 64-bit fen column.
MAX_FEN = 100_000_000_000


def format_fen(amount_fen: int) -> str:
    """12345 -> '¥123.45'; -5 -> '-¥0.05'."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(int(amount_fen)), FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{fen:02d}"


def format_basis_points(basis_points: int) -> str:
    """A rate in basis points as a percentage: 500 -> '5.0 %', 125 -> '1.25 %'."""
    sign = "-" if basis_points < 0 else ""
    whole, hundredths = divmod(abs(int(basis_points)), 100)
    if hundredths % 10 == 0:
        return f"{sign}{whole}.{hundredths // 10} %"
    return f"{sign}{whole}.{hundredths:02d} %"


def parse_yuan(text: str | int | Decimal) -> int:
    """'123.45' -> 12345. Refuses more than two decimals, so nothing is silently rounded."""
    try:
        value = Decimal(str(text).strip().replace(",", "").removeprefix("¥"))
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {text!r}") from error
    if not value.is_finite() or value.adjusted() > 18:
        # Also "1e999999999": a billion digits would be built before any bound is checked.
        raise ValueError(f"not an amount: {text!r}")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(fen)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` by largest remainder: the parts sum to `total`.

    Ties in the remainder go to the earlier weight, so the split is deterministic.
    """
    if not weights:
        raise ValueError("nothing to allocate to")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * weight // weight_sum for weight in weights]
    remainders = [magnitude * weight % weight_sum for weight in weights]
    left = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda index: (-remainders[index], index))
    for index in order[:left]:
        floors[index] += 1
    return [sign * part for part in floors]


class YuanField(forms.CharField):
    """A form field that reads '123.45' (yuan) and cleans to 12345 (fen)."""

    default_error_messages = {
        "invalid": _("Enter an amount in yuan with at most two decimals, e.g. 12.50."),
        "min_value": _("The amount must be at least %(limit)s."),
        "max_value": _("The amount must be at most %(limit)s."),
    }

    def __init__(
        self, *, min_fen: int | None = 1, max_fen: int = MAX_FEN, **kwargs: object
    ) -> None:
        self.min_fen = min_fen
        self.max_fen = max_fen
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def prepare_value(self, value: object) -> object:
        if isinstance(value, int):
            return f"{value / FEN_PER_YUAN:.2f}"
        return value

    def to_python(self, value: object) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            fen = parse_yuan(str(text))
        except ValueError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        if self.min_fen is not None and fen < self.min_fen:
            raise forms.ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": format_fen(self.min_fen)},
            )
        if fen > self.max_fen:
            raise forms.ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": format_fen(self.max_fen)},
            )
        return fen
