"""Sensors and excursion rules: registered, changed, moved and retired through their
services (and the back office), with refusals that change nothing."""

from __future__ import annotations

import pytest

from highland.core.errors import Conflict, PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.logistics.models import ExcursionRule, HubZone, Sensor, Vehicle
from highland.logistics.services.coldchain import (
    change_sensor,
    register_sensor,
    retire_sensor,
    set_excursion_rule,
)


@pytest.fixture
def places(demo):
    return {
        "chilled": HubZone.objects.get(county=demo.county, code="C"),
        "frozen": HubZone.objects.get(county=demo.county, code="F"),
        "reefer": Vehicle.objects.get(county=demo.county, plate="川R·L3341"),
        "van": Vehicle.objects.get(county=demo.county, plate="川R·L2760"),
    }


def test_a_zone_sensor_watches_its_zones_class_and_is_audited(demo, places) -> None:
    sensor = register_sensor(
        demo.county, code="NEW-1", zone=places["frozen"], actor=demo.user("operator")
    )

    assert (sensor.temperature_class, sensor.active, sensor.zone) == (
        "frozen",
        True,
        places["frozen"],
    )
    record = AuditRecord.objects.get(action="logistics.sensor.registered", object_id=str(sensor.pk))
    assert record.changes == {
        "code": "NEW-1",
        "zone": "F",
        "vehicle": None,
        "temperature_class": "frozen",
    }


def test_a_refrigerated_van_runs_chilled_unless_told_and_changes_class(demo, places) -> None:
    operator = demo.user("operator")
    sensor = register_sensor(demo.county, code="NEW-V", vehicle=places["reefer"], actor=operator)
    assert sensor.temperature_class == "chilled"

    change_sensor(sensor, name="车厢后部", temperature_class="frozen", actor=operator)

    sensor.refresh_from_db()
    assert (sensor.name, sensor.temperature_class) == ("车厢后部", "frozen")


@pytest.mark.parametrize(
    ("place", "options", "field"),
    [
        ("van", {"temperature_class": "chilled"}, "temperature_class"),
        ("chilled", {"temperature_class": "frozen"}, "temperature_class"),
        ("chilled", {"code": "has space"}, "code"),
        ("chilled", {"code": "a/b"}, "code"),
    ],
)
def test_impossible_sensors_are_refused(demo, places, place, options, field) -> None:
    where = {"vehicle": places[place]} if place in ("van", "reefer") else {"zone": places[place]}
    arguments = {"code": "NEW-X", **options}

    with pytest.raises(ValidationFailed) as refused:
        register_sensor(demo.county, **where, **arguments, actor=demo.user("operator"))

    assert field in refused.value.errors
    assert not Sensor.objects.filter(code__startswith="NEW-").exists()


def test_a_sensor_needs_exactly_one_place(demo, places) -> None:
    operator = demo.user("operator")
    with pytest.raises(ValidationFailed):
        register_sensor(demo.county, code="NEW-0", actor=operator)
    with pytest.raises(ValidationFailed):
        register_sensor(
            demo.county, code="NEW-2", zone=places["chilled"], vehicle=places["van"], actor=operator
        )
    assert not Sensor.objects.filter(code__startswith="NEW-").exists()


def test_a_code_in_service_cannot_be_registered_twice_but_a_retired_one_can(demo, places):
    operator = demo.user("operator")
    first = register_sensor(demo.county, code="NEW-D", zone=places["chilled"], actor=operator)

    with pytest.raises(Conflict):
        register_sensor(demo.county, code="NEW-D", zone=places["frozen"], actor=operator)
    retire_sensor(first, actor=operator)
    again = register_sensor(demo.county, code="NEW-D", zone=places["frozen"], actor=operator)

    assert again.active and not Sensor.objects.get(pk=first.pk).active
    with pytest.raises(Conflict):
        retire_sensor(first, actor=operator)


def test_another_countys_zone_is_refused(demo, other_county, places) -> None:
    with pytest.raises(PermissionDenied):
        register_sensor(
            demo.county, code="NEW-O", zone=places["chilled"], actor=other_county.operator
        )
    with pytest.raises(ValidationFailed):
        register_sensor(
            other_county.county,
            code="NEW-O",
            zone=places["chilled"],
            actor=other_county.operator,
        )
    assert not Sensor.objects.filter(code="NEW-O").exists()


@pytest.mark.parametrize("username", ["dispatcher", "driver", "official"])
def test_only_the_centre_manages_sensors(demo, places, username) -> None:
    with pytest.raises(PermissionDenied):
        register_sensor(
            demo.county, code="NEW-P", zone=places["chilled"], actor=demo.user(username)
        )
    assert not Sensor.objects.filter(code="NEW-P").exists()


