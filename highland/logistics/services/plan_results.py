"""Keeping a solved day: routes, stops, unserved points, bus choices and bookings, and
the cost of each parcel, written in one transaction as the run becomes the day's plan.

The day's previous plan (if any) stops being current, and the bus places it booked are
given back before the new plan books its own, so a replanned day never holds places
twice. A departure found full at booking (the planner counted its room before solving)
leaves those parcels unserved with the reason: a bus never takes more than it holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

from django.db import transaction
from django.db.models import Count

from highland.core import audit
from highland.logistics.models import (
    PLANNING_RUN_MACHINE,
    BusChoice,
    BusConsignment,
    BusConsignmentStatus,
    Carrier,
    ParcelCost,
    PlannedRoute,
    PlannedStop,
    PlanningRun,
    PlanningRunStatus,
    UnservedStop,
)
from highland.logistics.planning.buses import BusDecision
from highland.logistics.planning.day import NO_ROOM, Day, Excluded, moment_of
from highland.logistics.planning.dayplan import DayPlan
from highland.logistics.planning.routes import EvaluatedRoute
from highland.logistics.services.buses import book_departure, release_departure
from highland.logistics.services.costs import share_route_cost

# Distinct on a light map and for colour-blind readers (Okabe–Ito, darkened).
ROUTE_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")


def save_plan(run_id: int, day: Day, plan: DayPlan) -> PlanningRun | None:
    """Write the plan and make the run done and current; None when the run was cancelled
    or failed meanwhile (nothing is written then)."""
    with transaction.atomic():
        run = PlanningRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != PlanningRunStatus.RUNNING:
            return None
        _replace_current(run)
        unserved = list(plan.unserved)
        bus_fees = _save_buses(run, day, plan.bus, unserved)
        van_cost = 0
        for order, van in enumerate(plan.vans, start=1):
            route = plan.routes[van.vehicle_key]
            van_cost += _save_route(run, day, order, van.vehicle_key, route)
        _save_unserved(run, unserved)
        fields = PLANNING_RUN_MACHINE.move(run, PlanningRunStatus.DONE)
        run.van_cost_fen = van_cost
        run.bus_fees_fen = bus_fees
        run.best_cost_fen = van_cost
        run.stop_count = sum(len(van.stop_keys) for van in plan.vans)
        run.elapsed_seconds = round(plan.seconds, 2)
        run.iterations = plan.iterations
        run.message = "; ".join(plan.notes)[:2000]
        run.is_current = True
        run.save(
            update_fields=[
                *fields,
                "van_cost_fen",
                "bus_fees_fen",
                "best_cost_fen",
                "stop_count",
                "elapsed_seconds",
                "iterations",
                "message",
                "is_current",
            ]
        )
        audit.record(
            None,
            "logistics.planning_run.done",
            run,
            {
                "day": run.day.isoformat(),
                "route_count": len(plan.vans),
                "van_cost_fen": van_cost,
                "bus_fees_fen": bus_fees,
                "unserved_count": len(unserved),
            },
        )
    return run


def _replace_current(run: PlanningRun) -> None:
    previous = (
        PlanningRun.objects.select_for_update()
        .filter(county_id=run.county_id, day=run.day, is_current=True)
        .exclude(pk=run.pk)
        .first()
    )
    if previous is None:
        return
    previous.is_current = False
    previous.save(update_fields=["is_current"])
    booked = BusConsignment.objects.filter(run=previous, status=BusConsignmentStatus.BOOKED)
    counts = (
        booked.values("departure_id", "departure_date")
        .annotate(count=Count("pk"))
        .order_by("departure_id")
    )
    for row in counts:
        release_departure(row["departure_id"], row["departure_date"], row["count"])
    booked.update(status=BusConsignmentStatus.RELEASED)


def _save_buses(
    run: PlanningRun, day: Day, decisions: list[BusDecision], unserved: list[Excluded]
) -> int:
    """Book the buses chosen (departures in id order: one lock order), write the choices,
    consignments and the parcels' costs; returns the fees."""
    fees = 0
    chosen = sorted(
        (d for d in decisions if d.chosen == Carrier.BUS and d.departure is not None),
        key=lambda d: (d.departure.pk if d.departure else 0, d.point_id),
    )
    full: set[int] = set()
    for decision in chosen:
        assert decision.departure is not None and decision.arrives_s is not None
        if not book_departure(decision.departure, day.day, len(decision.parcels)):
            full.add(decision.point_id)
            point = decision.parcels[0].destination_point if decision.parcels else None
            if point is not None:
                unserved.append(
                    Excluded(
                        point,
                        NO_ROOM,
                        decision.parcels,
                        sum(parcel.weight_g for parcel in decision.parcels),
                        {
                            "ssccs": [parcel.sscc for parcel in decision.parcels],
                            "bus_full": decision.line.code,
                        },
                    )
                )
            continue
        arrives_at = moment_of(day.day, decision.arrives_s)
        for parcel in decision.parcels:
            consignment = BusConsignment.objects.create(
                county_id=run.county_id,
                run=run,
                parcel=parcel,
                line=decision.line,
                departure=decision.departure,
                departure_date=day.day,
                point_id=decision.point_id,
                arrives_at=arrives_at,
                fee_fen=decision.line.fee_per_parcel_fen,
            )
            ParcelCost.objects.create(
                county_id=run.county_id,
                run=run,
                parcel=parcel,
                point_id=decision.point_id,
                day=day.day,
                carrier=Carrier.BUS,
                consignment=consignment,
                cost_fen=decision.line.fee_per_parcel_fen,
            )
        fees += decision.fee_fen
    BusChoice.objects.bulk_create(
        BusChoice(
            run=run,
            point_id=decision.point_id,
            line=decision.line,
            departure=decision.departure,
            parcel_count=len(decision.parcels),
            bus_fee_fen=decision.fee_fen,
            bus_arrives_at=(
                moment_of(day.day, decision.arrives_s) if decision.arrives_s is not None else None
            ),
            van_marginal_cost_fen=decision.van_marginal_fen,
            chosen=Carrier.NONE if decision.point_id in full else decision.chosen,
            reason="bus_full_at_booking" if decision.point_id in full else decision.reason,
            details=decision.details,
        )
        for decision in decisions
    )
    return fees


