"""The hub's pages: who sees what (anonymous, another county, wrong role, allowed), the
forms posting through the services, "where is lot X" in the reader's language, and the
hub page's query budget whatever the hub holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from highland.catalog.models import StockLot
from highland.logistics.models import LotMovement, Parcel, ParcelKind, TrackingEvent

HUB_PAGES = [
    "/logistics/hub/",
    "/logistics/hub/lots/?q=L",
    "/logistics/hub/inbound/",
    "/logistics/hub/outbound/",
]


@pytest.mark.parametrize("url", HUB_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client_as, demo, url):
    response = client_as(None).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", HUB_PAGES)
@pytest.mark.parametrize("who", ["buyer", "seller", "agent", "driver"])
def test_people_who_do_not_work_at_the_hub_are_refused(client_as, demo, url, who):
    assert client_as(demo.user(who)).get(url).status_code == 403


@pytest.mark.parametrize("url", HUB_PAGES)
@pytest.mark.parametrize("who", ["operator", "dispatcher", "official"])
def test_the_centre_the_dispatcher_and_the_bureau_see_the_hub(client_as, demo, url, who):
    assert client_as(demo.user(who)).get(url).status_code == 200


def test_another_countys_operator_sees_their_own_hub_not_ours(client_as, hub, other_county):
    lot = hub.demo_lot("LT-ZC-500")
    client = client_as(other_county.operator)

    home = client.get("/logistics/hub/").content.decode()

    assert "A-01" not in home
    assert client.get(f"/logistics/hub/lots/{lot.pk}/").status_code == 404
    assert client.get(f"/logistics/hub/lots/?q={lot.code}").context["lots"] == []


def test_the_hub_page_shows_zones_as_cards_with_what_lies_in_them(client_as, demo, hub):
    lot = hub.demo_lot("LT-SRF-500")
    [(location, quantity)] = hub.placed(lot).items()

    page = client_as(demo.user("operator")).get("/logistics/hub/").content.decode()

    assert page.count('<section class="card zone') == 3
    assert "F · Frozen" in page
    assert f">{lot.code}</a>" in page
    assert f"{quantity} units" in page
    assert location in page


def test_the_hub_page_keeps_its_query_budget_as_the_hub_fills(client_as, demo, hub):
    client = client_as(demo.user("operator"))
    client.get("/logistics/hub/")  # session and language settle on the first request
    with CaptureQueriesContext(connection) as before:
        assert client.get("/logistics/hub/").status_code == 200

    # The hub fills: more lots put away, a parcel put away at a location
    for location in ("A-01", "A-02", "A-03", "C-01", "F-02"):
        sku = "LT-SRF-500" if location.startswith("F") else "LT-ZC-500"
        lot = hub.new_lot(sku, 4)
        from highland.logistics.services.hub import put_away

        put_away(lot, location=hub.location(location), quantity=4, actor=hub.operator)

    with CaptureQueriesContext(connection) as after:
        assert client.get("/logistics/hub/").status_code == 200

    # The same with one lot or many (with the cold-chain badge and the open alerts).
    assert len(after) == len(before) == 11


def test_where_is_a_lot_answers_in_the_readers_language(client_as, demo, hub):
    lot = hub.demo_lot("LT-YY-6")
    [(location, quantity)] = hub.placed(lot).items()
    client = client_as(demo.user("operator"))

    found = client.get(f"/logistics/hub/lots/?q={lot.code.lower()}")
    assert found.status_code == 302
    assert found["Location"] == f"/logistics/hub/lots/{lot.pk}/"

    english = client.get(f"/logistics/hub/lots/{lot.pk}/").content.decode()
    assert "Where it lies" in english
    assert f"{quantity} units" in english
    assert location in english

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get(f"/logistics/hub/lots/{lot.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = chinese.content.decode()
    assert lot.sku.product.name_zh in page
    assert "冷藏区" in page  # the zone's name in Chinese


def test_a_lot_search_lists_lots_whose_code_contains_the_text(client_as, demo, hub):
    lots = list(StockLot.objects.filter(sku__code__startswith="LT-YJ").order_by("pk"))

    response = client_as(demo.user("dispatcher")).get("/logistics/hub/lots/?q=LT-YJ")

    assert response.status_code == 200
    assert {lot.pk for lot in response.context["lots"]} == {lot.pk for lot in lots}


def test_the_operator_puts_away_through_the_page(client_as, demo, hub):
    lot = hub.new_lot("LT-YY-6", 6)
    client = client_as(demo.user("operator"))
    form = client.get(f"/logistics/hub/lots/{lot.pk}/").context["put_away_form"]
    key = form.initial["idempotency_key"]
    data = {"idempotency_key": key, "location": "c-03", "quantity": "6"}

    first = client.post(f"/logistics/hub/lots/{lot.pk}/put-away/", data)
    twice = client.post(f"/logistics/hub/lots/{lot.pk}/put-away/", data)

    assert first.status_code == twice.status_code == 302
    assert hub.placed(lot) == {"C-03": 6}
    assert LotMovement.objects.filter(lot=lot).count() == 1


def test_a_put_away_too_warm_is_shown_on_the_form(client_as, demo, hub):
    lot = hub.new_lot("LT-YY-6", 6)

    response = client_as(demo.user("operator")).post(
        f"/logistics/hub/lots/{lot.pk}/put-away/",
        {"idempotency_key": "page-key-0001", "location": "A-01", "quantity": "6"},
    )

    assert response.status_code == 400
    assert response.context["put_away_form"].errors["location"] == [
        f"Lot {lot.code} is chilled goods and location A-01 is in zone A, which is ambient: "
        "too warm for them. Choose a colder location."
    ]
    assert hub.placed(lot) == {}


def test_a_dispatcher_sees_a_lot_but_cannot_move_it(client_as, demo, hub):
    lot = hub.demo_lot("LT-ZC-500")
    [(location, quantity)] = hub.placed(lot).items()
    client = client_as(demo.user("dispatcher"))

    page = client.get(f"/logistics/hub/lots/{lot.pk}/")
    moved = client.post(
        f"/logistics/hub/lots/{lot.pk}/pick/",
        {
            "idempotency_key": "page-key-0002",
            "from_location": str(hub.location(location).pk),
            "quantity": "1",
        },
    )

    assert page.status_code == 200
    assert "put-away/" not in page.content.decode()
    assert moved.status_code == 403
    assert hub.placed(lot) == {location: quantity}


def test_the_inbound_page_receives_a_parcel_and_puts_it_away(client_as, demo, parcel_factory):
    parcel = parcel_factory.collection("LT-S01-V02", temperature_class="chilled")
    client = client_as(demo.user("operator"))

    response = client.post(
        "/logistics/hub/inbound/parcel/",
        {"idempotency_key": "inbound-key-0001", "sscc": f"(00){parcel.sscc}", "location": "F-03"},
    )

    assert response.status_code == 302
    assert list(
        TrackingEvent.objects.filter(parcel=parcel)
        .order_by("pk")
        .values_list("kind", "location__code")
    ) == [("received_at_hub", None), ("put_away", "F-03")]
    home = client.get("/logistics/hub/").content.decode()
    assert parcel.sscc in home


def test_the_outbound_page_makes_totes(client_as, demo, parcel_factory):
    parcel_factory.packed_order("LT-S01-V01")
    client = client_as(demo.user("operator"))

    before = client.get("/logistics/hub/outbound/").content.decode()
    assert "1 packed order without a parcel yet" in before

    response = client.post("/logistics/hub/outbound/totes/", {"sorted_at": ""})

    assert response.status_code == 302
    assert Parcel.objects.filter(kind=ParcelKind.TOTE).count() == 1
    after = client.get("/logistics/hub/outbound/").content.decode()
    tote = Parcel.objects.get(kind=ParcelKind.TOTE)
    assert tote.sscc in after


def test_a_dispatcher_cannot_make_totes(client_as, demo, parcel_factory):
    parcel_factory.packed_order("LT-S01-V01")

    response = client_as(demo.user("dispatcher")).post("/logistics/hub/outbound/totes/", {})

    assert response.status_code == 403
    assert not Parcel.objects.exists()
