"""Network pages: list, point, map, desk and the forms, with query budgets."""

from __future__ import annotations

import re

import pytest

from highland.core.models import AuditRecord
from highland.network.models import ServicePoint
from highland.network.svgmap import render_county_map
from highland.network.tests.test_services import network_state


def test_map_draws_every_active_point_and_no_inactive_one(demo, client_as):
    from highland.network import services

    services.deactivate_service_point(demo.point("LT-S02-V01"), actor=demo.user("operator"))
    active = ServicePoint.objects.filter(county=demo.county, active=True)

    response = client_as(demo.user("agent")).get("/network/map/")

    assert response.status_code == 200
    html = response.content.decode()
    linked = set(re.findall(r'<a href="/network/points/(\d+)/" class="map-point"', html))
    assert linked == {str(pk) for pk in active.values_list("pk", flat=True)}
    assert str(demo.point("LT-S02-V01").pk) not in linked


def test_map_marks_tier_and_connectivity(demo):
    points = list(ServicePoint.objects.filter(county=demo.county, active=True))

    svg = render_county_map(points, title="Litang")

    for point in points:
        assert f'data-tier="{point.tier}" data-connectivity="{point.connectivity}"' in svg
    assert svg.count('stroke-dasharray="3 2"') == 1 + sum(not p.connectivity_stable for p in points)


