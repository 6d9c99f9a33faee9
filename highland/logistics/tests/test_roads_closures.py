"""Closing and lifting roads: who may, what is checked, what is recorded."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.logistics.models import ClosureKind, RoadClosure
from highland.logistics.services import roads
from highland.logistics.tests.roads_testing import SmallRoads, build_small_roads

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def small(other_county) -> SmallRoads:
    return build_small_roads(other_county)


@pytest.fixture
def demo_edge(demo):
    from highland.logistics.models import RoadEdge

    return RoadEdge.objects.get(
        county=demo.county, from_node__code="LT-C", to_node__code="LT-S01-V02"
    )


def test_a_dispatcher_closes_a_road_until_a_time_and_it_is_recorded(demo, demo_edge) -> None:
    dispatcher = demo.user("dispatcher")
    version = roads.road_version(demo.county)
    until = timezone.now() + datetime.timedelta(hours=6)

    closure = roads.close_road(
        demo_edge, actor=dispatcher, reason="  塌方，  正在抢修 ", ends_at=until
    )

    assert closure.kind == ClosureKind.AD_HOC
    assert closure.reason == "塌方， 正在抢修"
    assert closure.ends_at == until
    assert closure.created_by == dispatcher
    assert closure.in_force(timezone.now())
    assert roads.road_version(demo.county) == version + 1
    record = AuditRecord.objects.get(
        action="logistics.road_closure.added", object_id=str(closure.pk)
    )
    assert record.actor == dispatcher
    assert record.county == demo.county
    assert record.changes["reason"] == "塌方， 正在抢修"
    assert record.changes["ends_at"] == until.isoformat()


def test_lifting_opens_the_road_now_and_is_recorded(demo, demo_edge) -> None:
    dispatcher = demo.user("dispatcher")
    closure = roads.close_road(demo_edge, actor=dispatcher, reason="塌方")
    version = roads.road_version(demo.county)

    lifted = roads.lift_closure(closure, actor=dispatcher)

    assert lifted.lifted_by == dispatcher
    assert not lifted.in_force(timezone.now())
    assert lifted.ended(timezone.now())
    assert roads.road_version(demo.county) == version + 1
    assert AuditRecord.objects.filter(action="logistics.road_closure.lifted").count() == 1


def test_a_closure_lifted_twice_is_refused_the_second_time(demo, demo_edge) -> None:
    dispatcher = demo.user("dispatcher")
    closure = roads.close_road(demo_edge, actor=dispatcher, reason="塌方")
    roads.lift_closure(closure, actor=dispatcher)
    with pytest.raises(ValidationFailed) as refused:
        roads.lift_closure(closure, actor=dispatcher)
    assert refused.value.code == "closure_not_in_force"
    assert AuditRecord.objects.filter(action="logistics.road_closure.lifted").count() == 1


def test_a_seasonal_closure_lifted_early_opens_this_season_and_closes_again_next_winter(
    small, other_county, monkeypatch
) -> None:
    closure = roads.close_road_seasonally(
        small.edges["S-V2"],
        actor=other_county.operator,
        reason="冬季积雪",
        from_month=12,
        from_day=1,
        until_month=3,
        until_day=31,
    )
    march = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
    monkeypatch.setattr(roads.timezone, "now", lambda: march)

    roads.lift_closure(closure, actor=other_county.operator)
    closure.refresh_from_db()

    assert not closure.in_force(march + datetime.timedelta(days=1))
    assert closure.in_force(datetime.datetime(2026, 12, 2, tzinfo=SHANGHAI))
    assert not closure.ended(march)


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"reason": "   "}, "closure_reason_missing"),
        ({"reason": "x" * 201}, "closure_reason_too_long"),
        ({"reason": "塌方", "ends_at": "past"}, "closure_in_past"),
        ({"reason": "塌方", "ends_at": "before_start"}, "closure_ends_first"),
    ],
)
def test_bad_closures_are_refused_and_nothing_is_stored(demo, demo_edge, arguments, code) -> None:
    now = timezone.now()
    arguments = dict(arguments)
    if arguments.get("ends_at") == "past":
        arguments["ends_at"] = now - datetime.timedelta(hours=1)
        arguments["starts_at"] = now - datetime.timedelta(hours=2)
    elif arguments.get("ends_at") == "before_start":
        arguments["starts_at"] = now + datetime.timedelta(hours=3)
        arguments["ends_at"] = now + datetime.timedelta(hours=2)
    before = RoadClosure.objects.count()
    version = roads.road_version(demo.county)
    with pytest.raises(ValidationFailed) as refused:
        roads.close_road(demo_edge, actor=demo.user("dispatcher"), **arguments)
    assert refused.value.code == code
    assert RoadClosure.objects.count() == before
    assert roads.road_version(demo.county) == version


def test_a_seasonal_closure_on_a_day_that_does_not_exist_is_refused(demo, demo_edge) -> None:
    with pytest.raises(ValidationFailed) as refused:
        roads.close_road_seasonally(
            demo_edge,
            actor=demo.user("dispatcher"),
            reason="冬季",
            from_month=2,
            from_day=30,
            until_month=3,
            until_day=31,
        )
    assert refused.value.code == "closure_day_invalid"


@pytest.mark.parametrize("who", ["anonymous", "outsider", "driver", "buyer", "official"])
def test_only_planners_of_the_county_close_and_lift_roads(
    demo, demo_edge, other_county, who
) -> None:
    actor = {
        "anonymous": AnonymousUser(),
        "outsider": other_county.operator,
        "driver": demo.user("driver"),
        "buyer": demo.user("buyer"),
        "official": demo.user("official"),
    }[who]
    before = RoadClosure.objects.count()
    with pytest.raises(PermissionDenied):
        roads.close_road(demo_edge, actor=actor, reason="塌方")
    assert RoadClosure.objects.count() == before
    closure = roads.close_road(demo_edge, actor=demo.user("dispatcher"), reason="塌方")
    with pytest.raises(PermissionDenied):
        roads.lift_closure(closure, actor=actor)
    closure.refresh_from_db()
    assert closure.lifted_at is None


def test_the_centre_operator_may_close_roads_too(demo, demo_edge) -> None:
    closure = roads.close_road(demo_edge, actor=demo.user("operator"), reason="修路")
    assert closure.created_by.username == "operator"


def test_the_demo_pass_is_closed_every_winter_and_genie_is_reached_the_long_way(demo) -> None:
    points = [demo.point("LT-C"), demo.point("LT-S02")]
    summer = roads.travel_matrices(
        demo.county, points, at=datetime.datetime(2025, 7, 1, tzinfo=SHANGHAI)
    )
    winter = roads.travel_matrices(
        demo.county, points, at=datetime.datetime(2026, 1, 15, tzinfo=SHANGHAI)
    )
    assert summer.unreachable == winter.unreachable == set()
    assert winter.duration_s[0][1] > summer.duration_s[0][1]
    overview = roads.closure_overview(demo.county, datetime.datetime(2026, 1, 15, tzinfo=SHANGHAI))
    assert [c.edge.to_node.code for c in overview.in_force] == ["J-GNP"]


@pytest.mark.django_db(transaction=True)
def test_two_planners_lifting_one_closure_at_once_lift_it_once(other_county) -> None:
    """Real threads: the row lock makes the second find the road already open."""
    from django.db import transaction

    from highland.testing import run_concurrently

    small = build_small_roads(other_county)
    closure = roads.close_road(small.edges["S-V1"], actor=other_county.operator, reason="塌方")
    version = roads.road_version(small.county)

    def lift() -> str:
        with transaction.atomic():
            roads.lift_closure(RoadClosure.objects.get(pk=closure.pk), actor=other_county.operator)
        return "lifted"

    results = run_concurrently(lift, 2)

    assert sorted(str(r) if isinstance(r, str) else type(r).__name__ for r in results) == [
        "ValidationFailed",
        "lifted",
    ]
    assert AuditRecord.objects.filter(action="logistics.road_closure.lifted").count() == 1
    assert roads.road_version(small.county) == version + 1
