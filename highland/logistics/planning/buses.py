"""Bus or van: for each point on a bus line, the bus's fee and arrival against what the
van stop costs, and the choice.

The marginal cost of a van stop is measured on the solved plan by removal: the cost of
its route as solved minus the cost of the same route without the point's deliveries
(the stop left out, or kept with only its collections), both computed by
`routes.evaluate_route` from the same matrices. Removal never breaks a route (the
matrices are shortest paths, and a van may wait), so the reduced route is a valid plan
and needs no second solve. Re-solving without the stop could only find a cheaper route
still, so the marginal cost by removal is what the bus actually saves, never an
overestimate of the plan that is carried out.

Choices are made greedily: the point whose bus saves most is sent by bus first, the
routes it leaves are re-costed, and so on while a bus is cheaper. Points no van could
serve (no room, or a window the vans cannot meet) go by bus when one reaches them while
the point is open. A bus takes ambient deliveries only (it has no refrigeration and
does not carry produce up), and no more parcels than its departure has room for; a
point goes by bus whole or not at all, since a van that must go there anyway costs
almost nothing more for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count

from highland.logistics.models import (
    BusConsignment,
    BusConsignmentStatus,
    BusDeparture,
    BusDepartureBooking,
    BusLine,
    BusLineStop,
    Parcel,
)
from highland.logistics.planning.day import (
    NO_ROOM,
    WINDOW_IMPOSSIBLE,
    Day,
    Excluded,
    StopLoad,
    clock,
    seconds_of,
)
from highland.logistics.planning.problem import Problem
from highland.logistics.planning.routes import (
    COST_UNITS_PER_FEN,
    EvaluatedRoute,
    evaluate_route,
    units_to_fen,
)
from highland.logistics.temperature import needs_refrigeration

# Reason codes of a choice (planning.explain turns them into sentences).
BUS_CHEAPER = "bus_cheaper"
VAN_CHEAPER = "van_cheaper"
BUS_ONLY = "bus_only"
BUS_CLOSED = "bus_arrives_closed"
BUS_FULL = "bus_full"
BUS_COLD = "cold_goods"
NO_DEPARTURE = "no_departure"


@dataclass(frozen=True)
class BusOption:
    line: BusLine
    departure: BusDeparture
    arrives_s: int


@dataclass
class BusDecision:
    point_id: int
    line: BusLine
    departure: BusDeparture | None
    parcels: tuple[Parcel, ...]
    fee_fen: int
    arrives_s: int | None
    van_marginal_fen: int | None
    chosen: str  # "bus", "van", or "none" (no van serves it and no bus can)
    reason: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class PlannedVan:
    """A vehicle's stops in order (keys of `Day.stops`)."""

    vehicle_key: str
    stop_keys: list[str]


def bus_options(day: Day, point_ids: Sequence[int]) -> dict[int, list[BusOption]]:
    """Per point: the departures that day of active lines stopping there, earliest
    first, with the time each reaches the point (2 queries)."""
    stops = list(
        BusLineStop.objects.filter(
            county=day.county, point_id__in=list(point_ids), line__active=True
        ).select_related("line")
    )
    if not stops:
        return {}
    departures: dict[int, list[BusDeparture]] = {}
    for departure in BusDeparture.objects.filter(
        line_id__in={stop.line_id for stop in stops}, weekday=day.day.weekday(), active=True
    ).order_by("departs_at"):
        departures.setdefault(departure.line_id, []).append(departure)
    options: dict[int, list[BusOption]] = {}
    for stop in stops:
        for departure in departures.get(stop.line_id, []):
            departure.line = stop.line
            arrives = seconds_of(departure.departs_at) + stop.minutes_from_departure * 60
            options.setdefault(stop.point_id, []).append(BusOption(stop.line, departure, arrives))
    for choices in options.values():
        choices.sort(key=lambda option: (option.arrives_s, option.line.code))
    return options


def departure_room(day: Day, departures: Sequence[BusDeparture]) -> dict[int, int]:
    """Parcels each departure can still take on the day, counting as free what the day's
    current plan booked (a new plan replaces it). 2 queries."""
    booked = {
        booking.departure_id: booking.booked
        for booking in BusDepartureBooking.objects.filter(departure__in=departures, date=day.day)
    }
    replaced = dict(
        BusConsignment.objects.filter(
            departure__in=departures,
            departure_date=day.day,
            status=BusConsignmentStatus.BOOKED,
            run__is_current=True,
        )
        .values("departure_id")
        .annotate(count=Count("pk"))
        .values_list("departure_id", "count")
    )
    return {
        departure.pk: departure.capacity
        - booked.get(departure.pk, 0)
        + replaced.get(departure.pk, 0)
        for departure in departures
    }


