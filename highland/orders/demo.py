"""Shipping rates of the demo county: plausible Litang figures, in fen per parcel."""

from __future__ import annotations

from highland.core.models import County
from highland.orders.models import ShippingRate, ShippingZone

# (first kg fee, each further kg) per zone and storage class. Cold chain costs more,
# and pickup inside the county rides the passenger buses, so it is cheap.
DEMO_RATES = {
    ShippingZone.LOCAL: {"ambient": (300, 100), "chilled": (600, 200), "frozen": (800, 300)},
    ShippingZone.PROVINCE: {"ambient": (800, 300), "chilled": (1800, 800), "frozen": (2200, 1000)},
    ShippingZone.NEAR: {"ambient": (1000, 500), "chilled": (2500, 1200), "frozen": (3000, 1500)},
    ShippingZone.FAR: {"ambient": (1500, 800), "chilled": (3500, 1800), "frozen": (4000, 2000)},
}


def load_demo_shipping_rates(county: County) -> int:
    """Create the rates that are missing; returns how many were created."""
    created = 0
    for zone, classes in DEMO_RATES.items():
        for storage_class, (first_fee, step_fee) in classes.items():
            _rate, was_created = ShippingRate.objects.get_or_create(
                county=county,
                zone=zone,
                storage_class=storage_class,
                defaults={
                    "first_weight_g": 1000,
                    "first_fee_fen": first_fee,
                    "step_weight_g": 1000,
                    "step_fee_fen": step_fee,
                },
            )
            created += int(was_created)
    return created
