"""Vehicles and bus timetables: the services, their pages and admin, and the bus driver
who confirms the handover and each drop-off."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord, Organisation, OrganisationType
from highland.logistics.models import (
    BusConsignment,
    BusDeparture,
    BusLine,
    BusLineStop,
    TrackingEvent,
    Vehicle,
)
from highland.logistics.services.buses import (
    add_bus_departures,
    add_bus_stop,
    remove_bus_departure,
    remove_bus_stop,
)
from highland.logistics.services.fleet import VehicleDetails, add_vehicle, change_vehicle
from highland.logistics.tests.plans_setup import solved_run

pytestmark = pytest.mark.django_db


def _details(demo, **changes):
    values = {
        "plate": "川R·L9001",
        "name": "新车",
        "carrier": Organisation.objects.get(county=demo.county, type=OrganisationType.CARRIER),
        "capacity_g": 800_000,
        "capacity_ml": 4_000_000,
        "refrigerated": True,
        "shift_minutes": 540,
        "cost_per_km_fen": 250,
        "cost_per_hour_fen": 5_000,
        "driver": demo.user("driver"),
    }
    values.update(changes)
    return VehicleDetails(**values)


def test_the_dispatcher_adds_and_changes_a_vehicle(demo):
    dispatcher = demo.user("dispatcher")

    vehicle = add_vehicle(demo.county, _details(demo), actor=dispatcher)
    change_vehicle(vehicle, _details(demo, capacity_g=900_000, active=False), actor=dispatcher)

    vehicle.refresh_from_db()
    assert (vehicle.plate, vehicle.capacity_g, vehicle.active) == ("川R·L9001", 900_000, False)
    changed = AuditRecord.objects.get(action="logistics.vehicle.changed", object_id=str(vehicle.pk))
    assert changed.changes == {
        "capacity_g": {"from": 800_000, "to": 900_000},
        "active": {"from": True, "to": False},
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"plate": "川R·L2760"}, "plate"),
        ({"capacity_g": 0}, "capacity_g"),
        ({"shift_minutes": 30}, "shift_minutes"),
        ({"cost_per_km_fen": -1}, "cost_per_km_fen"),
    ],
)
def test_a_bad_vehicle_is_refused(demo, changes, field):
    before = Vehicle.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        add_vehicle(demo.county, _details(demo, **changes), actor=demo.user("dispatcher"))

    assert field in refused.value.errors
    assert Vehicle.objects.count() == before


def test_the_driver_must_hold_the_driver_role(demo):
    with pytest.raises(ValidationFailed) as refused:
        add_vehicle(
            demo.county, _details(demo, driver=demo.user("agent")), actor=demo.user("dispatcher")
        )

    assert list(refused.value.errors) == ["driver"]


@pytest.mark.parametrize("username", ["driver", "official", "agent"])
def test_only_planners_manage_the_fleet(demo, username):
    with pytest.raises(PermissionDenied):
        add_vehicle(demo.county, _details(demo), actor=demo.user(username))


def test_the_vehicle_pages(demo, client_as):
    client = client_as(demo.user("dispatcher"))
    carrier = Organisation.objects.get(county=demo.county, type=OrganisationType.CARRIER)

    listed = client.get("/logistics/vehicles/")
    added = client.post(
        "/logistics/vehicles/create/",
        {
            "plate": "川R·L9002",
            "name": "小车",
            "carrier": carrier.pk,
            "capacity_kg": "500",
            "capacity_litres": "2500",
            "shift_minutes": "480",
            "cost_per_km": "1.20",
            "cost_per_hour": "35.00",
            "active": "on",
        },
    )
    duplicate = client.post(
        "/logistics/vehicles/create/",
        {
            "plate": "川R·L9002",
            "carrier": carrier.pk,
            "capacity_kg": "500",
            "capacity_litres": "2500",
            "shift_minutes": "480",
            "cost_per_km": "1.20",
            "cost_per_hour": "35.00",
        },
    )

    assert listed.status_code == 200 and "川R·L3341" in listed.content.decode()
    assert added.status_code == 302
    vehicle = Vehicle.objects.get(plate="川R·L9002")
    assert (vehicle.capacity_g, vehicle.capacity_ml, vehicle.cost_per_km_fen) == (
        500_000,
        2_500_000,
        120,
    )
    assert duplicate.status_code == 200
    assert "The county has a vehicle with plate 川R·L9002 already." in duplicate.content.decode()
    assert client_as(demo.user("driver")).get("/logistics/vehicles/").status_code == 403


def test_a_bus_line_gets_stops_in_travel_order_and_a_timetable(demo):
    dispatcher = demo.user("dispatcher")
    line = BusLine.objects.get(county=demo.county, code="B2")

    first = add_bus_stop(
        line, point=demo.point("LT-S04"), minutes_from_departure=90, actor=dispatcher
    )
    second = add_bus_stop(
        line, point=demo.point("LT-S04-V01"), minutes_from_departure=120, actor=dispatcher
    )
    with pytest.raises(ValidationFailed) as earlier:
        add_bus_stop(
            line, point=demo.point("LT-S04-V02"), minutes_from_departure=100, actor=dispatcher
        )
    with pytest.raises(ValidationFailed) as centre:
        add_bus_stop(line, point=demo.point("LT-C"), minutes_from_departure=200, actor=dispatcher)
    departures = add_bus_departures(
        line, weekdays=[5, 6], departs_at=dt.time(9, 30), parcel_capacity=8, actor=dispatcher
    )
    with pytest.raises(ValidationFailed) as twice:
        add_bus_departures(line, weekdays=[6], departs_at=dt.time(9, 30), actor=dispatcher)

    assert (first.sequence, second.sequence) == (1, 2)
    assert earlier.value.errors == {
        "minutes_from_departure": ["A later stop is reached later: after 120 minutes."]
    }
    assert centre.value.code == "centre_not_a_stop"
    assert [(d.weekday, d.capacity) for d in departures] == [(5, 8), (6, 8)]
    assert twice.value.code == "departure_exists"

    remove_bus_stop(first, actor=dispatcher)
    remove_bus_departure(departures[0], actor=dispatcher)
    again = add_bus_departures(line, weekdays=[5], departs_at=dt.time(9, 30), actor=dispatcher)

    assert list(BusLineStop.objects.filter(line=line).values_list("point__code", "sequence")) == [
        ("LT-S04-V01", 1)
    ]
    assert again[0].pk == departures[0].pk and again[0].active and again[0].capacity == 15


def test_the_bus_line_page_adds_a_stop(demo, client_as):
    line = BusLine.objects.get(county=demo.county, code="B2")
    client = client_as(demo.user("dispatcher"))

    response = client.post(
        f"/logistics/bus-lines/{line.pk}/",
        {
            "form": "stop",
            "stop-point": demo.point("LT-S04").pk,
            "stop-minutes_from_departure": "60",
        },
    )
    page = client_as(demo.user("official")).get(f"/logistics/bus-lines/{line.pk}/")

    assert response.status_code == 302
    assert BusLineStop.objects.filter(line=line).count() == 1
    assert page.status_code == 200 and "Add the stop" not in page.content.decode()
    assert client_as(demo.user("buyer")).get(f"/logistics/bus-lines/{line.pk}/").status_code == 404


def test_the_admin_adds_bus_stops_through_the_service(demo, client_as):
    from highland.core.models import User

    admin = User.objects.filter(is_superuser=True).first()
    line = BusLine.objects.get(county=demo.county, code="B2")

    response = client_as(admin).post(
        "/admin/logistics/buslinestop/add/",
        {"line": line.pk, "point": demo.point("LT-S05").pk, "minutes_from_departure": "45"},
    )

    assert response.status_code == 302
    stop = BusLineStop.objects.get(line=line)
    assert (stop.sequence, stop.county_id) == (1, demo.county.pk)
    assert AuditRecord.objects.filter(action="logistics.bus_stop.added").count() == 1


def test_the_bus_driver_confirms_handover_and_drop_off(
    demo, client_as, parcel_factory, django_capture_on_commit_callbacks
):
    parcel = parcel_factory.order_parcel("LT-S01-V04")
    today = timezone.localdate()
    solved_run(demo, django_capture_on_commit_callbacks, day=today)
    consignment = BusConsignment.objects.get(parcel=parcel)
    departure = consignment.departure
    client = client_as(demo.user("driver"))

    page = client.get("/logistics/driver/").content.decode()
    handover = f"/logistics/driver/bus/{departure.pk}/handover/"
    drop = f"/logistics/driver/bus/{departure.pk}/points/{consignment.point_id}/drop/"
    keys = {
        action: re.search(rf'action="{action}">.*?name="key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        for action in (handover, drop)
    }
    client.post(handover, {"key": keys[handover]})
    client.post(drop, {"key": keys[drop]})
    client.post(drop, {"key": keys[drop]})

    events = TrackingEvent.objects.filter(parcel=parcel).order_by("occurred_at", "pk")
    assert [(e.kind, e.bus_line_id) for e in events] == [
        ("handed_to_bus", departure.line_id),
        ("arrived_at_point", departure.line_id),
    ]
    assert events[1].point_id == consignment.point_id
    parcel.refresh_from_db()
    assert parcel.status == "arrived_at_point"
    assert BusDeparture.objects.get(pk=departure.pk).driver == demo.user("driver")