def _in_periods(seconds: int, periods: Sequence[tuple[int, int]]) -> bool:
    return any(opens <= seconds <= closes for opens, closes in periods)


class BusPlanner:
    """Decides bus or van for every point with a bus option, changing `vans` and
    `day.stops` in place as points go by bus."""

    def __init__(
        self,
        day: Day,
        vans: list[PlannedVan],
        unserved: list[Excluded],
        options: dict[int, list[BusOption]],
        room: dict[int, int],
    ) -> None:
        self.day = day
        self.vans = vans
        self.unserved = unserved
        self.options = options
        self.room = room
        self.matrices = Problem(
            distance=day.distance,
            duration=day.duration,
            depots=(0,),
            stops=(),
            vehicle_types=day.vehicle_types,
            dimensions=("weight_g", "volume_ml"),
        )
        self.types = {vt.key: vt for vt in day.vehicle_types}

    # --- costs ---------------------------------------------------------------------------

    def evaluate(self, van: PlannedVan, stop_keys: Sequence[str] | None = None) -> EvaluatedRoute:
        keys = van.stop_keys if stop_keys is None else stop_keys
        return evaluate_route(
            self.matrices,
            self.types[van.vehicle_key],
            [self.day.problem_stop(key) for key in keys],
        )

    def _point_keys(self, point_id: int) -> list[str]:
        return [key for key, stop in self.day.stops.items() if stop.point.pk == point_id]

    def _without_drops(self, stop: StopLoad) -> StopLoad | None:
        if not stop.collect and not stop.loose_g:
            return None
        return StopLoad(
            stop.key, stop.point, (), stop.collect, stop.loose_g, stop.loose_intakes, stop.window
        )

    def marginal_units(self, point_id: int) -> int | None:
        """What the point's deliveries add to the vans' cost (None: no van serves it)."""
        keys = set(self._point_keys(point_id))
        touched = [van for van in self.vans if keys & set(van.stop_keys)]
        if not touched:
            return None
        saved = self.day.stops.copy()
        try:
            before = sum(self.evaluate(van).cost_units for van in touched)
            kept = self._strip(point_id)
            after = sum(
                self.evaluate(van, [key for key in van.stop_keys if key in kept]).cost_units
                for van in touched
            )
        finally:
            self.day.stops = saved
        return before - after

    def _strip(self, point_id: int) -> set[str]:
        """Take the point's deliveries off its stops in `day.stops`; the keys still visited."""
        kept = set(self.day.stops)
        for key in self._point_keys(point_id):
            remainder = self._without_drops(self.day.stops[key])
            if remainder is None:
                kept.discard(key)
                del self.day.stops[key]
            else:
                self.day.stops[key] = remainder
        return kept

    # --- the choice ----------------------------------------------------------------------

    def _drops_of(self, point_id: int) -> tuple[Parcel, ...]:
        served = tuple(
            parcel
            for stop in self.day.stops.values()
            if stop.point.pk == point_id
            for parcel in stop.drop
        )
        if served:
            return served
        return tuple(
            parcel
            for excluded in self.unserved
            if excluded.point.pk == point_id and excluded.reason in (NO_ROOM, WINDOW_IMPOSSIBLE)
            for parcel in excluded.parcels
            if parcel.destination_point_id == point_id
        )

    def _option(
        self, point_id: int, parcels: tuple[Parcel, ...]
    ) -> tuple[BusOption | None, str, dict[str, object]]:
        """The earliest departure that reaches the point open and has room, or why none."""
        choices = self.options[point_id]
        first = choices[0]
        facts: dict[str, object] = {"line": first.line.code, "arrives": clock(first.arrives_s)}
        if any(needs_refrigeration(parcel.temperature_class) for parcel in parcels):
            return None, BUS_COLD, facts
        periods = self.day.periods.get(point_id, [])
        open_choices = [c for c in choices if _in_periods(c.arrives_s, periods)]
        if not open_choices:
            return None, BUS_CLOSED, facts
        for choice in open_choices:
            if self.room.get(choice.departure.pk, 0) >= len(parcels):
                return choice, "", {}
        best = max(open_choices, key=lambda c: self.room.get(c.departure.pk, 0))
        return (
            None,
            BUS_FULL,
            {
                "line": best.line.code,
                "room": max(self.room.get(best.departure.pk, 0), 0),
                "parcels": len(parcels),
            },
        )

    def decide(self) -> list[BusDecision]:
        decided: dict[int, BusDecision] = {}
        candidates = [pk for pk in self.options if self._drops_of(pk)]
        while True:
            best: tuple[int, int, BusOption, tuple[Parcel, ...], int | None] | None = None
            for point_id in candidates:
                if point_id in decided:
                    continue
                parcels = self._drops_of(point_id)
                option, _why, _facts = self._option(point_id, parcels)
                if option is None:
                    continue
                fee_units = option.line.fee_per_parcel_fen * len(parcels) * COST_UNITS_PER_FEN
                marginal = self.marginal_units(point_id)
                # A point no van serves gains everything by the bus.
                saving = (10**18) if marginal is None else marginal - fee_units
                if saving > 0 and (best is None or saving > best[1]):
                    best = (point_id, saving, option, parcels, marginal)
            if best is None:
                break
            point_id, _saving, option, parcels, marginal = best
            decided[point_id] = self._send_by_bus(point_id, option, parcels, marginal)
        for point_id in candidates:
            if point_id not in decided:
                decided[point_id] = self._keep_on_van(point_id)
        codes = {place.pk: place.code for place in self.day.places}
        return [decided[pk] for pk in sorted(decided, key=lambda pk: codes.get(pk, ""))]

    def _send_by_bus(
        self, point_id: int, option: BusOption, parcels: tuple[Parcel, ...], marginal: int | None
    ) -> BusDecision:
        fee = option.line.fee_per_parcel_fen * len(parcels)
        if marginal is None:
            # Off the unserved list: the parcels it held for this point ride the bus.
            self.unserved[:] = _without_parcels(self.unserved, {parcel.pk for parcel in parcels})
            reason = BUS_ONLY
        else:
            kept = self._strip(point_id)
            for van in self.vans:
                van.stop_keys = [key for key in van.stop_keys if key in kept]
            self.vans[:] = [van for van in self.vans if van.stop_keys]
            reason = BUS_CHEAPER
        self.room[option.departure.pk] = self.room.get(option.departure.pk, 0) - len(parcels)
        return BusDecision(
            point_id=point_id,
            line=option.line,
            departure=option.departure,
            parcels=parcels,
            fee_fen=fee,
            arrives_s=option.arrives_s,
            van_marginal_fen=None if marginal is None else units_to_fen(marginal),
            chosen="bus",
            reason=reason,
            details={"line": option.line.code, "arrives": clock(option.arrives_s)},
        )

    def _keep_on_van(self, point_id: int) -> BusDecision:
        parcels = self._drops_of(point_id)
        option, why, facts = self._option(point_id, parcels)
        marginal = self.marginal_units(point_id)
        first = self.options[point_id][0]
        chosen = option or first
        fee = chosen.line.fee_per_parcel_fen * len(parcels)
        if option is not None:
            # Only a van stop can be cheaper: a point no van serves takes any bus there is.
            why = VAN_CHEAPER
            facts = {"line": option.line.code, "arrives": clock(option.arrives_s)}
        return BusDecision(
            point_id=point_id,
            line=chosen.line,
            departure=option.departure if option is not None else None,
            parcels=parcels,
            fee_fen=fee,
            arrives_s=chosen.arrives_s,
            van_marginal_fen=None if marginal is None else units_to_fen(marginal),
            chosen="van" if marginal is not None else "none",
            reason=why,
            details=facts,
        )


def _without_parcels(unserved: list[Excluded], ids: set[int]) -> list[Excluded]:
    """The unserved list with these parcels taken off (they ride the bus)."""
    remaining: list[Excluded] = []
    for excluded in unserved:
        left = tuple(parcel for parcel in excluded.parcels if parcel.pk not in ids)
        if len(left) == len(excluded.parcels):
            remaining.append(excluded)
            continue
        loose_g = int(str(excluded.details.get("loose_g") or 0))
        if left or loose_g:
            weight = sum(parcel.weight_g for parcel in left) + loose_g
            remaining.append(
                Excluded(excluded.point, excluded.reason, left, weight, excluded.details)
            )
    return remaining
