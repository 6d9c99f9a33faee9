"""Building a county's day as a routing problem: what goes down to each point, what comes
up from it, when it is open, how long a stop takes, which vehicles there are and the
roads between them (closures in force included).

- **Delivery** load of a point: parcels at the hub for it (order parcels and totes
  that are not inside a tote, from label printed to packed).
- **Pickup** load: collection parcels waiting there (label printed, not collected yet),
  and the cooperatives' intakes weighed there since the last collection parcel was made
  there (an agent who packs intakes into a collection parcel has taken them in hand).
- **Window**: one opening period of the point that weekday, the first a vehicle can
  meet (the solver takes one window per stop).
- **Service time**: a fixed stop time and a little per parcel or intake.

What no vehicle can do is left out before solving, each with its reason and the point's
name: a point closed that day, one the roads do not reach, a window nobody can be at in
time, a parcel heavier or bigger than any vehicle that may carry it, chilled goods with
no refrigerated vehicle. A point whose load fills more than the largest vehicle is split
into several stops at the same place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core.errors import ValidationFailed
from highland.core.models import County
from highland.logistics.models import Parcel, ParcelKind, ParcelStatus, Vehicle
from highland.logistics.planning.problem import UNREACHABLE, Problem, Stop, VehicleType
from highland.logistics.planning.routes import unit_costs
from highland.logistics.services.parcels import estimate_volume_ml
from highland.logistics.temperature import needs_refrigeration
from highland.network.models import OpeningHours, ServicePoint, Tier

SERVICE_FIXED_S = 5 * 60
SERVICE_PER_ITEM_S = 30
DIMENSIONS = ("weight_g", "volume_ml")
# Parcels waiting at the hub for their point, from label to packed (not yet on a vehicle).
DELIVERY_STATUSES = (
    ParcelStatus.CREATED,
    ParcelStatus.RECEIVED_AT_HUB,
    ParcelStatus.SORTED,
    ParcelStatus.PUT_AWAY,
    ParcelStatus.PICKED,
    ParcelStatus.PACKED,
)
# Intakes older than this are not waiting at a point any more, whatever the records say.
INTAKE_LOOKBACK = dt.timedelta(days=14)

# Reasons a point or parcel is left out (UnservedReasonCode values).
CLOSED = "closed"
UNREACHABLE_REASON = "unreachable"
WINDOW_IMPOSSIBLE = "window_impossible"
TOO_HEAVY = "too_heavy"
NEEDS_REFRIGERATION = "needs_refrigeration"
NO_ROOM = "no_room"

Window = tuple[int, int]


def seconds_of(moment: dt.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def clock(seconds: int) -> str:
    """Seconds from midnight as "HH:MM" (past midnight shown as 24:10)."""
    minutes = seconds // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def moment_of(day: dt.date, seconds: int) -> dt.datetime:
    """The aware datetime `seconds` after the day's local midnight."""
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
    return midnight + dt.timedelta(seconds=seconds)


@dataclass
class PointLoad:
    """Everything to drop at and collect from one point."""

    point: ServicePoint
    drop: list[Parcel] = field(default_factory=list)
    collect: list[Parcel] = field(default_factory=list)
    loose_g: int = 0
    loose_intakes: int = 0

    @property
    def empty(self) -> bool:
        return not (self.drop or self.collect or self.loose_g)


@dataclass(frozen=True)
class StopLoad:
    """One stop of the problem: a point and (a part of) its load."""

    key: str
    point: ServicePoint
    drop: tuple[Parcel, ...]
    collect: tuple[Parcel, ...]
    loose_g: int
    loose_intakes: int
    window: Window

    @property
    def drop_g(self) -> int:
        return sum(parcel.weight_g for parcel in self.drop)

    @property
    def drop_ml(self) -> int:
        return sum(parcel.volume_ml for parcel in self.drop)

    @property
    def loose_ml(self) -> int:
        return estimate_volume_ml(self.loose_g)

    @property
    def collect_g(self) -> int:
        return sum(parcel.weight_g for parcel in self.collect) + self.loose_g

    @property
    def collect_ml(self) -> int:
        return sum(parcel.volume_ml for parcel in self.collect) + self.loose_ml

    @property
    def needs_refrigeration(self) -> bool:
        return any(
            needs_refrigeration(parcel.temperature_class) for parcel in (*self.drop, *self.collect)
        )

    @property
    def service_s(self) -> int:
        items = len(self.drop) + len(self.collect) + self.loose_intakes
        return SERVICE_FIXED_S + SERVICE_PER_ITEM_S * items