def test_map_positions_follow_coordinates(demo):
    # The northernmost point is drawn highest (smallest y), the westernmost leftmost.
    points = list(ServicePoint.objects.filter(county=demo.county, active=True))
    svg = render_county_map(points, title="Litang")
    circles = re.findall(r'/network/points/(\d+)/".*?<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    position = {int(pk): (float(x), float(y)) for pk, x, y in circles}
    north = max(points, key=lambda p: p.latitude)
    west = min(points, key=lambda p: p.longitude)
    assert position[north.pk][1] == min(y for _x, y in position.values())
    assert position[west.pk][0] == min(x for x, _y in position.values())


def test_map_svg_download(demo, client_as):
    response = client_as(demo.user("agent")).get("/network/map/", {"format": "svg"})

    assert response["Content-Type"].startswith("image/svg+xml")
    assert response.content.startswith(b"<svg")


def test_map_of_an_empty_county_says_so():
    assert "No active service points." in render_county_map([], title="Empty")


@pytest.mark.parametrize("url", ["/network/points/", "/network/map/", "/network/desk/"])
def test_network_pages_need_login(demo, client_as, url):
    response = client_as(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("url", "budget"),
    [("/network/points/", 10), ("/network/map/", 8), ("/network/desk/", 15), ("/", 8)],
)
def test_page_query_budgets(demo, client_as, django_assert_max_num_queries, url, budget):
    client = client_as(demo.user("village_agent"))
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_point_page_query_budget(demo, client_as, django_assert_max_num_queries):
    client = client_as(demo.user("operator"))
    station = demo.point("LT-S01")
    with django_assert_max_num_queries(16):
        assert client.get(f"/network/points/{station.pk}/").status_code == 200


def test_list_filters_by_connectivity(demo, client_as):
    response = client_as(demo.user("agent")).get("/network/points/", {"connectivity": "none"})

    expected = set(
        ServicePoint.objects.filter(
            county=demo.county, connectivity="none", active=True
        ).values_list("code", flat=True)
    )
    assert {p.code for p in response.context["points"]} == expected


def test_htmx_filter_returns_only_the_table(demo, client_as):
    response = client_as(demo.user("agent")).get(
        "/network/points/", {"tier": "township_station"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div class="table-wrap">')
    assert "<html" not in html


def test_desk_lists_the_agents_points(demo, client_as):
    response = client_as(demo.user("village_agent")).get("/network/desk/")

    assert [p.code for p in response.context["points"]] == ["LT-S01-V01", "LT-S01-V02"]


def test_point_of_another_county_is_404_page(demo, other_county, client_as):
    response = client_as(demo.user("operator")).get(f"/network/points/{other_county.centre.pk}/")

    assert response.status_code == 404


def test_operator_creates_a_point_through_the_page(demo, client_as):
    response = client_as(demo.user("operator")).post(
        "/network/points/create/",
        {
            "tier": "village_point",
            "code": "LT-PAGE",
            "parent": demo.point("LT-S02").pk,
            "name_zh": "页面村服务点",
            "name_bo": "གྲོང་ཚོ།",
            "name_en": "Page Village Point",
            "township_zh": "格聂镇",
            "village_zh": "页面村",
            "latitude": "29.85",
            "longitude": "99.85",
            "altitude_m": "3700",
            "connectivity": "3g",
            "services": ["agency_purchase"],
        },
    )

    assert response.status_code == 302
    point = ServicePoint.objects.get(code="LT-PAGE")
    assert response["Location"] == f"/network/points/{point.pk}/"
    assert point.services == ["agency_purchase"]


def test_page_form_shows_the_service_refusal_on_the_field(demo, client_as):
    before = network_state()

    response = client_as(demo.user("operator")).post(
        "/network/points/create/",
        {
            "tier": "township_station",
            "code": "LT-BAD",
            "parent": demo.point("LT-S01").pk,
            "name_zh": "坏",
            "name_bo": "ངན།",
            "name_en": "Bad",
            "township_zh": "奔戈乡",
            "latitude": "29.9",
            "longitude": "100.3",
            "altitude_m": "4000",
            "connectivity": "3g",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "parent": ["A township station belongs to the county centre."]
    }
    assert network_state() == before


def test_agent_edits_own_station_connectivity_and_hours(demo, client_as):
    station = demo.point("LT-S01")
    response = client_as(demo.user("agent")).post(
        f"/network/points/{station.pk}/edit/",
        {
            "details-connectivity": "2g",
            "details-services": ["agency_purchase", "training"],
            "hours-opens_0": "09:30",
            "hours-closes_0": "17:30",
        },
    )

    assert response.status_code == 302
    station.refresh_from_db()
    assert station.connectivity == "2g"
    assert station.connectivity_stable is False
    assert station.services == ["agency_purchase", "training"]
    assert [str(h) for h in station.opening_hours.all()] == ["Monday 09:30–17:30"]


def test_wrong_role_cannot_open_the_edit_page(demo, client_as):
    response = client_as(demo.user("seller")).get(
        f"/network/points/{demo.point('LT-S01').pk}/edit/"
    )
    assert response.status_code == 403


def test_deactivating_a_station_with_villages_shows_the_reason(demo, client_as):
    station = demo.point("LT-S01")
    before = network_state()

    response = client_as(demo.user("operator")).post(
        f"/network/points/{station.pk}/deactivate/", follow=True
    )

    assert "still has open work" in response.content.decode()
    assert network_state() == before


def test_operator_moves_and_assigns_through_the_point_page(demo, client_as):
    client = client_as(demo.user("operator"))
    village, station = demo.point("LT-S01-V03"), demo.point("LT-S02")

    client.post(f"/network/points/{village.pk}/move/", {"parent": station.pk})
    client.post(
        f"/network/points/{station.pk}/assign-agent/", {"agent": demo.user("village_agent").pk}
    )

    village.refresh_from_db()
    assert village.parent == station
    assert demo.user("village_agent") in station.agents.all()
    assert (
        AuditRecord.objects.filter(
            action__in=["network.point.moved", "network.point.agent_assigned"],
            actor=demo.user("operator"),
        ).count()
        == 2
    )


def test_an_action_with_no_route_is_not_found_and_changes_nothing(demo, rf):
    # Routes exist only for POINT_ACTIONS; the shared handler refuses anything else
    # instead of treating it as an agent action.
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from highland.core.errors import NotFound
    from highland.network.views import _post_action

    request = rf.post("/", {"agent": demo.user("agent").pk})
    request.user = demo.user("operator")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    before = network_state()

    with pytest.raises(NotFound):
        _post_action(request, demo.point("LT-S01").pk, "remove-everyone")

    assert network_state() == before
