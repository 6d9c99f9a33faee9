"""Checkout's summary before placing: the preview page and the quote API charge what the
placed checkout charges, to the fen; visitors are told why checkout needs an account."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from highland.orders import services
from highland.orders.models import Order
from highland.orders.views.shared import format_weight
from highland.payments.models import Payment

CHENGDU = {
    "delivery": "address",
    "recipient_name": "陈静",
    "phone": "13800000013",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "detail": "洗面桥街 18 号",
    "payment_method": "bank_transfer",
}


@pytest.fixture
def buyer_with_a_cart(shop, client_as):
    client = client_as(shop.buyer())
    client.post("/orders/cart/add/", {"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 2})
    client.post("/orders/cart/add/", {"sku_id": shop.sku("LT-JM-W").pk, "quantity": 800})
    return client


def fresh_form(client) -> dict[str, str]:
    page = client.get("/orders/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    return {**CHENGDU, "idempotency_key": key}


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page))


def test_the_review_shows_each_parcel_and_placing_charges_exactly_its_total(
    shop, buyer_with_a_cart
):
    # given a cart with goods of two sellers, one line sold by weight
    form = fresh_form(buyer_with_a_cart)

    # when the buyer asks for the summary
    review = buyer_with_a_cart.post("/orders/checkout/", {**form, "step": "review"})

    # then nothing is placed yet, and the summary states the total and the shipping terms
    page = review.content.decode()
    assert review.status_code == 200
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    total = re.search(r'id="checkout-total">([^<]+)<', page).group(1)
    assert "Shipping: the first 1 kg costs" in page
    assert "Goods sold by weight are weighed when packed" in page

    # when the buyer places the order from the summary
    placed = buyer_with_a_cart.post("/orders/checkout/", {**hidden_fields(page), "step": "place"})

    # then the payment is exactly the previewed total
    payment = Payment.objects.get()
    assert placed.status_code == 302
    assert total == f"¥{payment.amount_fen // 100:,}.{payment.amount_fen % 100:02d}"
    assert Order.objects.count() == 2


def test_preview_totals_equal_placed_totals_parcel_by_parcel(shop, chengdu_address):
    lines = [
        services.CheckoutLine(shop.sku("LT-ZC-500").pk, 3),
        services.CheckoutLine(shop.sku("LT-JM-W").pk, 1300),
        services.CheckoutLine(shop.sku("LT-YJ-100").pk, 2),
    ]
    buyer = shop.buyer()

    quote = services.preview_checkout(buyer.county, lines, delivery=chengdu_address)
    result = services.place_order(
        buyer.county,
        lines,
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )

    assert quote.total_fen == result.payment.amount_fen
    assert [
        (p.seller_id, p.items_fen, p.shipping_fen, p.allowance_fen, p.total_fen)
        for p in quote.parcels
    ] == [
        (o.seller_id, o.items_fen, o.shipping_fen, o.weight_allowance_fen, o.total_fen)
        for o in sorted(result.orders, key=lambda order: order.seller_id)
    ]


def test_the_review_refuses_bad_delivery_details_on_their_fields(shop, buyer_with_a_cart):
    form = {**fresh_form(buyer_with_a_cart), "step": "review", "city": "", "phone": "110"}

    response = buyer_with_a_cart.post("/orders/checkout/", form)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["city"] == ["This field is required."]
    assert errors["phone"] == [
        "Enter a mainland China mobile number: 11 digits starting with 13–19."
    ]
    assert Order.objects.count() == 0


def test_cash_needs_pickup_already_at_the_review(shop, buyer_with_a_cart):
    form = {**fresh_form(buyer_with_a_cart), "step": "review", "payment_method": "cash_at_point"}

    response = buyer_with_a_cart.post("/orders/checkout/", form)

    assert response.context["form"].errors["payment_method"] == [
        "Cash is paid at a service point; choose pickup at a point."
    ]


def test_pickup_drops_the_address_fields_it_does_not_use(shop, demo, buyer_with_a_cart):
    point = demo.point("LT-S01-V01")
    form = {
        **fresh_form(buyer_with_a_cart),
        "delivery": "pickup",
        "pickup_point": str(point.pk),
        "city": "",
    }

    response = buyer_with_a_cart.post("/orders/checkout/", form)

    assert response.status_code == 302
    assert set(Order.objects.values_list("province", "city", "pickup_point_id")) == {
        ("", "", point.pk)
    }


def test_change_the_details_returns_to_the_form_with_what_was_typed(shop, buyer_with_a_cart):
    form = {**fresh_form(buyer_with_a_cart), "step": "edit"}

    response = buyer_with_a_cart.post("/orders/checkout/", form)

    page = response.content.decode()
    assert 'value="洗面桥街 18 号"' in page
    assert 'data-delivery="pickup"' in page and 'data-delivery="address"' in page
    assert Order.objects.count() == 0


def test_a_visitor_is_told_why_checkout_needs_an_account(shop):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/orders/checkout/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "see your order, the pickup code" in page
    assert 'href="/accounts/login/?next=%2Forders%2Fcheckout%2F"' in page
    assert 'href="/accounts/register/?next=/orders/checkout/"' in page


@pytest.mark.parametrize(("grams", "text"), [(800, "800 g"), (1300, "1.3 kg"), (2000, "2 kg")])
def test_weights_are_written_for_people(grams, text):
    assert format_weight(grams) == text


# --- the quote API -----------------------------------------------------------------------------


def quote(client, body):
    return client.post("/api/v1/orders/checkout/quote", body, content_type="application/json")


def test_the_quote_api_prices_lines_as_checkout_will(shop, client_as, chengdu_address):
    buyer = shop.buyer()
    lines = [{"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 2}]

    response = quote(
        client_as(buyer),
        {
            "delivery": {"method": "address", "province": "四川省", "district": "武侯区"},
            "lines": lines,
        },
    )

    assert response.status_code == 200
    body = response.json()
    placed = services.place_order(
        buyer.county,
        [services.CheckoutLine(shop.sku("LT-ZC-500").pk, 2)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )
    order = placed.orders[0]
    assert body["zone"] == "province"
    assert body["total_fen"] == placed.payment.amount_fen
    parcel = body["parcels"][0]
    assert (parcel["items_fen"], parcel["shipping_fen"], parcel["total_fen"]) == (
        order.items_fen,
        order.shipping_fen,
        order.total_fen,
    )
    assert parcel["weight_g"] == 1040
    assert parcel["first_weight_g"] == 1000
    assert [line["quantity"] for line in parcel["lines"]] == [2]


def test_the_quote_api_prices_the_cart_when_no_lines_are_given(shop, client_as):
    client = client_as(shop.buyer())
    client.post("/orders/cart/add/", {"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 1})

    response = quote(client, {"delivery": {"method": "pickup"}})

    assert response.status_code == 200
    assert response.json()["zone"] == "local"
    assert response.json()["items_fen"] == 4800


def test_the_quote_api_refuses_anonymous_an_empty_cart_and_bad_input(shop, client_as):
    assert quote(client_as(None), {"delivery": {"method": "pickup"}}).status_code == 401
    empty = quote(client_as(shop.buyer()), {"delivery": {"method": "pickup"}})
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_cart")
    bad = quote(client_as(shop.buyer()), {"delivery": {"method": "drone"}})
    assert bad.status_code == 422


def test_the_quote_api_refuses_someone_of_no_county(shop, client_as, django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password=None)

    response = quote(client_as(stranger), {"delivery": {"method": "pickup"}})

    assert response.status_code == 403