def _save_route(
    run: PlanningRun, day: Day, order: int, vehicle_key: str, route: EvaluatedRoute
) -> int:
    vehicle = day.vehicles[vehicle_key]
    planned = PlannedRoute.objects.create(
        run=run,
        vehicle=vehicle,
        driver_id=vehicle.driver_id,
        order=order,
        distance_m=route.distance,
        duration_s=route.duration,
        cost_fen=route.cost_fen,
        starts_at=moment_of(day.day, route.start),
        ends_at=moment_of(day.day, route.end),
        load_at_start_g=route.load_at_start[0],
        load_at_start_ml=route.load_at_start[1],
        colour=ROUTE_COLOURS[(order - 1) % len(ROUTE_COLOURS)],
    )
    stops: list[PlannedStop] = []
    shares_in: list[tuple[Hashable, int, int]] = []
    for sequence, visit in enumerate(route.visits, start=1):
        load = day.stops[visit.stop.key]
        metres = day.distance_from_hub(load.point.pk)
        stops.append(
            PlannedStop(
                route=planned,
                point=load.point,
                sequence=sequence,
                arrives_at=moment_of(day.day, visit.arrival),
                service_starts_at=moment_of(day.day, visit.service_start),
                departs_at=moment_of(day.day, visit.departure),
                window_opens_at=moment_of(day.day, load.window[0]),
                window_closes_at=moment_of(day.day, load.window[1]),
                drop_g=load.drop_g,
                drop_ml=load.drop_ml,
                collect_g=load.collect_g,
                collect_ml=load.collect_ml,
                loose_collect_g=load.loose_g,
                loose_intake_count=load.loose_intakes,
                load_after_g=visit.load_after[0],
                load_after_ml=visit.load_after[1],
                needs_refrigeration=load.needs_refrigeration,
            )
        )
        for parcel in (*load.drop, *load.collect):
            shares_in.append((("parcel", parcel.pk, load.point.pk), parcel.weight_g, metres))
        if load.loose_g:
            shares_in.append((("loose", sequence), load.loose_g, metres))
    PlannedStop.objects.bulk_create(stops)
    saved = {stop.sequence: stop for stop in PlannedStop.objects.filter(route=planned)}
    drops, collects = [], []
    for sequence, visit in enumerate(route.visits, start=1):
        load = day.stops[visit.stop.key]
        stop_id = saved[sequence].pk
        drops += [
            PlannedStop.drop_parcels.through(plannedstop_id=stop_id, parcel_id=parcel.pk)
            for parcel in load.drop
        ]
        collects += [
            PlannedStop.collect_parcels.through(plannedstop_id=stop_id, parcel_id=parcel.pk)
            for parcel in load.collect
        ]
    PlannedStop.drop_parcels.through.objects.bulk_create(drops)
    PlannedStop.collect_parcels.through.objects.bulk_create(collects)
    shares = share_route_cost(route.cost_fen, shares_in)
    costs = []
    loose_by_stop: dict[int, int] = defaultdict(int)
    for key, part in shares.items():
        assert isinstance(key, tuple)
        if key[0] == "parcel":
            _kind, parcel_id, point_id = key
            costs.append(
                ParcelCost(
                    county_id=run.county_id,
                    run=run,
                    parcel_id=parcel_id,
                    point_id=point_id,
                    day=day.day,
                    carrier=Carrier.VAN,
                    route=planned,
                    cost_fen=part,
                )
            )
        else:
            loose_by_stop[key[1]] += part
    ParcelCost.objects.bulk_create(costs)
    for sequence, part in loose_by_stop.items():
        stop = saved[sequence]
        stop.loose_cost_fen = part
        stop.save(update_fields=["loose_cost_fen"])
    return route.cost_fen


def _save_unserved(run: PlanningRun, unserved: list[Excluded]) -> None:
    for excluded in unserved:
        entry = UnservedStop.objects.create(
            run=run,
            point=excluded.point,
            reason=excluded.reason,
            details=_plain(excluded.details),
            weight_g=excluded.weight_g,
        )
        if excluded.parcels:
            entry.parcels.set([parcel.pk for parcel in excluded.parcels])


def _plain(details: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in details.items() if value not in (None, "", [])}
