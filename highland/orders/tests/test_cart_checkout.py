"""The cart is emptied in the checkout's own transaction: a checkout that commits has
emptied it, one that fails leaves it as it was, so a reload never orders twice."""

from __future__ import annotations

import json
import re

import pytest

from highland.catalog.models import Sku
from highland.orders import cart as carts
from highland.orders.models import CartLine, Order
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


def cart_of(shop) -> list[tuple[str, int]]:
    return sorted(
        CartLine.objects.filter(cart__owner=shop.buyer()).values_list("sku__code", "quantity")
    )


def fresh_form(client) -> dict[str, str]:
    page = client.get("/orders/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    return {**CHENGDU, "idempotency_key": key}


@pytest.fixture
def buyer_with_a_cart(shop, client_as):
    client = client_as(shop.buyer())
    client.raise_request_exception = False
    client.post("/orders/cart/add/", {"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 2})
    client.post("/orders/cart/add/", {"sku_id": shop.sku("LT-YJ-100").pk, "quantity": 1})
    return client


def worker_killed(cart) -> None:
    raise RuntimeError("the worker died before the response was sent")


def test_a_checkout_that_dies_before_answering_leaves_no_order_and_the_cart(
    shop, buyer_with_a_cart, monkeypatch
):
    # given the worker dies while the checkout empties the cart
    monkeypatch.setattr(carts, "clear_cart", worker_killed)

    # when the buyer checks out and gets no answer
    lost = buyer_with_a_cart.post("/orders/checkout/", fresh_form(buyer_with_a_cart))

    # then nothing was placed and the cart is as it was
    assert lost.status_code == 500
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    assert cart_of(shop) == [("LT-YJ-100", 1), ("LT-ZC-500", 2)]

    # when the buyer reloads the checkout and submits again (the worker is back)
    monkeypatch.undo()
    again = buyer_with_a_cart.post("/orders/checkout/", fresh_form(buyer_with_a_cart))

    # then exactly one checkout was placed (an order per seller) and the cart is empty
    assert again.status_code == 302
    assert (Order.objects.count(), Payment.objects.count()) == (2, 1)
    assert cart_of(shop) == []


def test_the_api_checkout_of_the_cart_dies_as_a_whole_too(shop, client_as, monkeypatch):
    client = client_as(shop.buyer())
    client.raise_request_exception = False
    client.post(
        "/api/v1/orders/cart/lines",
        data=json.dumps({"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 2}),
        content_type="application/json",
    )
    monkeypatch.setattr(carts, "clear_cart", worker_killed)

    lost = client.post(
        "/api/v1/orders/checkout",
        data=json.dumps(
            {
                "delivery": {
                    key: CHENGDU[key]
                    for key in ("recipient_name", "phone", "province", "city", "district")
                }
                | {"method": "address", "detail": CHENGDU["detail"]},
                "payment_method": "bank_transfer",
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="cart-checkout-1",
    )

    assert lost.status_code == 500
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    assert cart_of(shop) == [("LT-ZC-500", 2)]


def test_a_lost_response_then_the_same_form_again_places_one_order(shop, buyer_with_a_cart):
    form = fresh_form(buyer_with_a_cart)
    first = buyer_with_a_cart.post("/orders/checkout/", form)

    # the browser never showed `first`; the buyer presses reload, which posts it again
    again = buyer_with_a_cart.post("/orders/checkout/", form)

    assert (first.status_code, again.status_code) == (302, 302)
    assert again["Location"] == first["Location"]
    assert (Order.objects.count(), Payment.objects.count()) == (2, 1)
    assert cart_of(shop) == []


def test_a_refused_checkout_leaves_the_cart_intact(shop, buyer_with_a_cart):
    Sku.objects.filter(code="LT-YJ-100").update(stock=0)

    response = buyer_with_a_cart.post("/orders/checkout/", fresh_form(buyer_with_a_cart))

    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": ["Not enough Yak jerky left."]}
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    assert cart_of(shop) == [("LT-YJ-100", 1), ("LT-ZC-500", 2)]
