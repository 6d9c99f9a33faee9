"""The seller's queue: orders to pack and ship, after-sale requests with their deadline,
menu badges, statements from the menu, commission as a percentage, and shipping with a
carrier and a tracking number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.core.audit import AuditRecord
from highland.core.money import format_basis_points
from highland.orders import aftersales, fulfilment, services
from highland.orders.models import Carrier, Order, OrderStatus

TO_PACK = "/orders/to-pack/"


def packed(order, seller):
    services.pack_order(order, {}, actor=seller)
    return Order.objects.get(pk=order.pk)


# --- the queue page ----------------------------------------------------------------------------


def test_the_queue_lists_paid_orders_oldest_first_for_the_seller(order_factory, demo, client_as):
    first, second = order_factory.paid(), order_factory.paid()
    Order.objects.filter(pk=second.pk).update(paid_at=first.paid_at - dt.timedelta(hours=1))

    response = client_as(demo.user("seller")).get(TO_PACK)

    assert response.status_code == 200
    assert [order.pk for order in response.context["to_pack"]] == [second.pk, first.pk]
    assert response.context["to_ship"] == []


@pytest.mark.parametrize("username", ["buyer", "operator", "official"])
def test_the_queue_is_for_sellers_only(demo, client_as, paid_order, username):
    response = client_as(demo.user(username)).get(TO_PACK)

    assert response.status_code == 403


def test_the_queue_sends_visitors_to_log_in(client_as):
    response = client_as(None).get(TO_PACK)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_queue_of_a_seller_of_another_organisation_is_empty(demo, client_as, paid_order):
    # The cooperative's manager sells the cooperative's goods, not the enterprise's tea.
    response = client_as(demo.user("coop_manager")).get(TO_PACK)

    assert response.status_code == 200
    assert response.context["to_pack"] == []


def test_one_tap_packs_and_returns_to_the_queue(demo, client_as, paid_order):
    client = client_as(demo.user("seller"))

    response = client.post(f"/orders/{paid_order.pk}/pack/", {"next": TO_PACK})

    assert response.status_code == 302
    assert response["Location"] == TO_PACK
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PACKED
    after = client.get(TO_PACK)
    assert after.context["to_pack"] == []
    assert [order.pk for order in after.context["to_ship"]] == [paid_order.pk]


def test_a_catch_weight_line_is_packed_by_its_weight_from_the_queue(order_factory, demo, client_as):
    order = order_factory.paid([("LT-SR-W", 1000)])
    line = order.lines.get()
    client = client_as(demo.user("seller"))
    assert f'name="grams_{line.pk}"' in client.get(TO_PACK).content.decode()

    client.post(f"/orders/{order.pk}/pack/", {"next": TO_PACK, f"grams_{line.pk}": "1020"})

    line.refresh_from_db()
    assert line.packed_grams == 1020


def test_an_outside_next_is_ignored(demo, client_as, paid_order):
    response = client_as(demo.user("seller")).post(
        f"/orders/{paid_order.pk}/pack/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == f"/orders/{paid_order.pk}/"


# --- menu badges -------------------------------------------------------------------------------


def menu_of(client) -> dict[str, str]:
    response = client.get("/orders/")
    return {link[1]: link.badge for link in response.context["menu"]}


def test_the_menu_counts_the_orders_to_pack(order_factory, demo, client_as):
    order_factory.paid()
    order_factory.paid()

    menu = menu_of(client_as(demo.user("seller")))

    assert menu["To pack"] == "2"
    assert menu["After-sale requests"] == ""
    assert "Statement" in menu


def test_buyers_see_no_seller_entries(demo, client_as, paid_order):
    menu = menu_of(client_as(demo.user("buyer")))

    assert "To pack" not in menu
    assert "After-sale requests" not in menu


def test_the_menu_shows_waiting_requests_with_the_nearest_deadline(
    demo, client_as, delivered_order
):
    aftersale = aftersales.open_aftersale(
        delivered_order, actor=demo.user("buyer"), kind="refund_only", reason="damaged"
    )
    deadline = timezone.localtime(aftersale.answer_by)

    client = client_as(demo.user("seller"))
    menu = menu_of(client)

    assert menu["After-sale requests"] == f"1 · answer by {deadline:%m/%d/%Y %-I:%M %p}".replace(
        "AM", "a.m."
    ).replace("PM", "p.m.")
    page = client.get("/orders/aftersales/waiting/")
    assert [a.pk for a in page.context["aftersales"]] == [aftersale.pk]
    assert f"Answer by {deadline:%Y-%m-%d %H:%M}" in page.content.decode()


def test_the_waiting_requests_page_is_for_sellers_only(demo, client_as):
    assert client_as(demo.user("buyer")).get("/orders/aftersales/waiting/").status_code == 403


# --- statements --------------------------------------------------------------------------------


def test_the_menu_statement_opens_the_sellers_statement(demo, client_as, paid_order):
    client = client_as(demo.user("seller"))

    response = client.get("/orders/statements/")

    assert response.status_code == 302
    assert response["Location"] == f"/orders/statements/{paid_order.seller_id}/"
    statement = client.get(response["Location"]).content.decode()
    assert '¥2.88 <span class="muted">(6.0 %)</span>' in statement


def test_the_statements_menu_page_is_for_sellers_only(demo, client_as):
    assert client_as(demo.user("buyer")).get("/orders/statements/").status_code == 403


@pytest.mark.parametrize(
    ("basis_points", "text"), [(500, "5.0 %"), (600, "6.0 %"), (125, "1.25 %"), (0, "0.0 %")]
)
def test_commission_rates_read_as_percentages(basis_points, text):
    assert format_basis_points(basis_points) == text


def test_the_order_page_shows_the_seller_its_commission_rate(demo, client_as, paid_order):
    page = client_as(demo.user("seller")).get(f"/orders/{paid_order.pk}/").content.decode()
    buyer_page = client_as(demo.user("buyer")).get(f"/orders/{paid_order.pk}/").content.decode()

    assert "(6.0 %)" in page
    assert "(6.0 %)" not in buyer_page


# --- shipping ----------------------------------------------------------------------------------


def test_shipping_records_the_carrier_and_tracking_number_shown_to_the_buyer(
    demo, client_as, paid_order
):
    seller = demo.user("seller")
    order = packed(paid_order, seller)

    response = client_as(seller).post(
        f"/orders/{order.pk}/ship/",
        {"carrier": "sf", "tracking_number": " sf1234567890 ", "next": TO_PACK},
    )

    order.refresh_from_db()
    assert response["Location"] == TO_PACK
    assert (order.status, order.carrier, order.tracking_number) == (
        OrderStatus.SHIPPED,
        "sf",
        "SF1234567890",
    )
    record = AuditRecord.objects.get(action="orders.order.shipped", object_id=str(order.pk))
    assert record.changes == {
        "carrier": "sf",
        "carrier_name": "",
        "tracking_number": "SF1234567890",
    }
    page = client_as(demo.user("buyer")).get(f"/orders/{order.pk}/").content.decode()
    assert "SF Express · tracking number <strong>SF1234567890</strong>" in page


@pytest.mark.parametrize(
    "tracking", ["", "1234567", "SF 12345678", "SF-12345678", "运单12345678", "A" * 31]
)
def test_a_bad_tracking_number_is_refused_and_nothing_changes(demo, paid_order, tracking):
    seller = demo.user("seller")
    order = packed(paid_order, seller)

    with pytest.raises(services.ValidationFailed) as refused:
        fulfilment.ship_order(order, carrier="sf", tracking_number=tracking, actor=seller)

    assert refused.value.errors == {
        "tracking_number": ["A tracking number is 8 to 30 letters and digits, without spaces."]
    }
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (OrderStatus.PACKED, "", "")


def test_the_county_delivery_goes_only_to_pickup_points(demo, paid_order):
    seller = demo.user("seller")
    order = packed(paid_order, seller)

    with pytest.raises(services.ValidationFailed) as refused:
        fulfilment.ship_order(order, carrier="county", tracking_number="", actor=seller)

    assert list(refused.value.errors) == ["carrier"]


def test_the_county_delivery_to_a_point_needs_no_tracking_number(
    order_factory, demo, village_pickup
):
    seller = demo.user("seller")
    order = packed(order_factory.paid(delivery=village_pickup), seller)

    fulfilment.ship_order(order, carrier="county", tracking_number="", actor=seller)

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (
        OrderStatus.SHIPPED,
        Carrier.COUNTY,
        "",
    )


def test_another_carrier_must_be_named_and_is_shown_by_its_name(demo, paid_order):
    seller = demo.user("seller")
    order = packed(paid_order, seller)
    with pytest.raises(services.ValidationFailed) as refused:
        fulfilment.ship_order(order, carrier="other", tracking_number="DB12345678", actor=seller)
    assert list(refused.value.errors) == ["carrier_name"]

    fulfilment.ship_order(
        order,
        carrier="other",
        carrier_name="德邦快递",
        tracking_number="DB12345678",
        actor=seller,
    )

    order.refresh_from_db()
    assert fulfilment.carrier_label(order) == "德邦快递"


def test_only_the_seller_ships(demo, paid_order):
    order = packed(paid_order, demo.user("seller"))

    with pytest.raises(services.PermissionDenied):
        fulfilment.ship_order(
            order, carrier="sf", tracking_number="SF1234567890", actor=demo.user("buyer")
        )

    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED


# --- the shipping API --------------------------------------------------------------------------


def ship(client, order, body):
    return client.post(f"/api/v1/orders/{order.pk}/ship", body, content_type="application/json")


def test_the_api_ships_with_carrier_and_tracking(demo, client_as, paid_order):
    order = packed(paid_order, demo.user("seller"))

    response = ship(
        client_as(demo.user("seller")),
        order,
        {"carrier": "ems", "tracking_number": "EA123456789CN"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "shipped",
        "ems",
        "EA123456789CN",
    )


def test_the_api_refuses_bad_input_strangers_and_visitors(
    demo, client_as, paid_order, other_county
):
    order = packed(paid_order, demo.user("seller"))
    seller = client_as(demo.user("seller"))

    bad = ship(seller, order, {"carrier": "sf", "tracking_number": "12"})
    assert (bad.status_code, list(bad.json()["errors"])) == (422, ["tracking_number"])
    assert ship(seller, order, {"carrier": "pigeon"}).status_code == 422
    assert ship(client_as(None), order, {"carrier": "sf"}).status_code == 401
    buyer = ship(
        client_as(demo.user("buyer")), order, {"carrier": "sf", "tracking_number": "SF1234567890"}
    )
    assert buyer.status_code == 403
    outsider = ship(
        client_as(other_county.operator),
        order,
        {"carrier": "sf", "tracking_number": "SF1234567890"},
    )
    assert outsider.status_code == 404
    order.refresh_from_db()
    assert (order.status, order.carrier) == (OrderStatus.PACKED, "")