@dataclass(frozen=True)
class Excluded:
    """A point, or some of its parcels, left out before solving."""

    point: ServicePoint
    reason: str
    parcels: tuple[Parcel, ...] = ()
    weight_g: int = 0
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class Day:
    county: County
    day: dt.date
    departs_s: int
    depot: ServicePoint
    places: list[ServicePoint]  # index = matrix location; 0 is the hub
    location_of: dict[int, int]  # point id -> matrix location
    distance: list[list[int]]
    duration: list[list[int]]
    vehicles: dict[str, Vehicle]
    vehicle_types: tuple[VehicleType, ...]
    stops: dict[str, StopLoad]
    excluded: list[Excluded]
    periods: dict[int, list[Window]]  # point id -> the day's opening periods

    @property
    def problem(self) -> Problem:
        return Problem(
            distance=self.distance,
            duration=self.duration,
            depots=(0,),
            stops=tuple(self.problem_stop(key) for key in self.stops),
            vehicle_types=self.vehicle_types,
            dimensions=DIMENSIONS,
        )

    def problem_stop(self, key: str) -> Stop:
        load = self.stops[key]
        return Stop(
            key=key,
            location=self.location_of[load.point.pk],
            name=load.point.name,
            delivery=(load.drop_g, load.drop_ml),
            pickup=(load.collect_g, load.collect_ml),
            needs_refrigeration=load.needs_refrigeration,
            window_start=load.window[0],
            window_end=load.window[1],
            service_duration=load.service_s,
        )

    def distance_from_hub(self, point_id: int) -> int:
        """Road metres from the hub to the point (for sharing a route's cost)."""
        step = self.distance[0][self.location_of[point_id]]
        return 0 if step >= UNREACHABLE else step


# --- reading the database ----------------------------------------------------------------


def hub_point(county: County) -> ServicePoint:
    """The county centre, where the hub stands and every vehicle starts."""
    centre = ServicePoint.objects.filter(
        county=county, tier=Tier.COUNTY_CENTRE, active=True
    ).first()
    if centre is None:
        raise ValidationFailed(
            _("The county has no active county centre; the hub and the vans start there."),
            code="no_hub",
        )
    return centre


def active_vehicles(county: County) -> list[Vehicle]:
    return list(Vehicle.objects.filter(county=county, active=True).order_by("plate"))


def point_loads(county: County, *, on: dt.date) -> dict[int, PointLoad]:
    """What waits for and at each station and village point, by point id (4 queries)."""
    loads: dict[int, PointLoad] = {}
    points = {
        point.pk: point
        for point in ServicePoint.objects.filter(county=county, active=True).exclude(
            tier=Tier.COUNTY_CENTRE
        )
    }

    def load_of(point_id: int) -> PointLoad:
        if point_id not in loads:
            loads[point_id] = PointLoad(points[point_id])
        return loads[point_id]

    deliveries = Parcel.objects.filter(
        county=county,
        kind__in=(ParcelKind.ORDER, ParcelKind.TOTE),
        tote__isnull=True,
        status__in=DELIVERY_STATUSES,
        destination_point_id__in=points,
    ).order_by("pk")
    for parcel in deliveries:
        load_of(parcel.destination_point_id).drop.append(parcel)  # type: ignore[arg-type]
    collections = Parcel.objects.filter(
        county=county,
        kind=ParcelKind.COLLECTION,
        status=ParcelStatus.CREATED,
        origin_point_id__in=points,
    ).order_by("pk")
    for parcel in collections:
        load_of(parcel.origin_point_id).collect.append(parcel)  # type: ignore[arg-type]
    village_ids = [pk for pk, point in points.items() if point.tier == Tier.VILLAGE_POINT]
    last_packed = dict(
        Parcel.objects.filter(
            county=county, kind=ParcelKind.COLLECTION, origin_point_id__in=village_ids
        )
        .values("origin_point_id")
        .annotate(last=Max("created_at"))
        .values_list("origin_point_id", "last")
    )
    from highland.coops.selectors import produce_waiting_at_points

    since = timezone.make_aware(dt.datetime.combine(on, dt.time(0, 0))) - INTAKE_LOOKBACK
    waiting = produce_waiting_at_points(
        county,
        weighed_after={pk: last_packed.get(pk) for pk in village_ids},
        since=since,
    )
    for point_id, produce in waiting.items():
        load = load_of(point_id)
        load.loose_g += produce.net_g
        load.loose_intakes += produce.intake_count
    return {pk: load for pk, load in loads.items() if not load.empty}


