"""Cost per parcel: shares of a route's cost sum to it exactly, by weight × distance; bus
parcels cost their fee; the monthly report per village point counts each day's plan once;
the report page and its downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.logistics.models import Carrier, ParcelCost, PlannedRoute, PlannedStop, PlanningRun
from highland.logistics.planning.routes import COST_UNITS_PER_FEN, unit_costs, units_to_fen
from highland.logistics.services.costs import cost_per_parcel_report, share_route_cost
from highland.logistics.tests.plans_setup import next_weekday, solved_run

items = st.lists(
    st.tuples(st.integers(0, 500_000), st.integers(0, 300_000)), min_size=1, max_size=40
)


@given(cost=st.integers(0, 10**9), sizes=items)
def test_the_shares_of_a_route_sum_to_its_cost_exactly(cost, sizes):
    shares = share_route_cost(
        cost, [(index, grams, metres) for index, (grams, metres) in enumerate(sizes)]
    )

    assert sum(shares.values()) == cost
    assert all(share >= 0 for share in shares.values())
    assert set(shares) == set(range(len(sizes)))


def test_shares_follow_weight_times_distance_by_largest_remainder():
    # 10 kg at 20 km, 10 kg at 40 km, 5 kg at 40 km: weights 2 : 4 : 2.
    shares = share_route_cost(
        1_001, [("a", 10_000, 20_000), ("b", 10_000, 40_000), ("c", 5_000, 40_000)]
    )

    # 250.25, 500.5, 250.25: the odd fen goes to the largest remainder (b).
    assert shares == {"a": 250, "b": 501, "c": 250}


def test_weightless_items_share_equally_and_a_doorstep_parcel_is_not_free():
    assert share_route_cost(10, [("a", 0, 5), ("b", 0, 9)]) == {"a": 5, "b": 5}
    assert share_route_cost(100, [("hub", 1_000, 0), ("far", 1_000, 99)]) == {"hub": 1, "far": 99}


@given(
    per_km=st.integers(0, 100_000),
    per_hour=st.integers(0, 100_000),
    metres=st.integers(0, 10**6),
    seconds=st.integers(0, 86_400),
)
def test_the_solvers_cost_units_are_exact_fractions_of_a_fen(per_km, per_hour, metres, seconds):
    per_metre, per_second = unit_costs(per_km, per_hour)
    units = per_metre * metres + per_second * seconds

    # units / 18,000 fen = per_km × km + per_hour × hours, with no rounding until the end.
    assert units * 3_600_000 == COST_UNITS_PER_FEN * (
        per_km * metres * 3_600 + per_hour * seconds * 1_000
    )
    exact_twice = 2 * (per_km * metres * 3_600 + per_hour * seconds * 1_000)
    assert units_to_fen(units) == (exact_twice + 3_600_000) // 7_200_000


@pytest.mark.django_db
def test_every_route_is_shared_among_its_parcels_and_the_report_counts_the_days_plan(
    demo, parcel_factory, django_capture_on_commit_callbacks
):
    parcel_factory.order_parcel("LT-S01-V03", weight_g=2_000)
    parcel_factory.order_parcel("LT-S01-V03", weight_g=1_000)
    parcel_factory.collection("LT-S01-V03", weight_g=30_000)
    parcel_factory.order_parcel("LT-S01-V04", weight_g=500)  # goes by bus B1
    day = next_weekday(1)

    run = solved_run(demo, django_capture_on_commit_callbacks, day=day)
    solved_run(demo, django_capture_on_commit_callbacks, day=day)  # replans: counts once

    run = PlanningRun.objects.get(county=demo.county, day=day, is_current=True)
    for route in PlannedRoute.objects.filter(run=run):
        shares = ParcelCost.objects.filter(route=route)
        loose = sum(
            PlannedStop.objects.filter(route=route).values_list("loose_cost_fen", flat=True)
        )
        assert sum(share.cost_fen for share in shares) + loose == route.cost_fen
    rows = cost_per_parcel_report(demo.county, since=day.replace(day=1), until=day)
    by_point = {row.point_code: row for row in rows}
    tuoren = by_point["LT-S01-V03"]
    assert (tuoren.parcels, tuoren.van_parcels, tuoren.bus_parcels) == (3, 3, 0)
    assert tuoren.total_fen == run.van_cost_fen
    assert tuoren.per_parcel_fen == (2 * tuoren.total_fen + 3) // 6
    achao = by_point["LT-S01-V04"]
    assert (achao.parcels, achao.bus_parcels, achao.total_fen, achao.per_parcel_fen) == (
        1,
        1,
        500,
        500,
    )
    assert {row.month for row in rows} == {day.replace(day=1)}
    assert ParcelCost.objects.filter(carrier=Carrier.BUS).count() == 2  # one per run


@pytest.mark.django_db
def test_the_report_page_shows_cards_and_downloads(
    demo, client_as, parcel_factory, django_capture_on_commit_callbacks
):
    parcel_factory.order_parcel("LT-S01-V04", weight_g=500)
    day = next_weekday(1)
    solved_run(demo, django_capture_on_commit_callbacks, day=day)
    query = f"?since={day.replace(day=1).isoformat()}&until={day.isoformat()}"
    client = client_as(demo.user("official"))

    page = client.get(f"/logistics/costs/{query}")
    csv = client.get(f"/logistics/costs/{query}&format=csv")
    excel = client.get(f"/logistics/costs/{query}&format=xlsx")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Achao Village Service Point" in text and "¥5.00" in text
    assert len(page.content) < 50_000
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:4] == ["Month", "Point code", "Point", "Parcels"]
    assert lines[1].split(",") == [
        f"{day:%Y-%m}",
        "LT-S01-V04",
        "Achao Village Service Point",
        "1",
        "0",
        "1",
        "5.00",
        "5.00",
    ]
    assert excel.content[:2] == b"PK"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "status"),
    [(None, 302), ("driver", 403), ("agent", 403), ("dispatcher", 200), ("official", 200)],
)
def test_who_sees_the_cost_report(demo, client_as, username, status):
    user = demo.user(username) if username else None

    response = client_as(user).get("/logistics/costs/")

    assert response.status_code == status


@pytest.mark.django_db
def test_another_countys_operator_sees_only_their_own_costs(other_county, client_as):
    response = client_as(other_county.operator).get("/logistics/costs/")

    assert response.status_code == 200
    assert "No planned parcels in this period." in response.content.decode()


@pytest.mark.django_db
def test_the_report_reads_in_one_query(demo, django_assert_num_queries):
    today = dt.date.today()
    with django_assert_num_queries(1):
        cost_per_parcel_report(demo.county, since=today.replace(day=1), until=today)
