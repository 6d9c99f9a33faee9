"""The catalogue API: public reads per county, seller writes with 401/403/404/422."""

from __future__ import annotations

import json

import pytest

from highland.catalog.models import Product, Sku
from highland.catalog.tests.test_services import catalog_state
from highland.core import services as core_services
from highland.core.models import AuditRecord

API = "/api/v1/catalog"


def post_json(client, url, payload=None):
    return client.post(url, data=json.dumps(payload or {}), content_type="application/json")


def patch_json(client, url, payload):
    return client.patch(url, data=json.dumps(payload), content_type="application/json")


# --- public reads ----------------------------------------------------------------------------


def test_anonymous_visitor_searches_the_only_county(shop, client_as):
    response = client_as(None).get(f"{API}/products", {"q": "mnrg"})

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["page"], body["pages"]) == (1, 1, 1)
    jerky = body["results"][0]
    assert jerky["name_zh"] == "牦牛肉干"
    assert jerky["name"] == "Yak jerky"  # the client asks for English
    assert (jerky["min_price_fen"], jerky["min_price_unit"], jerky["in_stock"]) == (
        3980,
        "pack",
        True,
    )
    assert jerky["origin_altitude_m"] == 4175


def test_with_several_counties_an_anonymous_visitor_must_name_one(shop, other_county, client_as):
    client = client_as(None)

    missing = client.get(f"{API}/products")
    unknown = client.get(f"{API}/products", {"county": "999999"})
    named = client.get(f"{API}/products", {"county": "513334", "q": "松茸"})

    assert missing.status_code == 400
    assert missing.json() == {
        "code": "county_required",
        "detail": "Choose a county: add ?county= and its administrative code.",
        "errors": {"county": ["Choose a county: add ?county= and its administrative code."]},
    }
    assert unknown.status_code == 404
    assert named.status_code == 200
    assert {p["name_zh"] for p in named.json()["results"]} == {"鲜松茸", "冻松茸"}


def test_a_person_sees_the_shop_of_their_own_county(shop, other_county, client_as):
    response = client_as(other_county.operator).get(f"{API}/products", {"county": "513334"})

    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_a_device_token_is_honoured_on_public_reads(shop, other_county, client_as):
    issued = core_services.issue_api_token(
        other_county.operator, actor=other_county.operator, name="tablet"
    )
    client = client_as(None)

    good = client.get(f"{API}/products", HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")
    bad = client.get(f"{API}/products", HTTP_AUTHORIZATION="Bearer hl_nonsense")

    assert good.status_code == 200 and good.json()["total"] == 0  # Hongyuan has no products
    assert bad.status_code == 401


def test_filters_and_sorting(shop, client_as):
    response = client_as(None).get(
        f"{API}/products",
        {
            "category": "mushrooms-herbs",
            "min_price_fen": 20_000,
            "sort": "price_desc",
            "in_stock": "true",
        },
    )

    assert response.status_code == 200
    assert [p["name_zh"] for p in response.json()["results"]] == ["鲜松茸", "冻松茸"]
    assert response.json()["results"][0]["min_price_unit"] == "weight"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 1000}, "per_page"),
        ({"page": 0}, "page"),
        ({"min_price_fen": -1}, "min_price_fen"),
        ({"sort": "popular"}, "sort"),
        ({"county": "abc"}, "county"),
    ],
)
def test_bad_search_parameters_are_422(shop, client_as, params, field):
    response = client_as(None).get(f"{API}/products", params)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_unknown_category_and_origin_filters_are_404(shop, other_county, client_as):
    client = client_as(None)

    category = client.get(f"{API}/products", {"county": "513334", "category": "cars"})
    origin = client.get(
        f"{API}/products", {"county": "513334", "origin_point_id": other_county.centre.pk}
    )

    assert category.json()["errors"] == {"category": ["No such category."]}
    assert origin.json()["errors"] == {"origin_point_id": ["No such service point."]}


def test_categories_are_public(shop, client_as):
    response = client_as(None).get(f"{API}/categories")

    assert response.status_code == 200
    assert [c["code"] for c in response.json()] == [
        "farm-inputs",
        "household",
        "meat-dairy",
        "mushrooms-herbs",
        "tea",
        "grains",
        "fruit-vegetables",
        "crafts",
    ]
    assert response.json()[0]["direction"] == "down"


def test_product_detail_is_public_with_skus_and_prices(shop, client_as):
    jerky = shop.product("牦牛肉干")

    response = client_as(None).get(f"{API}/products/{jerky.pk}")

    assert response.status_code == 200
    body = response.json()
    assert [(s["code"], s["price_fen"], s["stock"]) for s in body["skus"]] == [
        ("LT-YJ-100", 3980, 120),
        ("LT-YJ-250", 8800, 60),
        ("LT-YJ-250S", 8800, 4),
    ]
    assert body["storage_class"] == "ambient"
    assert body["shelf_life_days"] == 180