def opening_periods(point_ids: Iterable[int], weekday: int) -> dict[int, list[Window]]:
    periods: dict[int, list[Window]] = {}
    for hours in OpeningHours.objects.filter(point_id__in=list(point_ids), weekday=weekday):
        periods.setdefault(hours.point_id, []).append(
            (seconds_of(hours.opens), seconds_of(hours.closes))
        )
    return {pk: sorted(windows) for pk, windows in periods.items()}


def travel_between(
    county: County, places: Sequence[ServicePoint], at: dt.datetime
) -> tuple[list[list[int]], list[list[int]]]:
    """Distance (m) and duration (s) matrices over the county's roads with the closures in
    force `at` (when the vans leave); cut-off pairs are UNREACHABLE. (The roads part
    computes and caches them.)"""
    from highland.logistics.services.roads import travel_matrices

    matrices = travel_matrices(county, places, at=at)
    distance = [list(row) for row in matrices.distance_m]
    duration = [list(row) for row in matrices.duration_s]
    for origin, target in matrices.unreachable:
        distance[origin][target] = UNREACHABLE
        duration[origin][target] = UNREACHABLE
    return distance, duration


# --- the problem --------------------------------------------------------------------------


def vehicle_type_for(vehicle: Vehicle, departs_s: int) -> VehicleType:
    per_metre, per_second = unit_costs(vehicle.cost_per_km_fen, vehicle.cost_per_hour_fen)
    shift_s = vehicle.shift_minutes * 60
    return VehicleType(
        key=f"V{vehicle.pk}",
        count=1,
        capacity=(vehicle.capacity_g, vehicle.capacity_ml),
        depot=0,
        refrigerated=vehicle.refrigerated,
        shift_start=departs_s,
        shift_end=departs_s + shift_s,
        max_duration=shift_s,
        unit_distance_cost=per_metre,
        unit_duration_cost=per_second,
        name=str(vehicle),
    )


Item = tuple[int, int, Parcel | None]  # grams, millilitres, the parcel (None: loose produce)


def _fits(item: Item, capacity: tuple[int, int]) -> bool:
    return item[0] <= capacity[0] and item[1] <= capacity[1]


def _chunks(items: list[Item], capacity: tuple[int, int]) -> list[list[Item]]:
    """First fit, heaviest first: groups that each fit `capacity`."""
    groups: list[list[Item]] = []
    room: list[list[int]] = []
    for item in sorted(items, key=lambda entry: (-entry[0], -entry[1])):
        for index, left in enumerate(room):
            if item[0] <= left[0] and item[1] <= left[1]:
                groups[index].append(item)
                left[0] -= item[0]
                left[1] -= item[1]
                break
        else:
            groups.append([item])
            room.append([capacity[0] - item[0], capacity[1] - item[1]])
    return groups


