"""The planning pages, the manifest, the driver's page and the API: who sees what, the
progress fragment, idempotent taps, query budgets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from highland.logistics.models import PlannedStop, PlanningRun, PlanningRunStatus, TrackingEvent
from highland.logistics.tests.plans_setup import next_weekday, solved_run

pytestmark = pytest.mark.django_db

PLANS = "/logistics/plans/"


@pytest.fixture
def done_run(demo, parcel_factory, django_capture_on_commit_callbacks):
    """Today's plan: two parcels down to 托仁村 and one collection up from it."""
    parcel_factory.order_parcel("LT-S01-V03", weight_g=2_000)
    parcel_factory.order_parcel("LT-S01-V03", weight_g=1_000)
    parcel_factory.collection("LT-S01-V03", weight_g=30_000)
    return solved_run(demo, django_capture_on_commit_callbacks, day=timezone.localdate())


@pytest.mark.parametrize(
    ("username", "status"),
    [
        (None, 302),
        ("buyer", 403),
        ("agent", 403),
        ("driver", 200),
        ("official", 200),
        ("dispatcher", 200),
        ("operator", 200),
    ],
)
def test_who_sees_the_planning_page(demo, client_as, username, status):
    response = client_as(demo.user(username) if username else None).get(PLANS)

    assert response.status_code == status


def test_the_dispatcher_starts_a_run_from_the_page(
    demo, client_as, django_capture_on_commit_callbacks
):
    client = client_as(demo.user("dispatcher"))
    day = next_weekday(2)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            PLANS, {"day": day.isoformat(), "seconds": "5", "departs_at": "06:30"}
        )

    run = PlanningRun.objects.get(county=demo.county)
    assert response.status_code == 302
    assert response["Location"] == f"/logistics/plans/{run.pk}/"
    assert (run.day, run.time_limit_seconds, run.departs_at) == (day, 5.0, dt.time(6, 30))
    assert run.status == PlanningRunStatus.QUEUED
    assert len(callbacks) == 1


def test_an_official_may_look_but_not_start_a_run(demo, client_as):
    response = client_as(demo.user("official")).post(
        PLANS, {"day": next_weekday(2).isoformat(), "seconds": "5", "departs_at": "07:00"}
    )

    assert response.status_code == 403
    assert not PlanningRun.objects.exists()


def test_a_bad_day_is_refused_on_the_form(demo, client_as):
    response = client_as(demo.user("dispatcher")).post(
        PLANS, {"day": "2020-01-01", "seconds": "5", "departs_at": "07:00"}
    )

    assert response.status_code == 200
    assert "Plan today or a day in the next 14 days." in response.content.decode()
    assert not PlanningRun.objects.exists()


