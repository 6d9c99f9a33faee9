"""Temperature classes: the catalogue's storage classes, ordered from coldest to warmest.

A zone, a vehicle and a parcel each have one. Goods may sit anywhere at least as cold as
their class: frozen goods only in frozen zones, chilled goods in chilled or frozen ones
(a frozen zone may hold chilled goods only if the hub chooses; this rule only refuses
warmer), ambient goods anywhere.
"""

from __future__ import annotations

from highland.catalog.models import StorageClass

TemperatureClass = StorageClass

# Lower is colder.
WARMTH: dict[str, int] = {
    StorageClass.FROZEN: 0,
    StorageClass.CHILLED: 1,
    StorageClass.AMBIENT: 2,
}

# The range each class must stay in, in °C (None: no bound). Excursion rules start here.
DEFAULT_RANGE_CELSIUS: dict[str, tuple[float | None, float | None]] = {
    StorageClass.FROZEN: (None, -18.0),
    StorageClass.CHILLED: (0.0, 4.0),
    StorageClass.AMBIENT: (None, None),
}


def may_hold(place_class: str, goods_class: str) -> bool:
    """Whether a place of `place_class` keeps goods of `goods_class` cold enough."""
    return WARMTH[place_class] <= WARMTH[goods_class]


def needs_refrigeration(goods_class: str) -> bool:
    return goods_class != StorageClass.AMBIENT