def test_a_draft_is_seen_only_by_those_who_manage_it(shop, client_as):
    product = shop.product("藏茶")
    Product.objects.filter(pk=product.pk).update(status="draft")
    url = f"{API}/products/{product.pk}"

    assert client_as(None).get(url).status_code == 404
    assert client_as(shop.user("buyer")).get(url).status_code == 404
    assert client_as(shop.user("coop_manager")).get(url).status_code == 404
    assert client_as(shop.user("seller")).get(url).json()["status"] == "draft"


def test_product_of_another_county_is_the_same_404_as_a_missing_one(shop, other_county, client_as):
    jerky = shop.product("牦牛肉干")
    client = client_as(other_county.operator)

    foreign = client.get(f"{API}/products/{jerky.pk}")
    missing = client.get(f"{API}/products/999999")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"code": "not_found", "detail": "No such product."}


def test_list_query_budget(shop, client_as, django_assert_max_num_queries):
    client = client_as(None)
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/products", {"q": "牦牛", "per_page": 50})
    assert response.json()["total"] == 3


def test_detail_query_budget(shop, client_as, django_assert_max_num_queries):
    client = client_as(shop.user("buyer"))
    jerky = shop.product("牦牛肉干")
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/products/{jerky.pk}").status_code == 200


# --- writes: the permission matrix -----------------------------------------------------------


def new_product(shop):
    return {
        "seller_id": shop.seller("enterprise").pk,
        "category_id": shop.category("crafts").pk,
        "name_zh": "木碗",
        "name_en": "Wooden bowl",
        "origin_point_id": shop.point("LT-C").pk,
    }


WRITES = {
    "create_product": lambda c, s: post_json(c, f"{API}/products", new_product(s)),
    "update_product": lambda c, s: patch_json(
        c, f"{API}/products/{s.product('藏茶').pk}", {"name_en": "Brick tea"}
    ),
    "withdraw": lambda c, s: patch_json(
        c, f"{API}/products/{s.product('藏茶').pk}", {"status": "draft"}
    ),
    "add_sku": lambda c, s: post_json(
        c,
        f"{API}/products/{s.product('藏茶').pk}/skus",
        {"code": "LT-ZC-250", "label_zh": "250 克", "price_fen": 2600, "unit_weight_g": 260},
    ),
    "update_sku": lambda c, s: patch_json(
        c, f"{API}/skus/{s.sku('LT-ZC-500').pk}", {"price_fen": 5000}
    ),
    "stock": lambda c, s: post_json(
        c, f"{API}/skus/{s.sku('LT-ZC-500').pk}/stock", {"action": "add", "quantity": 10}
    ),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_county", 404),
        ("buyer", 403),
        ("coop_manager", 403),  # a seller, but of another organisation
        ("seller", 200),
        ("operator", 200),
    ],
)
def test_write_permission_matrix(shop, other_county, client_as, write, who, status):
    if who == "anonymous":
        user = None
    elif who == "other_county":
        user = other_county.operator
    else:
        user = shop.user(who)
    before = catalog_state()

    response = WRITES[write](client_as(user), shop)

    created = write in ("create_product", "add_sku")
    expected = 201 if (created and status == 200) else status
    assert response.status_code == expected, response.content
    if status == 200:
        assert AuditRecord.objects.count() == before[-1] + 1
    else:
        assert catalog_state() == before


def test_created_product_is_returned_as_a_draft(shop, client_as):
    response = post_json(client_as(shop.user("seller")), f"{API}/products", new_product(shop))

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["name_zh"], body["origin_altitude_m"]) == ("draft", "木碗", 3954)
    assert (body["skus"], body["min_price_fen"], body["in_stock"]) == ([], None, False)


def test_publishing_without_a_sku_is_refused(shop, client_as):
    client = client_as(shop.user("seller"))
    product_id = post_json(client, f"{API}/products", new_product(shop)).json()["id"]
    before = catalog_state()

    response = patch_json(client, f"{API}/products/{product_id}", {"status": "active"})

    assert response.status_code == 422
    assert response.json()["code"] == "no_active_sku"
    assert catalog_state() == before


def test_details_and_status_are_saved_together_or_not_at_all(shop, client_as):
    product = shop.product("藏茶")
    before = catalog_state()

    # The seller may rename, but not suspend: neither happens.
    response = patch_json(
        client_as(shop.user("seller")),
        f"{API}/products/{product.pk}",
        {"name_en": "Brick tea", "status": "suspended"},
    )

    assert response.status_code == 403
    assert catalog_state() == before


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price_fen": 0}, "price_fen"),
        ({"price_fen": -500}, "price_fen"),
        ({"price_fen": 10**15}, "price_fen"),
        ({"stock": -1}, "stock"),
        ({"selling_unit": "barrel"}, "selling_unit"),
        ({"code": ""}, "code"),
    ],
)
def test_adding_a_bad_sku_is_422_with_the_field_and_changes_nothing(
    shop, client_as, payload, field
):
    before = catalog_state()
    body = {"code": "LT-ZC-250", "label_zh": "250 克", "price_fen": 2600, "unit_weight_g": 260}

    response = post_json(
        client_as(shop.user("seller")),
        f"{API}/products/{shop.product('藏茶').pk}/skus",
        {**body, **payload},
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert catalog_state() == before


def test_a_weight_sku_with_a_unit_weight_gets_the_services_message(shop, client_as):
    before = catalog_state()

    response = post_json(
        client_as(shop.user("seller")),
        f"{API}/products/{shop.product('藏茶').pk}/skus",
        {"code": "LT-ZC-W", "label_zh": "散装", "price_fen": 2600, "selling_unit": "weight",
         "unit_weight_g": 500},
    )  # fmt: skip

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "unit_weight_g": ["A SKU sold by weight has no unit weight: buyers order grams."]
    }
    assert catalog_state() == before


