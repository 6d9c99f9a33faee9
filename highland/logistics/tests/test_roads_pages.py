"""The roads page and API: closures shown, closed and lifted by planners only."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from highland.core.models import AuditRecord
from highland.logistics.models import RoadClosure, RoadEdge
from highland.logistics.services import roads


@pytest.fixture
def edge(demo) -> RoadEdge:
    return RoadEdge.objects.get(
        county=demo.county, from_node__code="LT-C", to_node__code="LT-S01-V02"
    )


@pytest.fixture
def landslide(demo, edge) -> RoadClosure:
    return roads.close_road(edge, actor=demo.user("dispatcher"), reason="萨戈村路段塌方")


# --- the page ----------------------------------------------------------------------------


def test_the_dispatcher_sees_closures_the_form_and_the_map(demo, client_as, landslide) -> None:
    response = client_as(demo.user("dispatcher")).get("/logistics/roads/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "萨戈村路段塌方" in text
    assert f"/logistics/roads/closures/{landslide.pk}/lift/" in text
    assert 'action="/logistics/roads/closures/create/"' in text
    assert "<svg" in text and f'data-edge="{landslide.edge_id}" data-closed' in text
    # The winter closure of Genie Pass is listed too (closed now or to come).
    assert "格聂山口冬季积雪结冰" in text
    assert len(response.content) < 50_000


def test_a_driver_sees_the_closures_but_no_form_and_no_lift_button(
    demo, client_as, landslide
) -> None:
    response = client_as(demo.user("driver")).get("/logistics/roads/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "萨戈村路段塌方" in text
    assert "/lift/" not in text
    assert "closures/create/" not in text


def test_the_page_is_for_planners_and_drivers_of_the_county_only(
    demo, client_as, other_county, landslide
) -> None:
    assert client_as(None).get("/logistics/roads/").status_code == 302
    assert client_as(demo.user("buyer")).get("/logistics/roads/").status_code == 403
    # An operator of another county sees their own county's roads: none of ours.
    outsider = client_as(other_county.operator).get("/logistics/roads/")
    assert outsider.status_code == 200
    assert "萨戈村路段塌方" not in outsider.content.decode()


def test_the_page_has_a_query_budget(demo, client_as, landslide, django_assert_max_num_queries):
    client = client_as(demo.user("dispatcher"))
    client.get("/logistics/roads/")
    with django_assert_max_num_queries(14):
        assert client.get("/logistics/roads/").status_code == 200


def form_data(edge: RoadEdge, **overrides: str) -> dict[str, str]:
    data = {
        "edge": str(edge.pk),
        "reason": "泥石流",
        "ends_at": (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "idempotency_key": "form-key-00000001",
    }
    data.update(overrides)
    return data


def test_closing_a_road_from_the_page_twice_with_one_key_closes_it_once(
    demo, client_as, edge
) -> None:
    client = client_as(demo.user("dispatcher"))
    first = client.post("/logistics/roads/closures/create/", form_data(edge))
    again = client.post("/logistics/roads/closures/create/", form_data(edge))
    assert first.status_code == again.status_code == 302
    closures = RoadClosure.objects.filter(edge=edge, reason="泥石流")
    assert closures.count() == 1
    assert closures.get().ends_at is not None


def test_a_closure_without_a_reason_is_shown_again_with_the_error(demo, client_as, edge) -> None:
    client = client_as(demo.user("dispatcher"))
    response = client.post("/logistics/roads/closures/create/", form_data(edge, reason=" "))
    assert response.status_code == 422
    assert '<ul class="errorlist" id="id_reason_error"><li>This field is required.' in (
        response.content.decode()
    )
    assert not RoadClosure.objects.filter(edge=edge, kind="ad_hoc").exists()


def test_a_closure_ending_in_the_past_is_refused_on_the_form(demo, client_as, edge) -> None:
    past = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_as(demo.user("dispatcher")).post(
        "/logistics/roads/closures/create/", form_data(edge, ends_at=past)
    )
    assert response.status_code == 422
    assert "give a time in the future" in response.content.decode()
    assert not RoadClosure.objects.filter(edge=edge, kind="ad_hoc").exists()


def test_a_driver_cannot_close_a_road_from_the_page(demo, client_as, edge) -> None:
    response = client_as(demo.user("driver")).post(
        "/logistics/roads/closures/create/", form_data(edge)
    )
    assert response.status_code == 403
    assert not RoadClosure.objects.filter(edge=edge, kind="ad_hoc").exists()


def test_lifting_from_the_page(demo, client_as, landslide) -> None:
    response = client_as(demo.user("dispatcher")).post(
        f"/logistics/roads/closures/{landslide.pk}/lift/"
    )
    assert response.status_code == 302
    landslide.refresh_from_db()
    assert landslide.lifted_at is not None


def test_a_closure_of_another_county_is_not_found(demo, client_as, other_county, landslide) -> None:
    response = client_as(other_county.operator).post(
        f"/logistics/roads/closures/{landslide.pk}/lift/"
    )
    assert response.status_code == 404
    landslide.refresh_from_db()
    assert landslide.lifted_at is None


# --- the API -----------------------------------------------------------------------------


def post_json(client, url: str, data: dict, **headers: str):
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers)


def test_api_lists_closures_in_force_and_to_come(demo, client_as, landslide) -> None:
    response = client_as(demo.user("dispatcher")).get("/api/v1/logistics/roads/closures")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert rows[landslide.pk]["in_force"] is True
    assert rows[landslide.pk]["kind"] == "ad_hoc"
    assert rows[landslide.pk]["reason"] == "萨戈村路段塌方"
    seasonal = [row for row in rows.values() if row["kind"] == "seasonal"]
    assert [
        (r["from_month"], r["from_day"], r["until_month"], r["until_day"]) for r in seasonal
    ] == [(12, 1, 3, 31)]


def test_api_permissions(demo, client_as, other_county, edge, landslide) -> None:
    url = "/api/v1/logistics/roads/closures"
    assert client_as(None).get(url).status_code == 401
    assert client_as(demo.user("buyer")).get(url).status_code == 403
    assert client_as(other_county.operator).get(url).json() == []
    body = {"edge_id": edge.pk, "reason": "塌方"}
    before = RoadClosure.objects.count()
    assert post_json(client_as(demo.user("driver")), url, body).status_code == 403
    assert post_json(client_as(other_county.operator), url, body).status_code == 404
    assert RoadClosure.objects.count() == before
    lift = f"{url}/{landslide.pk}/lift"
    assert client_as(demo.user("driver")).post(lift).status_code == 403
    assert client_as(other_county.operator).post(lift).status_code == 404
    landslide.refresh_from_db()
    assert landslide.lifted_at is None


def test_api_closes_a_road_once_per_key_and_lifts_it(demo, client_as, edge) -> None:
    client = client_as(demo.user("dispatcher"))
    url = "/api/v1/logistics/roads/closures"
    body = {"edge_id": edge.pk, "reason": "塌方", "ends_at": "2099-01-01T08:00:00+08:00"}
    first = post_json(client, url, body, HTTP_IDEMPOTENCY_KEY="roads-key-0001")
    again = post_json(client, url, body, HTTP_IDEMPOTENCY_KEY="roads-key-0001")
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["in_force"] is True
    other = post_json(client, url, body | {"reason": "别的"}, HTTP_IDEMPOTENCY_KEY="roads-key-0001")
    assert other.status_code == 409

    closure_id = first.json()["id"]
    lifted = client.post(f"{url}/{closure_id}/lift")
    assert lifted.status_code == 200
    assert lifted.json()["lifted_at"] is not None
    assert client.post(f"{url}/{closure_id}/lift").status_code == 422
    assert (
        AuditRecord.objects.filter(
            action="logistics.road_closure.lifted", object_id=str(closure_id)
        ).count()
        == 1
    )


def test_api_seasonal_closure_needs_its_days(demo, client_as, edge) -> None:
    client = client_as(demo.user("dispatcher"))
    url = "/api/v1/logistics/roads/closures"
    missing = post_json(client, url, {"edge_id": edge.pk, "reason": "雪", "kind": "seasonal"})
    assert missing.status_code == 422
    assert missing.json()["code"] == "closure_days_missing"
    made = post_json(
        client,
        url,
        {
            "edge_id": edge.pk,
            "reason": "雪",
            "kind": "seasonal",
            "from_month": 1,
            "from_day": 10,
            "until_month": 2,
            "until_day": 20,
        },
    )
    assert made.status_code == 201
    assert made.json()["kind"] == "seasonal"


def test_api_lists_edges_with_derived_travel_times(demo, client_as) -> None:
    response = client_as(demo.user("dispatcher")).get("/api/v1/logistics/roads/edges")
    assert response.status_code == 200
    edges = {(e["from_node"], e["to_node"]): e for e in response.json()}
    sage = edges[("LT-C", "LT-S01-V02")]
    # 8.8 km of county road at 35 km/h, both ends above 4,000 m? The centre is at 3,954 m,
    # Sage at 4,050 m: so × 0.85 → 29.75 km/h → 1065 s.
    assert sage["length_m"] == 8800
    assert sage["travel_seconds"] == 1065
