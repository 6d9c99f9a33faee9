"""Cost per parcel: each route's cost shared among what it carried, and the monthly report.

A route's cost (its exact distance and time cost, rounded to the fen once) is split by
largest remainder (`core.money.allocate`, so the shares sum to the route's cost) in
proportion to **weight × road distance from the hub** of each parcel and of each point's
loose produce: a heavy parcel costs more than a light one to the same village, and a
parcel to a far village more than one to a near village on the same route, which is the
difference a subsidy for remote villages is about. Equal shares would make a 200 g
parcel to the furthest village as cheap as a 30 kg sack next to the hub; weight alone
would ignore distance. A parcel at the hub's own doorstep counts one metre, so it never
rides free. A parcel on a bus costs the bus fee (ADR: planning, buses and cost per parcel).

The report counts the day's plan in force (`PlanningRun.is_current`) for each day: a
day planned twice counts once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from highland.core.models import County
from highland.core.money import allocate
from highland.logistics.models import ParcelCost

# A year of months on one page at most.
MAX_REPORT_MONTHS = 12


def share_route_cost(
    cost_fen: int, items: Sequence[tuple[Hashable, int, int]]
) -> dict[Hashable, int]:
    """Split `cost_fen` over `items` = (key, grams, metres from the hub); the shares sum
    to `cost_fen` exactly. Equal shares when every item weighs nothing."""
    if not items:
        return {}
    weights = [max(grams, 0) * max(metres, 1) for _key, grams, metres in items]
    if not any(weights):
        weights = [1] * len(items)
    parts = allocate(cost_fen, weights)
    return {key: part for (key, _grams, _metres), part in zip(items, parts, strict=True)}


@dataclass(frozen=True)
class CostRow:
    """One village point in one month."""

    month: dt.date
    point_id: int
    point_code: str
    point_name: str
    parcels: int
    total_fen: int
    van_parcels: int
    bus_parcels: int

    @property
    def per_parcel_fen(self) -> int:
        """Rounded half up to the fen."""
        return (2 * self.total_fen + self.parcels) // (2 * self.parcels) if self.parcels else 0


def cost_per_parcel_report(county: County, *, since: dt.date, until: dt.date) -> list[CostRow]:
    """Cost per parcel per point and month, between two days inclusive (one query)."""
    rows = (
        ParcelCost.objects.filter(
            county=county, run__is_current=True, day__gte=since, day__lte=until
        )
        .annotate(month=TruncMonth("day"))
        .values(
            "month",
            "point_id",
            "point__code",
            "point__name_zh",
            "point__name_bo",
            "point__name_en",
            "carrier",
        )
        .annotate(parcels=Count("pk"), total=Sum("cost_fen"))
        .order_by("-month", "point__code", "carrier")
    )
    from highland.core.i18n import active_suffix

    suffix = active_suffix()
    merged: dict[tuple[dt.date, int], CostRow] = {}
    for row in rows:
        key = (row["month"], row["point_id"])
        name = row[f"point__name_{suffix}"] or row["point__name_zh"]
        previous = merged.get(key)
        van = row["parcels"] if row["carrier"] == "van" else 0
        bus = row["parcels"] if row["carrier"] == "bus" else 0
        if previous is None:
            merged[key] = CostRow(
                row["month"],
                row["point_id"],
                row["point__code"],
                name,
                row["parcels"],
                int(row["total"]),
                van,
                bus,
            )
        else:
            merged[key] = CostRow(
                previous.month,
                previous.point_id,
                previous.point_code,
                previous.point_name,
                previous.parcels + row["parcels"],
                previous.total_fen + int(row["total"]),
                previous.van_parcels + van,
                previous.bus_parcels + bus,
            )
    return list(merged.values())
