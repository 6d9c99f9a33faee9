"""What the hub's lots by location must say (ADR 0014), checked by `manage.py verify`
(registered in orders' stock checks):

- per lot, Σ placements ≤ on hand (the rest is not yet put away);
- no placement in a zone warmer than its lot's class;
- a placement, its lot and its location belong to one county.

Each check is one query, whatever the number of lots.
"""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from highland.catalog.models import StockLot
from highland.core.models import County
from highland.logistics.models import LotPlacement
from highland.logistics.temperature import TemperatureClass


def lots_within_on_hand(county: County) -> list[str]:
    """No lot has more at locations than it holds."""
    placed = (
        LotPlacement.objects.filter(lot_id=OuterRef("pk"))
        .order_by()
        .values("lot_id")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    rows = (
        StockLot.objects.filter(county=county)
        .annotate(placed=Coalesce(Subquery(placed), 0))
        .filter(placed__gt=F("on_hand"))
        .order_by("pk")
        .values_list("code", "placed", "on_hand")
    )
    return [
        _("Lot %(lot)s has %(placed)d at locations but holds only %(on_hand)d.")
        % {"lot": code, "placed": placed_total, "on_hand": on_hand}
        for code, placed_total, on_hand in rows
    ]


def placements_cold_enough(county: County) -> list[str]:
    """No lot lies in a zone warmer than its class."""
    frozen, chilled, ambient = (
        TemperatureClass.FROZEN,
        TemperatureClass.CHILLED,
        TemperatureClass.AMBIENT,
    )
    too_warm = (
        Q(lot__sku__product__storage_class=frozen) & ~Q(location__zone__temperature_class=frozen)
    ) | (Q(lot__sku__product__storage_class=chilled) & Q(location__zone__temperature_class=ambient))
    rows = (
        LotPlacement.objects.filter(county=county, quantity__gt=0)
        .filter(too_warm)
        .order_by("pk")
        .values_list(
            "lot__code",
            "location__code",
            "lot__sku__product__storage_class",
            "location__zone__temperature_class",
        )
    )
    return [
        _("Lot %(lot)s (%(goods_class)s) lies at %(location)s in a %(place_class)s zone.")
        % {"lot": lot, "location": location, "goods_class": goods, "place_class": place}
        for lot, location, goods, place in rows
    ]


def placements_in_one_county(county: County) -> list[str]:
    """A placement, its lot and its location are of one county; none is negative."""
    rows = (
        LotPlacement.objects.filter(county=county)
        .filter(
            ~Q(lot__county_id=F("county_id"))
            | ~Q(location__county_id=F("county_id"))
            | Q(quantity__lt=0)
        )
        .order_by("pk")
        .values_list("pk", "lot__code", "location__code", "quantity")
    )
    return [
        _("Placement #%(placement)d of lot %(lot)s at %(location)s (%(quantity)d) is wrong.")
        % {"placement": pk, "lot": lot, "location": location, "quantity": quantity}
        for pk, lot, location, quantity in rows
    ]


def verify_placements(county: County) -> list[str]:
    """Every problem of the county's lots by location; empty when all hold."""
    return [
        *lots_within_on_hand(county),
        *placements_cold_enough(county),
        *placements_in_one_county(county),
    ]
