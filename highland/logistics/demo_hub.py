"""The demo county's hub stock: every lot the demo catalogue made (its sellers' stock) is
put away in a zone of its class (frozen lots in F, chilled in C, ambient in A), spread
over the zone's locations. The cooperatives' lots stay at their yards, not yet put away.
Idempotent: only what is not yet put away is placed."""

from __future__ import annotations

from itertools import cycle

from django.db.models import Sum

from highland.catalog.models import LotOrigin, StockLot
from highland.core.models import County, User
from highland.logistics.models import HubLocation, LotPlacement
from highland.logistics.services.hub import put_away


def load_demo_hub(county: County, *, admin: User) -> dict[str, int]:
    """Put away what the demo county's lots hold and no location holds yet."""
    locations: dict[str, list[HubLocation]] = {}
    for location in (
        HubLocation.objects.filter(county=county, active=True, zone__active=True)
        .select_related("zone")
        .order_by("code")
    ):
        locations.setdefault(location.zone.temperature_class, []).append(location)
    turns = {temperature_class: cycle(spots) for temperature_class, spots in locations.items()}
    placed = dict(
        LotPlacement.objects.filter(county=county)
        .order_by()
        .values("lot_id")
        .annotate(total=Sum("quantity"))
        .values_list("lot_id", "total")
    )
    count = 0
    for lot in (
        StockLot.objects.filter(
            county=county, on_hand__gt=0, origin__in=(LotOrigin.SELLER, LotOrigin.OPENING)
        )
        .select_related("sku__product", "county")
        .order_by("pk")
    ):
        unplaced = lot.on_hand - int(placed.get(lot.pk, 0))
        turn = turns.get(lot.sku.product.storage_class)
        if unplaced <= 0 or turn is None:
            continue
        put_away(lot, location=next(turn), quantity=unplaced, actor=admin)
        count += 1
    return {"lots_put_away": count}
