"""Network services: hierarchy, validation, permissions (with nothing changed on denial), audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord, User
from highland.network import services
from highland.network.models import OpeningHours, ServicePoint, Tier


def network_state() -> tuple[Any, ...]:
    """Everything a network action could change, to assert that a refusal changed nothing."""
    return (
        list(ServicePoint.objects.order_by("pk").values()),
        list(ServicePoint.agents.through.objects.order_by("pk").values()),
        list(OpeningHours.objects.order_by("pk").values()),
        AuditRecord.objects.count(),
    )


def village_details(parent: ServicePoint | None, **overrides: Any) -> services.PointDetails:
    values: dict[str, Any] = {
        "tier": Tier.VILLAGE_POINT,
        "code": "LT-NEW",
        "name_zh": "新村服务点",
        "name_bo": "གྲོང་ཚོ་གསར་པ།",
        "name_en": "New Village Point",
        "township_zh": "奔戈乡",
        "village_zh": "新村",
        "latitude": "29.95",
        "longitude": "100.33",
        "altitude_m": 4100,
        "parent": parent,
    }
    values.update(overrides)
    return services.PointDetails(**values)


# --- hierarchy -------------------------------------------------------------------


def test_village_point_under_a_station_is_created_and_audited(demo):
    operator, station = demo.user("operator"), demo.point("LT-S01")

    point = services.create_service_point(demo.county, village_details(station), actor=operator)

    assert point.parent == station
    assert point.latitude == Decimal("29.950000")
    record = AuditRecord.objects.get(action="network.point.created", object_id=str(point.pk))
    assert record.actor == operator
    assert record.county == demo.county
    assert record.changes == {"tier": "village_point", "code": "LT-NEW", "parent": station.pk}


def test_village_point_under_a_village_point_is_refused(demo):
    village = demo.point("LT-S01-V01")
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.create_service_point(
            demo.county, village_details(village), actor=demo.user("operator")
        )

    assert refusal.value.code == "bad_hierarchy"
    assert refusal.value.errors == {"parent": ["A village point belongs to a township station."]}
    assert network_state() == before


@pytest.mark.parametrize(
    ("tier", "parent_code", "field"),
    [
        (Tier.TOWNSHIP_STATION, "LT-S01", "parent"),  # station under a station
        (Tier.TOWNSHIP_STATION, "LT-S01-V01", "parent"),  # station under a village
        (Tier.VILLAGE_POINT, "LT-C", "parent"),  # village straight under the centre
        (Tier.VILLAGE_POINT, None, "parent"),  # village with no parent
        (Tier.COUNTY_CENTRE, "LT-C", "parent"),  # centre with a parent
    ],
)
def test_wrong_parent_tier_is_refused(demo, tier, parent_code, field):
    parent = demo.point(parent_code) if parent_code else None
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.create_service_point(
            demo.county, village_details(parent, tier=tier), actor=demo.user("operator")
        )

    assert field in refusal.value.errors
    assert network_state() == before


def test_a_second_active_county_centre_is_refused(demo):
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.create_service_point(
            demo.county, village_details(None, tier=Tier.COUNTY_CENTRE), actor=demo.user("operator")
        )

    assert refusal.value.errors == {"tier": ["The county already has an active county centre."]}
    assert network_state() == before


def test_duplicate_code_is_refused(demo):
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.create_service_point(
            demo.county,
            village_details(demo.point("LT-S01"), code="lt-s01-v01"),
            actor=demo.user("operator"),
        )

    assert refusal.value.errors == {"code": ["Another point already uses this code."]}
    assert network_state() == before


def test_parent_from_another_county_is_refused(demo, other_county):
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.create_service_point(
            demo.county,
            village_details(other_county.centre, tier=Tier.TOWNSHIP_STATION),
            actor=demo.user("operator"),
        )

    assert refusal.value.errors == {"parent": ["The parent point belongs to another county."]}
    assert network_state() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": "60.1"}, "latitude"),
        ({"latitude": "not a number"}, "latitude"),
        ({"longitude": "10.0"}, "longitude"),
        ({"altitude_m": 6001}, "altitude_m"),
        ({"altitude_m": -1}, "altitude_m"),
        ({"connectivity": "5g"}, "connectivity"),
        ({"services": ["teleportation"]}, "services"),
        ({"name_zh": "  "}, "name_zh"),
        ({"tier": "village_point"}, "tier"),
    ],
)
def test_bad_details_are_refused_with_the_field_named(demo, changes, field):
    point = demo.point("LT-S01")
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.update_service_point(point, changes, actor=demo.user("operator"))

    assert list(refusal.value.errors) == [field]
    assert network_state() == before


def test_every_bad_field_is_reported_at_once(demo):
    with pytest.raises(ValidationFailed) as refusal:
        services.update_service_point(
            demo.point("LT-S01"),
            {"latitude": "99", "altitude_m": 9000},
            actor=demo.user("operator"),
        )

    assert sorted(refusal.value.errors) == ["altitude_m", "latitude"]


# --- update, move, deactivate --------------------------------------------------------


def test_update_records_only_what_changed(demo):
    point = demo.point("LT-S01-V01")
    old_connectivity = point.connectivity

    services.update_service_point(
        point,
        {"connectivity": "broadband", "altitude_m": point.altitude_m},
        actor=demo.user("operator"),
    )

    point.refresh_from_db()
    assert point.connectivity == "broadband"
    record = AuditRecord.objects.get(action="network.point.updated", object_id=str(point.pk))
    assert record.changes == {"connectivity": {"from": old_connectivity, "to": "broadband"}}


def test_update_without_changes_writes_nothing(demo):
    point = demo.point("LT-S01")
    before = network_state()

    services.update_service_point(
        point, {"altitude_m": point.altitude_m}, actor=demo.user("operator")
    )

    assert network_state() == before


def test_agent_of_the_point_may_change_connectivity_but_not_location(demo):
    agent, station = demo.user("agent"), demo.point("LT-S01")

    services.update_service_point(station, {"connectivity_stable": False}, actor=agent)
    station.refresh_from_db()
    assert station.connectivity_stable is False

    before = network_state()
    with pytest.raises(PermissionDenied):
        services.update_service_point(station, {"latitude": "30.1"}, actor=agent)
    assert network_state() == before


def test_agent_of_another_point_may_not_change_it(demo):
    before = network_state()

    with pytest.raises(PermissionDenied):
        services.update_service_point(
            demo.point("LT-S02"), {"connectivity": "2g"}, actor=demo.user("agent")
        )

    assert network_state() == before


def test_move_village_point_to_another_station(demo):
    village, new_station = demo.point("LT-S01-V01"), demo.point("LT-S02")
    old_parent_id = village.parent_id

    services.move_service_point(village, new_station, actor=demo.user("operator"))

    village.refresh_from_db()
    assert village.parent == new_station
    record = AuditRecord.objects.get(action="network.point.moved")
    assert record.changes == {"from": old_parent_id, "to": new_station.pk}


def test_move_under_a_village_point_is_refused(demo):
    before = network_state()

    with pytest.raises(ValidationFailed):
        services.move_service_point(
            demo.point("LT-S01-V01"), demo.point("LT-S02-V01"), actor=demo.user("operator")
        )

    assert network_state() == before


def test_station_with_active_villages_cannot_be_deactivated(demo):
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.deactivate_service_point(demo.point("LT-S01"), actor=demo.user("operator"))

    assert refusal.value.code == "open_work"
    assert "active points still depend on it" in refusal.value.message
    assert network_state() == before


def test_open_work_registered_by_another_app_blocks_deactivation(demo, monkeypatch):
    village = demo.point("LT-S01-V01")
    monkeypatch.setattr(
        services.open_work_checks,
        "_items",
        {
            **dict(services.open_work_checks.items()),
            "test.parcels": lambda point: (
                "2 parcels await pickup." if point.pk == village.pk else None
            ),
        },
    )
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.deactivate_service_point(village, actor=demo.user("operator"))

    assert refusal.value.message == "This point still has open work: 2 parcels await pickup."
    assert network_state() == before


def test_village_point_is_deactivated_and_reactivated(demo):
    village, operator = demo.point("LT-S01-V01"), demo.user("operator")

    services.deactivate_service_point(village, actor=operator)
    village.refresh_from_db()
    assert village.active is False
    with pytest.raises(ValidationFailed):
        services.deactivate_service_point(village, actor=operator)

    services.reactivate_service_point(village, actor=operator)
    village.refresh_from_db()
    assert village.active is True
    assert list(
        AuditRecord.objects.filter(object_id=str(village.pk), action__startswith="network.point.")
        .exclude(
            action__in=[
                "network.point.created",
                "network.point.hours_set",
                "network.point.agent_assigned",
            ]
        )
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["network.point.deactivated", "network.point.reactivated"]


# --- opening hours and agents ------------------------------------------------------------


def test_opening_hours_replace_the_week(demo):
    point = demo.point("LT-S01-V01")

    services.set_opening_hours(
        point,
        [(0, dt.time(9), dt.time(12)), (0, dt.time(14), dt.time(17))],
        actor=demo.user("village_agent"),
    )

    assert [str(period) for period in point.opening_hours.all()] == [
        "Monday 09:00–12:00",
        "Monday 14:00–17:00",
    ]


@pytest.mark.parametrize(
    "periods",
    [
        [(0, dt.time(12), dt.time(9))],
        [(0, dt.time(9), dt.time(12)), (0, dt.time(11), dt.time(14))],
        [(7, dt.time(9), dt.time(12))],
    ],
)
def test_bad_opening_hours_are_refused(demo, periods):
    before = network_state()

    with pytest.raises(ValidationFailed):
        services.set_opening_hours(demo.point("LT-S01"), periods, actor=demo.user("operator"))

    assert network_state() == before


def test_only_station_agents_can_be_assigned(demo):
    before = network_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.assign_agent(
            demo.point("LT-S02"), demo.user("driver"), actor=demo.user("operator")
        )

    assert refusal.value.errors == {"agent": ["This person is not a station agent of the county."]}
    assert network_state() == before


def test_agent_is_assigned_and_removed(demo):
    point, agent, operator = demo.point("LT-S02"), demo.user("agent"), demo.user("operator")

    services.assign_agent(point, agent, actor=operator)
    assert list(point.agents.all()) == [agent]
    services.remove_agent(point, agent, actor=operator)
    assert list(point.agents.all()) == []
    assert (
        AuditRecord.objects.filter(
            object_id=str(point.pk),
            action__in=["network.point.agent_assigned", "network.point.agent_removed"],
        ).count()
        == 2
    )


# --- permission matrix: anonymous, other county, wrong role, allowed -----------------------

ActionCall = Callable[[Any, Any], object]

NETWORK_ACTIONS: dict[str, tuple[str, ActionCall]] = {
    # name: (the role that is allowed, the call with (demo, actor))
    "create": (
        "operator",
        lambda d, a: services.create_service_point(
            d.county, village_details(d.point("LT-S01")), actor=a
        ),
    ),
    "update": (
        "operator",
        lambda d, a: services.update_service_point(
            d.point("LT-S02"), {"altitude_m": 3999}, actor=a
        ),
    ),
    "move": (
        "operator",
        lambda d, a: services.move_service_point(d.point("LT-S01-V01"), d.point("LT-S02"), actor=a),
    ),
    "deactivate": (
        "operator",
        lambda d, a: services.deactivate_service_point(d.point("LT-S02-V01"), actor=a),
    ),
    "hours": (
        "operator",
        lambda d, a: services.set_opening_hours(
            d.point("LT-S02"), [(1, dt.time(8), dt.time(9))], actor=a
        ),
    ),
    "assign": (
        "operator",
        lambda d, a: services.assign_agent(d.point("LT-S02"), d.user("agent"), actor=a),
    ),
    "remove": (
        "operator",
        lambda d, a: services.remove_agent(d.point("LT-S01"), d.user("agent"), actor=a),
    ),
    "agent_connectivity": (
        "agent",
        lambda d, a: services.update_service_point(
            d.point("LT-S01"), {"connectivity": "3g"}, actor=a
        ),
    ),
}


def _actor(kind: str, demo, other_county, allowed_username: str) -> Any:
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "other_county":
        return other_county.operator
    if kind == "wrong_role":
        return demo.user("official") if allowed_username == "operator" else demo.user("seller")
    return demo.user(allowed_username)


@pytest.mark.parametrize("action", sorted(NETWORK_ACTIONS))
@pytest.mark.parametrize("kind", ["anonymous", "other_county", "wrong_role"])
def test_denied_network_actions_change_nothing(demo, other_county, action, kind):
    allowed_username, call = NETWORK_ACTIONS[action]
    actor = _actor(kind, demo, other_county, allowed_username)
    before = network_state()

    with pytest.raises(PermissionDenied):
        call(demo, actor)

    assert network_state() == before


@pytest.mark.parametrize("action", sorted(NETWORK_ACTIONS))
def test_allowed_network_actions_are_audited(demo, other_county, action):
    allowed_username, call = NETWORK_ACTIONS[action]
    actor = _actor("allowed", demo, other_county, allowed_username)
    records_before = AuditRecord.objects.count()

    call(demo, actor)

    new_records = AuditRecord.objects.order_by("-id")[
        : AuditRecord.objects.count() - records_before
    ]
    assert len(new_records) == 1
    assert new_records[0].actor == actor
    assert new_records[0].action.startswith("network.point.")


def test_platform_admin_may_act_in_any_county(demo, other_county):
    admin = User.objects.get(username="admin")

    services.update_service_point(other_county.centre, {"altitude_m": 3504}, actor=admin)

    other_county.centre.refresh_from_db()
    assert other_county.centre.altitude_m == 3504
