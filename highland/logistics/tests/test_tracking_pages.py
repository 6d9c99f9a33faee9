"""Tracking pages: the public tracking page (no login, no personal data, zh/bo/en, light),
the parcel page with its proof of delivery, the record form and the agent's point list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from highland.core.gs1 import sscc_check_digit
from highland.logistics.models import Parcel, TrackingEvent
from highland.logistics.tests.tracking_helpers import (
    bus,
    jpeg_upload,
    minutes_ago,
    record,
    shelf,
    van,
)
from highland.orders.models import Order

TRACK = "/logistics/track/"
PAGE_BUDGET = 50 * 1024


def travelled(demo: Any, parcel: Parcel) -> Parcel:
    record(
        parcel, "put_away", demo.user("operator"), at=minutes_ago(20), location=shelf(demo, "C-02")
    )
    record(parcel, "handed_to_bus", demo.user("driver"), at=minutes_ago(10), bus_line=bus(demo))
    record(
        parcel,
        "arrived_at_point",
        demo.user("village_agent"),
        at=minutes_ago(5),
        point=demo.point("LT-S01-V01"),
    )
    return Parcel.objects.get(pk=parcel.pk)


# --- the public page -------------------------------------------------------------------------


def test_anyone_tracks_a_parcel_by_its_sscc(demo, parcel_factory) -> None:
    parcel = travelled(demo, parcel_factory.order_parcel())
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(TRACK, {"number": parcel.sscc})
    page = response.content.decode()
    assert response.status_code == 200
    steps = page[page.index('<ol class="steps">') :]
    assert steps.index("Put away") < steps.index("Handed to a bus") < steps.index("Arrived at")
    assert "Zhaga Village" in page and "Litang–Benge bus" in page
    assert "County hub, Chilled" in page
    assert len(response.content) <= PAGE_BUDGET
    assert "<script" not in page


def test_the_public_page_shows_nothing_personal(demo, parcel_factory) -> None:
    parcel = travelled(demo, parcel_factory.order_parcel())
    order = Order.objects.select_related("buyer").get(pk=parcel.order_id)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(TRACK, {"number": order.number}).content.decode()
    assert parcel.sscc in page
    for private in (
        order.pickup_code,
        order.recipient_name,
        order.buyer.phone,
        "次仁",
        "拉姆",
        "A-01",
    ):
        assert private and private not in page, private


def test_tracking_by_order_number(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    record(parcel, "loaded", demo.user("driver"), vehicle=van(demo))
    number = Order.objects.get(pk=parcel.order_id).number
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(TRACK, {"number": number}).content.decode()
    assert parcel.sscc in page and "Loaded" in page and "County delivery van" in page
    assert "川R" not in page


def test_an_order_not_labelled_yet_says_so_and_is_not_a_wrong_guess(
    demo, parcel_factory, settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 1
    order = parcel_factory.packed_order()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    spaced = f"{order.number[:10]} {order.number[10:]}"
    for _ in range(2):
        response = client.get(TRACK, {"number": spaced})
        assert response.status_code == 404
        assert "no parcel label yet" in response.content.decode()


def test_a_bad_check_digit_gets_its_own_message(demo, parcel_factory) -> None:
    parcel = parcel_factory.order_parcel()
    typo = parcel.sscc[:-1] + str((int(parcel.sscc[-1]) + 1) % 10)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(TRACK, {"number": typo})
    assert response.status_code == 422
    assert f"The SSCC&#x27;s check digit is wrong: it should end in {parcel.sscc[-1]}" in (
        response.content.decode()
    )


def test_an_unknown_number_is_no_parcel(demo) -> None:
    unknown = "069995139999999999"
    unknown = unknown[:-1] + sscc_check_digit(unknown[:-1])
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(TRACK, {"number": unknown})
    assert response.status_code == 404
    assert "No parcel has this number" in response.content.decode()


def test_another_countys_parcel_is_found_by_its_sscc(demo, parcel_factory, other_county) -> None:
    # SSCCs are unique worldwide: the public page finds them wherever they are
    parcel = parcel_factory.order_parcel()
    Parcel.objects.filter(pk=parcel.pk).update(county=other_county.county)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(TRACK, {"number": parcel.sscc})
    assert response.status_code == 200


def test_too_many_unknown_numbers_are_throttled(demo, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    statuses = []
    for serial in range(5):
        body = f"06999513{900000000 + serial:09d}"
        statuses.append(client.get(TRACK, {"number": body + sscc_check_digit(body)}).status_code)
    assert statuses[:2] == [404, 404]
    assert statuses[-1] == 429


@pytest.mark.parametrize(("language", "expected"), [("bo", "བྲག་དཀར་གྲོང་ཚོ།"), ("zh-hans", "扎嘎村")])
def test_the_page_speaks_the_readers_language(demo, parcel_factory, language, expected) -> None:
    parcel = travelled(demo, parcel_factory.order_parcel())
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(TRACK, {"number": parcel.sscc})
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert f'lang="{language}"' in response.content.decode()


# --- the parcel page -------------------------------------------------------------------------


def test_the_parcel_page_shows_where_it_is_and_who_recorded_what(
    demo, parcel_factory, client_as
) -> None:
    parcel = travelled(demo, parcel_factory.order_parcel())
    response = client_as(demo.user("operator")).get(f"/logistics/parcels/{parcel.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Arrived at the point" in page and "C-02" in page
    assert len(response.content) <= PAGE_BUDGET


@pytest.mark.parametrize(
    ("who", "status"), [(None, 302), ("buyer", 404), ("seller", 404), ("operator", 200)]
)
def test_who_sees_the_parcel_page(demo, parcel_factory, client_as, who, status) -> None:
    parcel = parcel_factory.order_parcel()
    response = client_as(demo.user(who) if who else None).get(f"/logistics/parcels/{parcel.pk}/")
    assert response.status_code == status


def test_another_countys_operator_sees_no_parcel(
    demo, parcel_factory, client_as, other_county
) -> None:
    parcel = parcel_factory.order_parcel()
    assert (
        client_as(other_county.operator).get(f"/logistics/parcels/{parcel.pk}/").status_code == 404
    )


def test_the_proof_photo_is_shown_to_the_points_agent_only(demo, parcel_factory, client_as) -> None:
    parcel = parcel_factory.order_parcel()
    event = record(
        parcel,
        "picked_up",
        demo.user("village_agent"),
        point=demo.point("LT-S01-V01"),
        photo=jpeg_upload(),
    ).event
    url = f"/logistics/parcels/{parcel.pk}/events/{event.pk}/photo/"
    agent = client_as(demo.user("village_agent")).get(url)
    assert agent.status_code == 200 and agent["Content-Type"] == "image/webp"
    assert client_as(demo.user("driver")).get(url).status_code == 404
    assert client_as(demo.user("buyer")).get(url).status_code == 404
    page = client_as(demo.user("driver")).get(f"/logistics/parcels/{parcel.pk}/").content.decode()
    assert url not in page and "a photo of the handover is kept" in page


# --- recording on a page --------------------------------------------------------------------


def test_the_record_form_records_once_however_often_it_is_sent(
    demo, parcel_factory, client_as
) -> None:
    parcel = parcel_factory.order_parcel()
    client = client_as(demo.user("operator"))
    form = client.get("/logistics/events/record/", {"sscc": parcel.sscc})
    assert form.status_code == 200 and parcel.sscc in form.content.decode()
    post = {
        "sscc": parcel.sscc,
        "kind": "put_away",
        "location_code": "a-03",
        "idempotency_key": "page:abcdef0123456789",
    }
    first = client.post("/logistics/events/record/", post)
    second = client.post("/logistics/events/record/", post)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/logistics/parcels/{parcel.pk}/"
    event = TrackingEvent.objects.get(parcel=parcel)
    assert event.location == shelf(demo, "A-03")


def test_the_record_form_shows_refusals_by_their_field(demo, parcel_factory, client_as) -> None:
    parcel = parcel_factory.order_parcel()
    client = client_as(demo.user("operator"))
    typo = parcel.sscc[:-1] + str((int(parcel.sscc[-1]) + 1) % 10)
    response = client.post(
        "/logistics/events/record/",
        {
            "sscc": typo,
            "kind": "put_away",
            "location_code": "A-03",
            "idempotency_key": "page:abcdef0123456789",
        },
    )
    assert response.status_code == 422
    assert "check digit is wrong" in response.content.decode()
    response = client.post(
        "/logistics/events/record/",
        {
            "sscc": parcel.sscc,
            "kind": "put_away",
            "location_code": "Z-99",
            "idempotency_key": "page:abcdef0123456789",
        },
    )
    assert response.status_code == 422
    assert "No hub location has this code." in response.content.decode()
    assert not TrackingEvent.objects.exists()


def test_the_record_form_takes_a_proof_photo(demo, parcel_factory, client_as) -> None:
    parcel = parcel_factory.order_parcel()
    response = client_as(demo.user("village_agent")).post(
        "/logistics/events/record/",
        {
            "sscc": parcel.sscc,
            "kind": "picked_up",
            "point_code": "LT-S01-V01",
            "idempotency_key": "page:abcdef0123456789",
            "photo": jpeg_upload(),
        },
    )
    assert response.status_code == 302
    assert Order.objects.get(pk=parcel.order_id).status == "delivered"


# --- the agent's point list -----------------------------------------------------------------


def test_the_agent_lists_parcels_for_their_points_and_marks_them_arrived_then_picked_up(
    demo, parcel_factory, client_as
) -> None:
    mine = parcel_factory.order_parcel("LT-S01-V01")
    not_mine = parcel_factory.order_parcel("LT-S02-V01")
    client = client_as(demo.user("village_agent"))
    page = client.get("/logistics/my-point/parcels/").content.decode()
    assert mine.sscc in page and not_mine.sscc not in page
    key = {"idempotency_key": "page:0123456789abcdef"}
    assert client.post(f"/logistics/my-point/parcels/{mine.pk}/arrived/", key).status_code == 302
    tapped_twice = client.post(f"/logistics/my-point/parcels/{mine.pk}/arrived/", key, follow=True)
    assert "This event was recorded already." in tapped_twice.content.decode()
    assert TrackingEvent.objects.filter(parcel=mine, kind="arrived_at_point").count() == 1
    code = Order.objects.get(pk=mine.order_id).pickup_code
    wrong = client.post(
        f"/logistics/my-point/parcels/{mine.pk}/picked_up/",
        {**key, "pickup_code": "000000" if code != "000000" else "111111"},
        follow=True,
    )
    assert "The pickup code does not match." in wrong.content.decode()
    right = client.post(
        f"/logistics/my-point/parcels/{mine.pk}/picked_up/", {**key, "pickup_code": code}
    )
    assert right.status_code == 302
    assert Order.objects.get(pk=mine.order_id).status == "delivered"
    assert mine.sscc not in client.get("/logistics/my-point/parcels/").content.decode()


def test_an_agent_cannot_act_on_another_points_parcel(demo, parcel_factory, client_as) -> None:
    not_mine = parcel_factory.order_parcel("LT-S02-V01")
    response = client_as(demo.user("village_agent")).post(
        f"/logistics/my-point/parcels/{not_mine.pk}/arrived/",
        {"idempotency_key": "page:0123456789"},
    )
    assert response.status_code == 404
    assert not TrackingEvent.objects.exists()


# Session, person, county, the parcels, the roles (for the menu), the menu's two seller
# badges and the cart link: the same for one parcel or many.
POINT_LIST_QUERIES = 8


def test_the_point_list_costs_the_same_queries_for_one_parcel_or_many(
    demo, parcel_factory, client_as, django_assert_num_queries
) -> None:
    client = client_as(demo.user("village_agent"))
    parcel_factory.order_parcel("LT-S01-V01")
    client.get("/logistics/my-point/parcels/")
    with django_assert_num_queries(POINT_LIST_QUERIES):
        client.get("/logistics/my-point/parcels/")
    for _ in range(4):
        record(
            parcel_factory.order_parcel("LT-S01-V02"),
            "arrived_at_point",
            demo.user("village_agent"),
            point=demo.point("LT-S01-V02"),
        )
    with django_assert_num_queries(POINT_LIST_QUERIES):
        response = client.get("/logistics/my-point/parcels/")
    assert response.status_code == 200
    assert response.content.decode().count('name="pickup_code"') == 4


def test_the_parcel_page_reads_its_events_in_one_query(
    demo, parcel_factory, client_as, django_assert_num_queries
) -> None:
    parcel = travelled(demo, parcel_factory.order_parcel())
    client = client_as(demo.user("operator"))
    client.get(f"/logistics/parcels/{parcel.pk}/")
    # session, person, county, the parcel, the roles, the events (with places, people and
    # totes), the cart link, the cold-chain alert badge
    with django_assert_num_queries(8):
        client.get(f"/logistics/parcels/{parcel.pk}/")


def test_the_public_page_costs_four_queries(demo, parcel_factory, django_assert_num_queries):
    parcel = travelled(demo, parcel_factory.order_parcel())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    # the address's failed lookups (two: by name and by address), the parcel, its events
    with django_assert_num_queries(4):
        client.get(TRACK, {"number": parcel.sscc})
