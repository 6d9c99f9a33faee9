"""Prices of lines, commission and shipping: pure functions on integers, no database."""

from __future__ import annotations

from collections.abc import Iterable

GRAMS_PER_PRICE_UNIT = 500  # by-weight SKUs are priced per 500 g (one jin)
BASIS_POINTS = 10_000

# Mainland provinces bordering Sichuan: parcels there cost the "near" rate.
NEIGHBOURING_PROVINCES = frozenset(
    {"重庆市", "云南省", "贵州省", "陕西省", "甘肃省", "青海省", "西藏自治区"}
)
HOME_PROVINCE = "四川省"

# Heaviest storage need wins: one frozen item makes the parcel frozen.
STORAGE_ORDER = {"ambient": 0, "chilled": 1, "frozen": 2}


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def line_amount_fen(*, unit_price_fen: int, quantity: int, by_weight: bool) -> int:
    """Units × price, or grams × price per 500 g rounded half up to the fen."""
    if by_weight:
        return _round_half_up(unit_price_fen * quantity, GRAMS_PER_PRICE_UNIT)
    return unit_price_fen * quantity


def commission_fen(amount_fen: int, rate_bp: int) -> int:
    """Commission on an amount at `rate_bp` basis points, rounded half up."""
    return _round_half_up(amount_fen * rate_bp, BASIS_POINTS)


def parcel_storage_class(classes: Iterable[str]) -> str:
    return max(classes, key=lambda name: STORAGE_ORDER.get(name, 0), default="ambient")


def shipping_zone(
    *, pickup_in_county: bool, province: str, district: str, county_names: set[str]
) -> str:
    if pickup_in_county or district in county_names:
        return "local"
    if province == HOME_PROVINCE:
        return "province"
    if province in NEIGHBOURING_PROVINCES:
        return "near"
    return "far"


def shipping_fee_fen(
    weight_g: int, *, first_weight_g: int, first_fee_fen: int, step_weight_g: int, step_fee_fen: int
) -> int:
    """First step's fee, then one step fee for each further step or part of one."""
    if weight_g <= first_weight_g:
        return first_fee_fen
    extra = weight_g - first_weight_g
    steps = -(-extra // step_weight_g)
    return first_fee_fen + steps * step_fee_fen


def catch_weight_adjustment_fen(*, unit_price_fen: int, ordered_g: int, packed_g: int) -> int:
    """Money owed for the weight difference: positive means the buyer owes more."""
    return line_amount_fen(unit_price_fen=unit_price_fen, quantity=packed_g, by_weight=True) - (
        line_amount_fen(unit_price_fen=unit_price_fen, quantity=ordered_g, by_weight=True)
    )