@pytest.mark.parametrize("price", [0, -1])
def test_a_price_of_zero_or_less_is_refused(shop, client_as, price):
    sku = shop.sku("LT-ZC-500")
    before = catalog_state()

    response = patch_json(
        client_as(shop.user("seller")), f"{API}/skus/{sku.pk}", {"price_fen": price}
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["price_fen"]
    assert catalog_state() == before


def test_unknown_sku_and_sku_of_another_county_are_the_same_404(shop, other_county, client_as):
    sku = shop.sku("LT-ZC-500")
    client = client_as(other_county.operator)
    before = catalog_state()

    foreign = patch_json(client, f"{API}/skus/{sku.pk}", {"price_fen": 100})
    missing = patch_json(client, f"{API}/skus/999999", {"price_fen": 100})
    foreign_stock = post_json(
        client, f"{API}/skus/{sku.pk}/stock", {"action": "set", "quantity": 0}
    )

    assert foreign.status_code == missing.status_code == foreign_stock.status_code == 404
    assert foreign.json() == missing.json() == {"code": "not_found", "detail": "No such SKU."}
    assert catalog_state() == before


@pytest.mark.parametrize(
    ("payload", "status", "errors"),
    [
        (
            {"action": "add", "quantity": 0},
            422,
            {"quantity": ["The quantity must be a whole number above zero."]},
        ),
        (
            {"action": "remove", "quantity": 0},
            422,
            {"quantity": ["The quantity must be a whole number above zero."]},
        ),
        (
            {"action": "remove", "quantity": 81},
            422,
            {"quantity": ["Not enough stock: removing 81 would leave less than zero."]},
        ),
        ({"action": "set", "quantity": -1}, 422, None),
        ({"action": "steal", "quantity": 1}, 422, None),
    ],
)
def test_bad_stock_changes_are_refused_and_change_nothing(shop, client_as, payload, status, errors):
    sku = shop.sku("LT-ZC-500")  # 80 in stock
    before = catalog_state()

    response = post_json(client_as(shop.user("seller")), f"{API}/skus/{sku.pk}/stock", payload)

    assert response.status_code == status
    if errors is not None:
        assert response.json()["errors"] == errors
    else:
        assert list(response.json()["errors"]) in (["quantity"], ["action"])
    assert catalog_state() == before


def test_stock_set_add_remove(shop, client_as):
    client = client_as(shop.user("seller"))
    url = f"{API}/skus/{shop.sku('LT-ZC-500').pk}/stock"

    assert post_json(client, url, {"action": "set", "quantity": 50}).json()["stock"] == 50
    assert post_json(client, url, {"action": "add", "quantity": 5}).json()["stock"] == 55
    assert post_json(client, url, {"action": "remove", "quantity": 55}).json()["stock"] == 0
    assert Sku.objects.get(code="LT-ZC-500").stock == 0


def test_product_with_a_seller_of_another_county_is_404_on_the_field(shop, other_county, client_as):
    before = catalog_state()

    response = post_json(client_as(other_county.operator), f"{API}/products", new_product(shop))

    assert response.status_code == 404
    assert response.json()["errors"] == {"seller_id": ["No such seller."]}
    assert catalog_state() == before


def test_nul_characters_are_refused_before_the_database(shop, client_as):
    # PostgreSQL refuses NUL in text and FTS5 ends a string at it: the API refuses them
    # (highland.api.StrictJsonParser) rather than changing what was sent.
    client = client_as(shop.user("seller"))
    body = new_product(shop) | {"name_zh": "木\x00碗", "description_zh": "第一行\x00\n第二行"}
    before = catalog_state()

    searched = client.get(f"{API}/products", {"q": "牦牛\x00肉干"})
    created = post_json(client, f"{API}/products", body)
    stocked = post_json(
        client,
        f"{API}/skus/{shop.sku('LT-ZC-500').pk}/stock",
        {"action": "add", "quantity": 1, "reason": "\x00"},
    )

    refusal = {
        "code": "validation_failed",
        "detail": "Text may not contain NUL characters.",
        "errors": {"__all__": ["Text may not contain NUL characters."]},
    }
    assert [r.status_code for r in (searched, created, stocked)] == [422, 422, 422]
    assert [r.json() for r in (searched, created, stocked)] == [refusal] * 3
    assert catalog_state() == before
