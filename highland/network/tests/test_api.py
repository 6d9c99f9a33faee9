"""The network API: same permissions as the services, 401/403/404/422 with field messages."""

from __future__ import annotations

import json

import pytest

from highland.core.models import AuditRecord
from highland.network.models import ServicePoint
from highland.network.tests.test_services import network_state

NEW_VILLAGE = {
    "tier": "village_point",
    "code": "LT-API",
    "name_zh": "接口村服务点",
    "name_bo": "གྲོང་ཚོ།",
    "name_en": "API Village Point",
    "township_zh": "奔戈乡",
    "village_zh": "接口村",
    "latitude": "29.96",
    "longitude": "100.31",
    "altitude_m": 4050,
    "connectivity": "3g",
    "connectivity_stable": False,
    "services": ["agency_purchase", "parcel_pickup"],
}


def post_json(client, url, payload=None):
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


def patch_json(client, url, payload):
    return client.patch(url, data=json.dumps(payload), content_type="application/json")


# --- reads -------------------------------------------------------------------------------


def test_list_shows_only_the_own_county_active_points(demo, other_county, client_as):
    response = client_as(demo.user("agent")).get("/api/v1/network/points")

    assert response.status_code == 200
    codes = {point["code"] for point in response.json()}
    assert codes == set(
        ServicePoint.objects.filter(county=demo.county, active=True).values_list("code", flat=True)
    )
    assert "HY-C" not in codes


def test_list_filters_by_tier_and_service(demo, client_as):
    response = client_as(demo.user("official")).get(
        "/api/v1/network/points", {"tier": "township_station", "service": "training"}
    )

    assert response.status_code == 200
    assert [p["code"] for p in response.json()] == sorted(
        ServicePoint.objects.filter(county=demo.county, tier="township_station").values_list(
            "code", flat=True
        )
    )


def test_list_query_count_is_bounded(demo, client_as, django_assert_max_num_queries):
    client = client_as(demo.user("agent"))
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/network/points")
    assert len(response.json()) == 23


def test_detail_of_another_county_is_404(demo, other_county, client_as):
    response = client_as(demo.user("operator")).get(
        f"/api/v1/network/points/{other_county.centre.pk}"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_detail_of_a_missing_point_is_the_same_404(demo, client_as):
    response = client_as(demo.user("operator")).get("/api/v1/network/points/999999")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No such service point."}


@pytest.mark.parametrize(
    "url", ["/api/v1/network/points", "/api/v1/network/points/1", "/api/v1/me"]
)
def test_anonymous_reads_are_401(demo, client_as, url):
    assert client_as(None).get(url).status_code == 401


def test_person_without_a_role_in_the_county_cannot_list(demo, client_as, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x", county=demo.county)

    assert client_as(stranger).get("/api/v1/network/points").status_code == 403


# --- writes: permission matrix ---------------------------------------------------------------


def _station_id(demo):
    return demo.point("LT-S01").pk


WRITES = {
    "create": lambda c, d: post_json(
        c, "/api/v1/network/points", {**NEW_VILLAGE, "parent_id": _station_id(d)}
    ),
    "update": lambda c, d: patch_json(
        c, f"/api/v1/network/points/{d.point('LT-S02').pk}", {"altitude_m": 3990}
    ),
    "move": lambda c, d: post_json(
        c,
        f"/api/v1/network/points/{d.point('LT-S01-V01').pk}/move",
        {"parent_id": d.point("LT-S02").pk},
    ),
    "deactivate": lambda c, d: post_json(
        c, f"/api/v1/network/points/{d.point('LT-S02-V01').pk}/deactivate"
    ),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("other_county", 404), ("wrong_role", 403), ("allowed", 200)],
)
def test_write_permission_matrix(demo, other_county, client_as, write, who, status):
    user = {
        "anonymous": None,
        "other_county": other_county.operator,
        "wrong_role": demo.user("official"),
        "allowed": demo.user("operator"),
    }[who]
    before = network_state()

    response = WRITES[write](client_as(user), demo)

    if who == "other_county" and write == "create":
        # Creating is scoped to the caller's own county; the parent of another county is unknown.
        assert response.status_code == 404
        assert response.json()["errors"] == {"parent_id": ["No such parent point."]}
    expected = 201 if (write == "create" and who == "allowed") else status
    assert response.status_code == expected, response.content
    if who == "allowed":
        assert AuditRecord.objects.count() == before[-1] + 1
    else:
        assert network_state() == before


def test_created_point_is_returned_in_full(demo, client_as):
    response = post_json(
        client_as(demo.user("operator")),
        "/api/v1/network/points",
        {**NEW_VILLAGE, "parent_id": _station_id(demo)},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "LT-API"
    assert body["latitude"] == "29.960000"
    assert body["services"] == ["agency_purchase", "parcel_pickup"]
    assert body["parent_id"] == _station_id(demo)


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": "61.5"}, "latitude"),
        ({"longitude": "150"}, "longitude"),
        ({"altitude_m": 6500}, "altitude_m"),
    ],
)
def test_create_with_bad_values_is_422_with_field_messages(demo, client_as, overrides, field):
    before = network_state()

    response = post_json(
        client_as(demo.user("operator")),
        "/api/v1/network/points",
        {**NEW_VILLAGE, "parent_id": _station_id(demo), **overrides},
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert network_state() == before


def test_create_under_a_village_point_is_422(demo, client_as):
    before = network_state()

    response = post_json(
        client_as(demo.user("operator")),
        "/api/v1/network/points",
        {**NEW_VILLAGE, "parent_id": demo.point("LT-S01-V01").pk},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "parent": ["A village point belongs to a township station."]
    }
    assert network_state() == before


def test_schema_violations_are_422(demo, client_as):
    response = post_json(
        client_as(demo.user("operator")),
        "/api/v1/network/points",
        {**NEW_VILLAGE, "tier": "castle", "altitude_m": "high"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert set(body["errors"]) == {"tier", "altitude_m"}
    assert body["errors"]["altitude_m"] == [
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_agent_patches_own_point_connectivity_and_hours(demo, client_as):
    station = demo.point("LT-S01")

    response = patch_json(
        client_as(demo.user("agent")),
        f"/api/v1/network/points/{station.pk}",
        {
            "connectivity": "3g",
            "opening_hours": [{"weekday": 2, "opens": "10:00", "closes": "16:00"}],
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["connectivity"] == "3g"
    assert response.json()["opening_hours"] == [{"weekday": 2, "opens": "10:00", "closes": "16:00"}]


def test_agent_cannot_patch_location(demo, client_as):
    before = network_state()

    response = patch_json(
        client_as(demo.user("agent")),
        f"/api/v1/network/points/{demo.point('LT-S01').pk}",
        {"latitude": "30.1"},
    )

    assert response.status_code == 403
    assert network_state() == before


def test_session_writes_need_csrf(demo):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(demo.user("operator"))

    response = patch_json(
        client, f"/api/v1/network/points/{demo.point('LT-S02').pk}", {"altitude_m": 3991}
    )

    assert response.status_code in (401, 403)
    assert demo.point("LT-S02").altitude_m != 3991


def test_patch_with_bad_hours_saves_nothing_at_all(demo, client_as):
    station = demo.point("LT-S01")
    before = network_state()

    response = patch_json(
        client_as(demo.user("operator")),
        f"/api/v1/network/points/{station.pk}",
        {
            "connectivity": "2g",
            "opening_hours": [{"weekday": 1, "opens": "12:00", "closes": "09:00"}],
        },
    )

    assert response.status_code == 422
    assert network_state() == before
