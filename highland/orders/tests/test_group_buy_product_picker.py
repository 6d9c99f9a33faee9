"""A group buy's products are chosen with the desk's product picker, never by code."""

from __future__ import annotations

import pytest

from highland.orders.models import GroupBuy
from highland.orders.tests.test_groupbuys_api_and_pages import formset, page_terms
from highland.orders.views.groupbuy_products import PICKS_KEY

URL = "/orders/group-buys/products/"


def pick(client, sku, target="new", action="add"):
    return client.post(URL, {"group_buy": target, "sku": sku.pk, "action": action, "q": "mnrg"})


@pytest.fixture
def organiser(shop, client_as):
    return client_as(shop.demo.user("agent"))


def test_the_picker_lists_products_with_an_add_button_but_no_quantity(shop, organiser):
    page = organiser.get(URL, {"group_buy": "new", "q": "mnrg"})

    html = page.content.decode()
    assert page.status_code == 200
    assert [product.name_zh for product in page.context["page"].results][:1] == ["牦牛肉干"]
    assert 'name="quantity"' not in html
    assert 'name="group_buy" value="new"' in html
    assert "LT-YJ-100" not in html


def test_picked_products_become_the_forms_rows_and_the_group_buy_sells_them(shop, organiser):
    jerky, flask = shop.sku("LT-YJ-100"), shop.sku("LT-BW-2L")

    response = pick(organiser, jerky)
    pick(organiser, flask)
    pick(organiser, jerky)  # picked twice: listed once

    assert response.status_code == 302
    assert response["Location"] == f"{URL}?group_buy=new&q=mnrg"
    form_page = organiser.get("/orders/group-buys/create/")
    rows = form_page.context["items"]
    assert [row.sku_object for row in rows] == [jerky, flask]
    assert 'name="items-INITIAL_FORMS" value="2"' in form_page.content.decode()
    assert jerky.product.name in form_page.content.decode()

    data = page_terms(
        shop,
        **formset(
            [
                {"sku": flask.pk, "group_price": "", "min_quantity": ""},
                {"sku": jerky.pk, "group_price": "35.00", "min_quantity": "10"},
            ],
            total=2,
            initial=2,  # as the page renders its management form for the picked rows
        ),
    )
    created = organiser.post("/orders/group-buys/create/", data)

    assert created.status_code == 302, created.context["items"].errors
    group_buy = GroupBuy.objects.get()
    assert sorted(
        group_buy.items.values_list("sku_id", "group_price_fen", "min_quantity")
    ) == sorted([(flask.pk, None, None), (jerky.pk, 3500, 10)])
    assert organiser.session[PICKS_KEY] == {}


def test_a_pick_is_removed(shop, organiser):
    pick(organiser, shop.sku("LT-YJ-100"))

    pick(organiser, shop.sku("LT-YJ-100"), action="remove")

    assert organiser.session[PICKS_KEY] == {}


def test_another_countys_product_cannot_be_picked(shop, organiser, other_county_catalogue):
    assert pick(organiser, other_county_catalogue).status_code == 404
    assert PICKS_KEY not in organiser.session


def test_only_organisers_pick(shop, client_as):
    sku = shop.sku("LT-YJ-100")

    anonymous = client_as(None).get(URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    buyer = client_as(shop.buyer())
    assert buyer.get(URL).status_code == 403
    assert pick(buyer, sku).status_code == 403
    assert PICKS_KEY not in buyer.session


def test_picks_for_an_existing_group_buy_need_its_organiser(shop, client_as):
    from highland.orders.tests.test_groupbuys import open_window

    group_buy = open_window(shop)

    seller = client_as(shop.demo.user("seller"))
    assert seller.get(URL, {"group_buy": group_buy.pk}).status_code in (403, 404)
    assert seller.get(URL, {"group_buy": "abc"}).status_code in (403, 404)

    organiser = client_as(group_buy.organiser)
    assert organiser.get(URL, {"group_buy": group_buy.pk}).status_code == 200