def test_a_running_run_shows_its_progress_and_polls_for_more(demo, client_as):
    run = PlanningRun.objects.create(
        county=demo.county,
        day=next_weekday(1),
        time_limit_seconds=30,
        status=PlanningRunStatus.RUNNING,
        best_cost_fen=123_456,
        elapsed_seconds=12.3,
        iterations=4_000,
        created_by=demo.user("dispatcher"),
    )
    client = client_as(demo.user("dispatcher"))

    page = client.get(f"{PLANS}{run.pk}/").content.decode()
    fragment = client.get(f"{PLANS}{run.pk}/progress/", HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="4"></noscript>' in page
    assert "¥1,234.56" in page and "12.3 s of 30 s" in page
    assert fragment.status_code == 200
    assert "HX-Refresh" not in fragment
    assert "¥1,234.56" in fragment.content.decode()

    PlanningRun.objects.filter(pk=run.pk).update(status=PlanningRunStatus.DONE)
    finished = client.get(f"{PLANS}{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert "hx-trigger" not in finished.content.decode()


def test_a_done_run_shows_routes_on_a_map_and_manifests(
    done_run, demo, client_as, django_assert_max_num_queries
):
    client = client_as(demo.user("dispatcher"))

    with django_assert_max_num_queries(21):
        response = client.get(f"{PLANS}{done_run.pk}/")

    text = response.content.decode()
    assert response.status_code == 200
    route = done_run.routes.get()
    assert f'stroke="{route.colour}"' in text and 'class="route"' in text
    assert 'class="road-map"' in text
    assert "Tuoren Village Service Point" in text
    assert "drop 2 parcels (3 kg)" in text
    assert "hx-trigger" not in text
    assert len(response.content) < 50_000


def test_the_manifest_lists_parcels_by_sscc_and_never_a_pickup_code(done_run, demo, client_as):
    route = done_run.routes.get()
    stop = route.stops.get()

    response = client_as(demo.user("dispatcher")).get(
        f"{PLANS}{done_run.pk}/routes/{route.pk}/manifest/"
    )

    text = response.content.decode()
    for parcel in [*stop.drop_parcels.all(), *stop.collect_parcels.all()]:
        assert parcel.sscc in text
        if parcel.order is not None:
            assert parcel.order.pickup_code and parcel.order.pickup_code not in text
    assert "manifest.css" in text


def test_another_countys_run_is_not_found(done_run, other_county, client_as):
    client = client_as(other_county.operator)

    assert client.get(f"{PLANS}{done_run.pk}/").status_code == 404
    assert client.get(f"{PLANS}{done_run.pk}/progress/").status_code == 404
    route = done_run.routes.get()
    assert client.get(f"{PLANS}{done_run.pk}/routes/{route.pk}/manifest/").status_code == 404


def test_the_dispatcher_cancels_a_queued_run(demo, client_as):
    run = PlanningRun.objects.create(
        county=demo.county,
        day=next_weekday(1),
        time_limit_seconds=30,
        created_by=demo.user("dispatcher"),
    )

    response = client_as(demo.user("dispatcher")).post(f"{PLANS}{run.pk}/cancel/")

    run.refresh_from_db()
    assert response.status_code == 302
    assert run.status == PlanningRunStatus.CANCELLED


# --- the driver's phone page ----------------------------------------------------------------


def _key(page: str, action: str) -> str:
    match = re.search(rf'action="{re.escape(action)}">.*?name="key" value="([^"]+)"', page)
    assert match, action
    return match.group(1)


def test_the_driver_confirms_a_drop_once_even_when_the_tap_is_sent_twice(
    done_run, demo, client_as, django_assert_max_num_queries
):
    client = client_as(demo.user("driver"))
    stop = PlannedStop.objects.get(route__run=done_run)

    with django_assert_max_num_queries(12):
        page = client.get("/logistics/driver/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Tuoren Village Service Point" in text and len(page.content) < 50_000
    action = f"/logistics/driver/stops/{stop.pk}/drop/"
    key = _key(text, action)

    first = client.post(action, {"key": key}, follow=True)
    again = client.post(action, {"key": key}, follow=True)

    assert first.redirect_chain == again.redirect_chain == [("/logistics/driver/", 302)]
    assert "Recorded for 2 parcels." in first.content.decode()
    events = TrackingEvent.objects.filter(
        parcel__in=stop.drop_parcels.all(), kind="arrived_at_point"
    )
    assert events.count() == 2
    assert {event.point_id for event in events} == {stop.point_id}
    assert {event.vehicle_id for event in events} == {stop.route.vehicle_id}
    assert "2 parcels were recorded already." in again.content.decode()
    assert "Recorded for" not in again.content.decode()
    assert "✓ Dropped" in again.content.decode()


def test_the_driver_confirms_loading_and_collection(done_run, demo, client_as):
    client = client_as(demo.user("driver"))
    route = done_run.routes.get()
    stop = route.stops.get()
    text = client.get("/logistics/driver/").content.decode()

    client.post(
        f"/logistics/driver/routes/{route.pk}/loaded/",
        {"key": _key(text, f"/logistics/driver/routes/{route.pk}/loaded/")},
    )
    client.post(
        f"/logistics/driver/stops/{stop.pk}/collect/",
        {"key": _key(text, f"/logistics/driver/stops/{stop.pk}/collect/")},
    )

    kinds = sorted(
        TrackingEvent.objects.filter(vehicle=route.vehicle).values_list("kind", flat=True)
    )
    assert kinds == ["collected", "loaded", "loaded"]
    [collection] = stop.collect_parcels.all()
    collection.refresh_from_db()
    assert collection.status == "collected"


def test_someone_elses_stop_is_not_found_and_a_stale_form_is_refused(done_run, demo, client_as):
    stop = PlannedStop.objects.get(route__run=done_run)

    dispatcher = client_as(demo.user("dispatcher")).post(
        f"/logistics/driver/stops/{stop.pk}/drop/", {"key": "a" * 22}
    )
    stale = client_as(demo.user("driver")).post(f"/logistics/driver/stops/{stop.pk}/drop/", {})
    anonymous = client_as(None).get("/logistics/driver/")
    buyer = client_as(demo.user("buyer")).get("/logistics/driver/")

    assert dispatcher.status_code == 404  # not one of the dispatcher's routes
    assert stale.status_code == 422
    assert anonymous.status_code == 302
    assert buyer.status_code == 403
    assert not TrackingEvent.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_starts_a_run_and_reads_its_plan(
    demo, client_as, done_run, django_capture_on_commit_callbacks
):
    client = client_as(demo.user("dispatcher"))

    with django_capture_on_commit_callbacks(execute=False):
        started = client.post(
            "/api/v1/logistics/plans",
            {"day": next_weekday(3).isoformat(), "seconds": 2},
            content_type="application/json",
        )
    read = client.get(f"/api/v1/logistics/plans/{done_run.pk}")

    assert started.status_code == 202
    assert started.json()["status"] == "queued"
    body = read.json()
    assert body["status"] == "done" and body["is_current"] is True
    [route] = body["routes"]
    [stop] = route["stops"]
    assert stop["point_code"] == "LT-S01-V03"
    assert len(stop["drop_ssccs"]) == 2 and len(stop["collect_ssccs"]) == 1
    assert body["cost_fen"] == route["cost_fen"]


def test_the_api_refuses_outsiders_and_a_second_run_of_the_day(
    demo, client_as, other_county, done_run, django_capture_on_commit_callbacks
):
    outsider = client_as(other_county.operator).get(f"/api/v1/logistics/plans/{done_run.pk}")
    day = next_weekday(3).isoformat()
    client = client_as(demo.user("dispatcher"))
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/api/v1/logistics/plans", {"day": day}, content_type="application/json")
        again = client.post(
            "/api/v1/logistics/plans", {"day": day}, content_type="application/json"
        )
    driver = client_as(demo.user("driver")).post(
        "/api/v1/logistics/plans", {"day": day}, content_type="application/json"
    )

    assert outsider.status_code == 404
    assert again.status_code == 409 and again.json()["code"] == "run_in_progress"
    assert driver.status_code == 403


def test_the_driver_reads_today_from_the_api(done_run, demo, client_as):
    response = client_as(demo.user("driver")).get("/api/v1/logistics/driver/today")

    body = response.json()
    assert response.status_code == 200
    assert body["day"] == timezone.localdate().isoformat()
    [route] = body["routes"]
    assert route["stops"][0]["point_code"] == "LT-S01-V03"
    assert client_as(demo.user("buyer")).get("/api/v1/logistics/driver/today").status_code == 403


def test_the_runs_list_reads_in_the_same_queries_however_many_runs(
    demo, client_as, django_assert_num_queries
):
    client = client_as(demo.user("dispatcher"))
    PlanningRun.objects.create(
        county=demo.county,
        day=next_weekday(1),
        time_limit_seconds=5,
        status=PlanningRunStatus.DONE,
        created_by=demo.user("dispatcher"),
    )
    client.get(PLANS)  # warm the session and the menu's caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(PLANS)
    for offset in range(2, 7):
        PlanningRun.objects.create(
            county=demo.county,
            day=next_weekday(1) + dt.timedelta(days=offset),
            time_limit_seconds=5,
            status=PlanningRunStatus.FAILED,
            created_by=demo.user("operator"),
        )

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(PLANS)

    assert len(re.findall(r'href="/logistics/plans/\d+/"', response.content.decode())) == 6


@pytest.mark.parametrize(
    ("username", "entries"),
    [
        ("dispatcher", ["Planning runs", "Cost per parcel"]),
        ("driver", ["My stops today"]),
        ("official", ["Planning runs", "Cost per parcel"]),
    ],
)
def test_the_menu_leads_to_the_planning_pages(demo, client_as, username, entries):
    page = client_as(demo.user(username)).get("/").content.decode()

    for entry in entries:
        assert entry in page
    if username == "driver":
        assert "Planning runs" not in page
