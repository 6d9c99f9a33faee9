"""Order pages: guest cart to checkout, the receipt, the seller's packing, the agent's desk."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from highland.orders.models import Order, OrderStatus
from highland.payments.models import Payment, PaymentStatus


def test_guest_cart_survives_login_and_checks_out(shop):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    tea = shop.sku("LT-ZC-500")

    response = client.post("/orders/cart/add/", {"sku_id": tea.pk, "quantity": 2})
    assert response.status_code == 302
    assert "¥96.00" in client.get("/orders/cart/").content.decode()

    client.post("/accounts/login/", {"username": "buyer", "password": "highland-demo"})
    assert "¥96.00" in client.get("/orders/cart/").content.decode()

    page = client.get("/orders/checkout/")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)
    form = {
        "delivery": "address",
        "recipient_name": "陈静",
        "phone": "13800000013",
        "province": "四川省",
        "city": "成都市",
        "district": "武侯区",
        "detail": "洗面桥街 18 号",
        "payment_method": "bank_transfer",
        "idempotency_key": key,
    }
    response = client.post("/orders/checkout/", form)
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert response["Location"] == f"/orders/payments/{payment.pk}/"
    # A double submit of the same form places nothing more.
    client.post("/orders/checkout/", form)
    assert Payment.objects.count() == 1
    assert "Transfer the amount" in client.get(response["Location"]).content.decode()


def test_checkout_form_shows_field_errors(shop, client_as):
    client = client_as(shop.buyer())
    client.post("/orders/cart/add/", {"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 1})

    response = client.post(
        "/orders/checkout/",
        {
            "delivery": "address",
            "recipient_name": "陈静",
            "phone": "110",
            "province": "四川省",
            "city": "成都市",
            "district": "武侯区",
            "detail": "x",
            "payment_method": "bank_transfer",
            "idempotency_key": "k-123456789",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "phone": ["Enter a mainland China mobile number: 11 digits starting with 13–19."]
    }
    assert not Order.objects.exists()


def test_agent_orders_for_a_villager_at_the_desk_and_collects_cash(shop, client_as):
    agent = client_as(shop.demo.user("village_agent"))
    villager = shop.demo.user("member")
    agent.post(
        "/orders/assisted/basket/",
        {"villager": villager.pk, "sku": shop.sku("LT-CD-20K").pk, "quantity": "1"},
    )
    page = agent.get("/orders/assisted/", {"villager": villager.pk})
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)

    response = agent.post(
        "/orders/assisted/",
        {
            "villager": villager.pk,
            "pickup_point": shop.demo.point("LT-S01-V01").pk,
            "idempotency_key": key,
        },
    )

    assert response.status_code == 302, response.content
    receipt = agent.get(response["Location"]).content.decode()
    order = Order.objects.get()
    assert order.pickup_code in receipt
    agent.post(f"/orders/payments/{order.payment_id}/collect-cash/")
    assert Payment.objects.get().status == PaymentStatus.PAID


def test_no_product_code_is_asked_at_the_desk(shop, client_as):
    page = client_as(shop.demo.user("village_agent")).get(
        "/orders/assisted/", {"villager": shop.demo.user("member").pk}
    )

    assert "sku_code" not in page.content.decode()
    assert "Product code" not in page.content.decode()


def test_buyers_cannot_use_the_assisted_desk(shop, client_as):
    assert client_as(shop.buyer()).get("/orders/assisted/").status_code == 403


def test_seller_packs_by_weight_on_the_order_page(shop, client_as, chengdu_address):
    from highland.orders import services
    from highland.orders.services import CheckoutLine

    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-SR-W").pk, 1000)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )
    services.confirm_bank_transfer(
        result.payment, actor=shop.demo.user("operator"), bank_reference="B-1"
    )
    order = result.orders[0]
    line = order.lines.get()
    seller = client_as(shop.demo.user("seller"))

    page = seller.get(f"/orders/{order.pk}/").content.decode()
    assert f'name="grams_{line.pk}"' in page
    too_heavy = seller.post(f"/orders/{order.pk}/pack/", {f"grams_{line.pk}": "1200"}, follow=True)
    assert "outside ±5%" in too_heavy.content.decode()
    seller.post(f"/orders/{order.pk}/pack/", {f"grams_{line.pk}": "1010"})

    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED
    assert order.adjustment_fen == 596


@pytest.mark.parametrize("url", ["/orders/", "/orders/cart/"])
def test_order_pages_query_budget(shop, client_as, django_assert_max_num_queries, url):
    client = client_as(shop.buyer())
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_order_page_of_a_stranger_is_404(shop, client_as, chengdu_address):
    from highland.orders import services
    from highland.orders.services import CheckoutLine

    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )

    assert (
        client_as(shop.demo.user("driver")).get(f"/orders/{result.orders[0].pk}/").status_code
        == 404
    )


def test_product_page_adds_to_the_cart(shop):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sku = shop.sku("LT-SR-W")

    page = client.get(f"/shop/products/{sku.product_id}/").content.decode()
    assert 'action="/orders/cart/add/' in page
    client.post("/orders/cart/add/", {"sku_id": sku.pk, "quantity": 500})

    assert "¥298.00" in client.get("/orders/cart/").content.decode()