def test_an_excursion_rule_is_set_and_changed_with_an_audit_of_what_changed(demo) -> None:
    operator = demo.user("operator")

    rule = set_excursion_rule(
        demo.county,
        temperature_class="chilled",
        min_celsius=0.5,
        max_celsius=5.0,
        excursion_after_minutes=20,
        silent_after_minutes=15,
        actor=operator,
    )
    set_excursion_rule(
        demo.county,
        temperature_class="chilled",
        min_celsius=0.5,
        max_celsius=6.0,
        excursion_after_minutes=20,
        silent_after_minutes=15,
        activation_energy_j_per_mol=60_000,
        actor=operator,
    )

    rule.refresh_from_db()
    assert (rule.min_centi_celsius, rule.max_centi_celsius, rule.activation_energy_j_per_mol) == (
        50,
        600,
        60_000,
    )
    changed = (
        AuditRecord.objects.filter(action="logistics.excursion_rule.set", object_id=str(rule.pk))
        .order_by("pk")
        .last()
    )
    assert changed is not None
    assert changed.changes == {
        "max_centi_celsius": {"from": 500, "to": 600},
        "activation_energy_j_per_mol": {"from": 83144, "to": 60000},
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"min_celsius": 5.0, "max_celsius": 4.0}, "max_celsius"),
        ({"min_celsius": -80.0, "max_celsius": 4.0}, "min_celsius"),
        ({"excursion_after_minutes": 0}, "excursion_after_minutes"),
        ({"silent_after_minutes": 1}, "silent_after_minutes"),
        ({"activation_energy_j_per_mol": 5}, "activation_energy_j_per_mol"),
    ],
)
def test_impossible_rules_are_refused(demo, values, field) -> None:
    arguments = {
        "temperature_class": "chilled",
        "min_celsius": 0.0,
        "max_celsius": 4.0,
        "excursion_after_minutes": 30,
        "silent_after_minutes": 30,
        **values,
    }

    with pytest.raises(ValidationFailed) as refused:
        set_excursion_rule(demo.county, **arguments, actor=demo.user("operator"))

    assert field in refused.value.errors
    assert (
        ExcursionRule.objects.get(county=demo.county, temperature_class="chilled").max_centi_celsius
        == 400
    )


# --- the back office ---------------------------------------------------------------------------


def test_a_sensor_added_in_the_admin_goes_through_the_service(demo, places, client_as) -> None:
    response = client_as(demo.user("admin")).post(
        "/admin/logistics/sensor/add/",
        {
            "county": demo.county.pk,
            "code": "ADM-1",
            "name": "冷藏库门口",
            "zone": places["chilled"].pk,
            "vehicle": "",
            "temperature_class": "",
        },
    )

    assert response.status_code == 302, response.content
    sensor = Sensor.objects.get(code="ADM-1")
    assert (sensor.zone, sensor.temperature_class) == (places["chilled"], "chilled")
    assert AuditRecord.objects.filter(
        action="logistics.sensor.registered", object_id=str(sensor.pk)
    ).exists()


def test_a_refused_admin_sensor_shows_why_and_saves_nothing(demo, places, client_as) -> None:
    response = client_as(demo.user("admin")).post(
        "/admin/logistics/sensor/add/",
        {
            "county": demo.county.pk,
            "code": "ADM-2",
            "zone": places["chilled"].pk,
            "vehicle": places["van"].pk,
            "temperature_class": "",
        },
        follow=True,
    )

    assert "Place the sensor in one hub zone or one vehicle." in response.content.decode()
    assert not Sensor.objects.filter(code="ADM-2").exists()


def test_a_rule_set_in_the_admin_is_stored_in_hundredths(demo, client_as) -> None:
    rule = ExcursionRule.objects.get(county=demo.county, temperature_class="frozen")

    response = client_as(demo.user("admin")).post(
        f"/admin/logistics/excursionrule/{rule.pk}/change/",
        {
            "min_celsius": "",
            "max_celsius": "-20.5",
            "excursion_after_minutes": "45",
            "silent_after_minutes": "",
            "activation_energy_j_per_mol": "83144",
        },
    )

    assert response.status_code == 302, response.content
    rule.refresh_from_db()
    assert (rule.min_centi_celsius, rule.max_centi_celsius, rule.excursion_after_minutes) == (
        None,
        -2050,
        45,
    )


def test_readings_and_alerts_are_read_only_in_the_admin(demo, client_as) -> None:
    client = client_as(demo.user("admin"))

    assert client.get("/admin/logistics/reading/").status_code == 200
    assert client.get("/admin/logistics/coldchainalert/").status_code == 200
    assert client.get("/admin/logistics/reading/add/").status_code == 403
    assert client.get("/admin/logistics/coldchainalert/add/").status_code == 403