def _loose_items(grams: int, capacity: tuple[int, int]) -> list[Item]:
    """Loose produce in pieces that each fit a vehicle."""
    if grams <= 0:
        return []
    per_piece = max(1, min(capacity[0], capacity[1] // 2 if capacity[1] else capacity[0]))
    pieces: list[Item] = []
    left = grams
    while left > 0:
        piece = min(left, per_piece)
        pieces.append((piece, estimate_volume_ml(piece), None))
        left -= piece
    return pieces


def _largest(vehicles: Sequence[VehicleType], *, refrigerated: bool) -> tuple[int, int] | None:
    fitting = [v for v in vehicles if v.refrigerated or not refrigerated]
    if not fitting:
        return None
    return (max(v.capacity[0] for v in fitting), max(v.capacity[1] for v in fitting))


def _window_for(
    periods: list[Window],
    vehicles: Sequence[VehicleType],
    *,
    out_s: int,
    back_s: int,
    service_s: int,
    refrigerated: bool,
) -> Window | None:
    """The first opening period some suitable vehicle can serve within its shift."""
    for opens, closes in periods:
        for vehicle in vehicles:
            if refrigerated and not vehicle.refrigerated:
                continue
            begin = max(vehicle.shift_start + out_s, opens)
            if begin <= closes and begin + service_s + back_s <= vehicle.shift_end:
                return (opens, closes)
    return None


def _split_point(
    load: PointLoad,
    *,
    vehicles: Sequence[VehicleType],
    excluded: list[Excluded],
) -> tuple[list[Item], list[Item], bool]:
    """The point's drop and collect items that some vehicle can carry; what none can is
    added to `excluded`. Returns (drop, collect, needs a refrigerated vehicle)."""
    point = load.point
    cold_missing: list[Parcel] = []
    too_big: list[Parcel] = []
    keep: dict[str, list[Item]] = {"drop": [], "collect": []}
    for side, parcels in (("drop", load.drop), ("collect", load.collect)):
        for parcel in parcels:
            cold = needs_refrigeration(parcel.temperature_class)
            largest = _largest(vehicles, refrigerated=cold)
            if largest is None:
                cold_missing.append(parcel)
                continue
            item: Item = (parcel.weight_g, parcel.volume_ml, parcel)
            if not _fits(item, largest):
                too_big.append(parcel)
                continue
            keep[side].append(item)
    if cold_missing:
        excluded.append(_excluded(point, NEEDS_REFRIGERATION, cold_missing))
    if too_big:
        largest_any = _largest(vehicles, refrigerated=False) or (0, 0)
        excluded.append(
            _excluded(
                point,
                TOO_HEAVY,
                too_big,
                heaviest_g=max(parcel.weight_g for parcel in too_big),
                capacity_g=largest_any[0],
            )
        )
    cold = any(
        item[2] is not None and needs_refrigeration(item[2].temperature_class)
        for item in (*keep["drop"], *keep["collect"])
    )
    capacity = _largest(vehicles, refrigerated=cold) or (0, 0)
    keep["collect"].extend(_loose_items(load.loose_g, capacity))
    return keep["drop"], keep["collect"], cold


def _excluded(
    point: ServicePoint, reason: str, parcels: Sequence[Parcel], **details: object
) -> Excluded:
    return Excluded(
        point=point,
        reason=reason,
        parcels=tuple(parcels),
        weight_g=sum(parcel.weight_g for parcel in parcels),
        details={"ssccs": [parcel.sscc for parcel in parcels], **details},
    )


def _in_order(parcels: Iterable[Parcel | None]) -> tuple[Parcel, ...]:
    return tuple(sorted((p for p in parcels if p is not None), key=lambda parcel: parcel.pk))


def _closures_to(day: Day, point: ServicePoint) -> list[dict[str, str]]:
    """The closures in force that cut the way from the hub to the point (for the message)."""
    from highland.logistics.services.roads import closures_cutting

    at = moment_of(day.day, day.departs_s)
    cutting = closures_cutting(day.county, day.depot, point, at=at) or closures_cutting(
        day.county, point, day.depot, at=at
    )
    return [
        {"road": closure.edge.road_name or str(closure.edge), "reason": closure.reason}
        for closure in cutting
    ]


def _stops_for_point(
    load: PointLoad,
    *,
    location: int,
    day: Day,
    excluded: list[Excluded],
) -> list[StopLoad]:
    point = load.point
    vehicles = day.vehicle_types
    periods = day.periods.get(point.pk, [])
    everything = [*load.drop, *load.collect]
    if not periods:
        excluded.append(
            Excluded(
                point,
                CLOSED,
                tuple(everything),
                sum(p.weight_g for p in everything) + load.loose_g,
                {"weekday": day.day.weekday(), "loose_g": load.loose_g},
            )
        )
        return []
    out_s = day.duration[0][location]
    back_s = day.duration[location][0]
    if out_s >= UNREACHABLE or back_s >= UNREACHABLE:
        excluded.append(
            Excluded(
                point,
                UNREACHABLE_REASON,
                tuple(everything),
                sum(p.weight_g for p in everything) + load.loose_g,
                {"loose_g": load.loose_g, "closures": _closures_to(day, point)},
            )
        )
        return []
    drop, collect, cold = _split_point(load, vehicles=vehicles, excluded=excluded)
    if not drop and not collect:
        return []
    capacity = _largest(vehicles, refrigerated=cold) or (0, 0)
    drop_groups = _chunks(drop, capacity)
    collect_groups = _chunks(collect, capacity)
    count = max(len(drop_groups), len(collect_groups))
    stops: list[StopLoad] = []
    for index in range(count):
        drop_part = drop_groups[index] if index < len(drop_groups) else []
        collect_part = collect_groups[index] if index < len(collect_groups) else []
        parcels_dropped = _in_order(item[2] for item in drop_part)
        parcels_collected = _in_order(item[2] for item in collect_part)
        loose = sum(item[0] for item in collect_part if item[2] is None)
        intakes = load.loose_intakes if loose and not any(s.loose_g for s in stops) else 0
        key = point.code if count == 1 else f"{point.code}#{index + 1}"
        stops.append(
            StopLoad(key, point, parcels_dropped, parcels_collected, loose, intakes, (0, 0))
        )
    service_s = max(stop.service_s for stop in stops)
    window = _window_for(
        periods, vehicles, out_s=out_s, back_s=back_s, service_s=service_s, refrigerated=cold
    )
    if window is None:
        earliest = min(v.shift_start for v in vehicles) + out_s
        parcels = [parcel for stop in stops for parcel in (*stop.drop, *stop.collect)]
        excluded.append(
            Excluded(
                point,
                WINDOW_IMPOSSIBLE,
                tuple(parcels),
                sum(p.weight_g for p in parcels) + sum(stop.loose_g for stop in stops),
                {
                    "periods": [[clock(o), clock(c)] for o, c in periods],
                    "earliest": clock(earliest),
                    "loose_g": sum(stop.loose_g for stop in stops),
                },
            )
        )
        return []
    return [
        StopLoad(s.key, s.point, s.drop, s.collect, s.loose_g, s.loose_intakes, window)
        for s in stops
    ]


def build_day(county: County, day: dt.date, *, departs_at: dt.time) -> Day:
    """The day's routing problem and what was left out of it (reads the database and the
    road matrices; writes nothing)."""
    depot = hub_point(county)
    vehicles = active_vehicles(county)
    if not vehicles:
        raise ValidationFailed(
            _("The county has no active vehicle to plan with. Add one on the vehicles page."),
            code="no_vehicle",
        )
    departs_s = seconds_of(departs_at)
    loads = point_loads(county, on=day)
    ordered = sorted(loads.values(), key=lambda load: load.point.code)
    places = [depot, *(load.point for load in ordered)]
    distance, duration = travel_between(county, places, moment_of(day, departs_s))
    result = Day(
        county=county,
        day=day,
        departs_s=departs_s,
        depot=depot,
        places=places,
        location_of={place.pk: index for index, place in enumerate(places)},
        distance=distance,
        duration=duration,
        vehicles={f"V{vehicle.pk}": vehicle for vehicle in vehicles},
        vehicle_types=tuple(vehicle_type_for(vehicle, departs_s) for vehicle in vehicles),
        stops={},
        excluded=[],
        periods=opening_periods(loads, day.weekday()),
    )
    for load in ordered:
        location = result.location_of[load.point.pk]
        for stop in _stops_for_point(load, location=location, day=result, excluded=result.excluded):
            result.stops[stop.key] = stop
    return result
