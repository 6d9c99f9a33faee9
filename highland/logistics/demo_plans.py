"""The demo county's bus timetables: where bus B1 stops and when it runs. Idempotent.

B1 (理塘—奔戈) runs from the county town south-east through 萨戈村 to the 奔戈乡 station
and its seat village 扎嘎村, on to 阿超村: a morning bus every day (reaching the
villages while their points are open, 08:00–11:00) and an afternoon bus on Mondays,
Wednesdays and Fridays (it reaches the station while open, the villages while closed).
Minutes are estimates from the distances in the network's sources, at bus speed on
mountain roads. B2 (理塘—村戈) runs north to 村戈乡, which has no service point in the
demo network: it has a timetable and no stops here.
"""

from __future__ import annotations

import datetime as dt

from highland.core.models import County, User
from highland.logistics.models import BusDeparture, BusLine, BusLineStop
from highland.network.models import ServicePoint

EVERY_DAY = range(7)

DEMO_BUS_STOPS = {
    # line: [(point code, minutes after departure)]
    "B1": [("LT-S01-V02", 20), ("LT-S01", 35), ("LT-S01-V01", 40), ("LT-S01-V04", 80)],
    "B2": [],
}
DEMO_DEPARTURES: dict[str, list[tuple[tuple[int, ...] | range, dt.time, int | None]]] = {
    # line: [(weekdays, departs at, parcels on this departure or None for the line's)]
    "B1": [(EVERY_DAY, dt.time(8, 0), None), ((0, 2, 4), dt.time(14, 0), 10)],
    "B2": [(EVERY_DAY, dt.time(7, 30), None)],
}


def load_demo_plans(county: County, *, admin: User) -> dict[str, int]:
    """Stops and departures of the demo bus lines; returns counts created."""
    created = {"bus_stops": 0, "bus_departures": 0}
    driver = User.objects.filter(username="driver").first()
    for line in BusLine.objects.filter(county=county, code__in=DEMO_BUS_STOPS):
        for sequence, (code, minutes) in enumerate(DEMO_BUS_STOPS[line.code], start=1):
            point = ServicePoint.objects.filter(county=county, code=code).first()
            if point is None:
                continue
            _stop, was_created = BusLineStop.objects.get_or_create(
                line=line,
                point=point,
                defaults={
                    "county": county,
                    "sequence": sequence,
                    "minutes_from_departure": minutes,
                },
            )
            created["bus_stops"] += int(was_created)
        for weekdays, departs_at, capacity in DEMO_DEPARTURES.get(line.code, []):
            for weekday in weekdays:
                _departure, was_created = BusDeparture.objects.get_or_create(
                    line=line,
                    weekday=weekday,
                    departs_at=departs_at,
                    defaults={"county": county, "parcel_capacity": capacity, "driver": driver},
                )
                created["bus_departures"] += int(was_created)
    return created
