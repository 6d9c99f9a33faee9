"""The agent's desk: picking a villager and products, the basket, placing, the receipt."""

from __future__ import annotations

import re

import pytest

from highland.catalog.models import Sku
from highland.core.models import IdempotencyRecord, Membership, Role, User
from highland.orders.assisted import SESSION_KEY
from highland.orders.models import Order
from highland.payments.models import Payment

AGENT = "village_agent"


def key_of(page) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)


def add(client, villager, sku: Sku, quantity: str, unit: str = "", **extra):
    return client.post(
        "/orders/assisted/basket/",
        {"villager": villager.pk, "sku": sku.pk, "quantity": quantity, "unit": unit, **extra},
    )


def basket(client, villager) -> dict[str, int]:
    return client.session.get(SESSION_KEY, {}).get(str(villager.pk), {})


@pytest.fixture
def desk(shop, client_as):
    return client_as(shop.demo.user(AGENT))


@pytest.fixture
def member(shop):
    return shop.demo.user("member")


# --- the villager picker ------------------------------------------------------------------------


def test_without_a_villager_the_desk_lists_the_agents_villagers_with_their_details(
    shop, desk, member
):
    member.phone = "13912345678"
    member.save(update_fields=["phone"])

    page = desk.get("/orders/assisted/")

    html = page.content.decode()
    assert [person.username for person in page.context["villagers"]] == ["member"]
    assert "phone …5678" in html
    assert f'href="?villager={member.pk}"' in html


def test_the_villager_picker_finds_by_the_last_digits_of_the_phone(shop, desk, member):
    member.phone = "13912345678"
    member.save(update_fields=["phone"])

    assert list(desk.get("/orders/assisted/", {"villager_q": "5678"}).context["villagers"]) == [
        member
    ]
    assert list(desk.get("/orders/assisted/", {"villager_q": "9999"}).context["villagers"]) == []


# --- the product picker -------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["牦牛肉干", "maoniurougan", "mnrg"])
def test_the_picker_finds_by_characters_pinyin_and_initials(shop, desk, member, query):
    page = desk.get("/orders/assisted/", {"villager": member.pk, "q": query})

    products = page.context["page"].results
    assert [product.name_zh for product in products][:1] == ["牦牛肉干"]
    assert [sku.code for sku in products[0].picker_skus] == ["LT-YJ-100", "LT-YJ-250", "LT-YJ-250S"]
    html = page.content.decode()
    assert "¥39.80 per Pack · 120 in stock" in html
    assert "LT-YJ-100" not in html  # no SKU codes anywhere


def test_the_picker_browses_a_category_and_shows_weight_goods_per_jin(shop, desk, member):
    category = Sku.objects.get(code="LT-JM-W").product.category

    page = desk.get("/orders/assisted/", {"villager": member.pk, "category": category.code})

    assert "蕨麻" in [product.name_zh for product in page.context["page"].results]
    assert "¥68.00 a jin (500 g) · 15000 g in stock" in page.content.decode()


def test_htmx_gets_the_results_alone(shop, desk, member):
    page = desk.get("/orders/assisted/", {"villager": member.pk, "q": "mnrg"}, HTTP_HX_REQUEST="1")

    html = page.content.decode()
    assert html.startswith('<div id="picker-results">')
    assert "<html" not in html


# --- the basket ---------------------------------------------------------------------------------


def test_jin_are_converted_to_grams_and_pieces_add_up(shop, desk, member):
    add(desk, member, shop.sku("LT-JM-W"), "1.5", "jin")
    add(desk, member, shop.sku("LT-JM-W"), "120", "g")
    add(desk, member, shop.sku("LT-CD-20K"), "2", "piece")
    add(desk, member, shop.sku("LT-CD-20K"), "1")

    assert basket(desk, member) == {
        str(shop.sku("LT-JM-W").pk): 870,
        str(shop.sku("LT-CD-20K").pk): 3,
    }


@pytest.mark.parametrize(
    ("code", "quantity", "unit", "message"),
    [
        ("LT-JM-W", "abc", "jin", "Enter a quantity greater than zero."),
        ("LT-JM-W", "0", "jin", "Enter a quantity greater than zero."),
        ("LT-JM-W", "1.5", "g", "Enter the weight in whole grams."),
        ("LT-JM-W", "2", "piece", "Choose a unit this product is sold in."),
        ("LT-CD-20K", "1.5", "piece", "Enter a whole number of pieces."),
        ("LT-CD-20K", "-1", "piece", "Enter a quantity greater than zero."),
        ("LT-CD-20K", "2", "jin", "Choose a unit this product is sold in."),
    ],
)
def test_a_bad_quantity_adds_nothing_and_says_why(
    shop, desk, member, code, quantity, unit, message
):
    sku = shop.sku(code)

    response = add(desk, member, sku, quantity, unit)

    assert response.status_code == 302
    assert response["Location"] == f"/orders/assisted/?villager={member.pk}"
    page = desk.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [f"{sku.product.name}: {message}"]
    assert basket(desk, member) == {}


def test_the_summary_shows_lines_shipping_per_seller_and_the_total(shop, desk, member):
    add(desk, member, shop.sku("LT-CD-20K"), "2")
    add(desk, member, shop.sku("LT-JM-W"), "1", "jin")

    page = desk.get("/orders/assisted/", {"villager": member.pk})

    summary = page.context["summary"]
    assert summary.problem == ""
    assert [line.quantity_text for line in summary.lines] == ["× 2", "1 jin"]
    assert [line.line_fen for line in summary.lines] == [25800, 6800]
    assert sum(seller.items_fen for seller in summary.sellers) == 25800 + 6800
    assert summary.total_fen == sum(seller.total_fen for seller in summary.sellers)
    assert summary.total_fen == sum(
        s.items_fen + s.shipping_fen + s.allowance_fen for s in summary.sellers
    )


