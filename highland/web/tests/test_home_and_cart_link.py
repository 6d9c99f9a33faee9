"""The home page shows the shop to visitors and buyers; the header links to the cart with
its count for everyone, and a visitor with a cart never gets another visitor's cached page."""

from __future__ import annotations

import pytest
from django.test import Client

MAX_PAGE_BYTES = 50 * 1024


def add(client: Client, sku, quantity: int = 1) -> None:
    assert (
        client.post("/orders/cart/add/", {"sku_id": sku.pk, "quantity": quantity}).status_code
        == 302
    )


@pytest.fixture
def tea(demo):
    from highland.catalog.models import Sku

    return Sku.objects.get(code="LT-ZC-500")


def test_visitors_get_the_shop_at_home(demo, client_as):
    response = client_as(None).get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Shop of Litang County" in page
    assert 'class="search-box"' in page
    assert 'class="categories"' in page
    assert len(response.context["products"]) == 8
    assert len(response.content) <= MAX_PAGE_BYTES


def test_buyers_get_the_shop_and_workers_their_county(demo, client_as):
    assert "Shop of Litang County" in client_as(demo.user("buyer")).get("/").content.decode()
    operator_home = client_as(demo.user("operator")).get("/").content.decode()
    assert "Open the network map" in operator_home


def test_the_header_counts_a_visitors_cart(demo, client_as, tea):
    client = client_as(None)
    assert "Cart (0 items)" in client.get("/").content.decode()

    add(client, tea)

    assert "Cart (1 item)" in client.get("/").content.decode()
    assert "Cart (1 item)" in client.get("/shop/").content.decode()


def test_the_header_counts_a_persons_cart_lines(demo, client_as, tea):
    from highland.catalog.models import Sku

    client = client_as(demo.user("buyer"))
    add(client, tea, 2)
    add(client, Sku.objects.get(code="LT-YJ-100"))

    assert '<a href="/orders/cart/" class="cart-link">Cart (2 items)</a>' in (
        client.get("/orders/").content.decode()
    )


def test_a_visitor_with_a_cart_is_not_served_the_cached_page(demo, client_as, tea, settings):
    settings.PAGE_CACHE_SECONDS = 60
    # given the shop's home is in the cache, with an empty cart in its header
    assert "Cart (0 items)" in client_as(None).get("/").content.decode()

    # when another visitor puts something in their cart
    visitor = client_as(None)
    add(visitor, tea)

    # then their pages show their own cart
    assert "Cart (1 item)" in visitor.get("/").content.decode()
    # and a visitor without a cart still gets the cached page
    assert "Cart (0 items)" in client_as(None).get("/").content.decode()