def test_removing_a_line(shop, desk, member):
    add(desk, member, shop.sku("LT-CD-20K"), "2")

    desk.post(
        "/orders/assisted/basket/",
        {"villager": member.pk, "sku": shop.sku("LT-CD-20K").pk, "action": "remove"},
    )

    assert basket(desk, member) == {}


# --- placing ------------------------------------------------------------------------------------


def place(desk, member, point):
    page = desk.get("/orders/assisted/", {"villager": member.pk})
    return desk.post(
        "/orders/assisted/",
        {"villager": member.pk, "pickup_point": point.pk, "idempotency_key": key_of(page)},
    ), key_of(page)


def test_placing_the_basket_makes_the_order_empties_the_basket_and_shows_the_total(
    shop, desk, member
):
    add(desk, member, shop.sku("LT-CD-20K"), "2")
    add(desk, member, shop.sku("LT-JM-W"), "1.5", "jin")
    expected = desk.get("/orders/assisted/", {"villager": member.pk}).context["summary"].total_fen

    response, _key = place(desk, member, shop.demo.point("LT-S01-V01"))

    assert response.status_code == 302, response.content
    payment = Payment.objects.get()
    assert response["Location"] == f"/orders/payments/{payment.pk}/"
    assert payment.amount_fen == expected
    assert sorted(
        Order.objects.get(
            payment=payment, seller=shop.sku("LT-JM-W").product.seller
        ).lines.values_list("quantity", flat=True)
    ) == [750]
    assert basket(desk, member) == {}


def test_a_double_submit_places_one_order(shop, desk, member):
    add(desk, member, shop.sku("LT-CD-20K"), "1")
    page = desk.get("/orders/assisted/", {"villager": member.pk})
    form = {
        "villager": member.pk,
        "pickup_point": shop.demo.point("LT-S01-V01").pk,
        "idempotency_key": key_of(page),
    }

    first = desk.post("/orders/assisted/", form)
    second = desk.post("/orders/assisted/", form)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_out_of_stock_at_placing_is_said_and_nothing_is_placed(shop, desk, member):
    sku = shop.sku("LT-TK-M")  # one left
    add(desk, member, sku, "2")
    stock = sku.stock

    response, _key = place(desk, member, shop.demo.point("LT-S01-V01"))

    assert response.status_code == 200
    # The product is named in the reader's language.
    assert response.context["form"].non_field_errors() == ["Not enough Thangka painting left."]
    assert Order.objects.count() == 0
    assert shop.sku("LT-TK-M").stock == stock
    assert basket(desk, member) == {str(sku.pk): 2}


def test_an_empty_basket_cannot_be_placed(shop, desk, member):
    page = desk.get("/orders/assisted/", {"villager": member.pk})
    assert "Place the order" not in page.content.decode()

    response = desk.post(
        "/orders/assisted/",
        {
            "villager": member.pk,
            "pickup_point": shop.demo.point("LT-S01-V01").pk,
            "idempotency_key": "k-empty-0001",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The cart is empty."]
    assert Order.objects.count() == 0


def other_station_agent(shop):
    """A station agent of 奔戈乡's neighbour station LT-S02: the member is not theirs."""
    person = User.objects.create_user("s02_agent", county=shop.demo.county, password=None)
    Membership.objects.create(county=shop.demo.county, user=person, role=Role.STATION_AGENT)
    shop.demo.point("LT-S02").agents.add(person)
    return person


# --- permissions --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(shop, client_as):
    for url in ("/orders/assisted/", "/orders/assisted/basket/"):
        response = (
            client_as(None).get(url) if url.endswith("assisted/") else client_as(None).post(url, {})
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_buyer_may_not_use_the_desk_or_the_basket(shop, client_as, member):
    buyer = client_as(shop.buyer())

    assert buyer.get("/orders/assisted/").status_code == 403
    assert add(buyer, member, shop.sku("LT-CD-20K"), "1").status_code == 403
    assert SESSION_KEY not in buyer.session


def test_an_agent_of_another_station_cannot_fill_or_place_for_the_villager(shop, client_as, member):
    other = client_as(other_station_agent(shop))

    assert add(other, member, shop.sku("LT-CD-20K"), "1").status_code == 404
    assert (
        other.post(
            "/orders/assisted/",
            {"villager": member.pk, "pickup_point": 1, "idempotency_key": "k-123456789"},
        ).status_code
        == 404
    )
    assert SESSION_KEY not in other.session
    assert Order.objects.count() == 0


def test_another_countys_product_cannot_be_added(shop, desk, member, other_county_catalogue):
    response = add(desk, member, other_county_catalogue, "1")

    assert response.status_code == 404
    assert basket(desk, member) == {}


def test_the_desk_page_stays_small_and_costs_a_fixed_number_of_queries(
    shop, desk, member, django_assert_max_num_queries
):
    add(desk, member, shop.sku("LT-CD-20K"), "2")
    add(desk, member, shop.sku("LT-JM-W"), "1", "jin")

    with django_assert_max_num_queries(30):
        page = desk.get("/orders/assisted/", {"villager": member.pk})

    assert len(page.content) < 50_000
    assert "style=" not in page.content.decode()  # the CSP allows no inline style
