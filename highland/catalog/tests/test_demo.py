"""The demo catalogue: what it holds, and that loading it again changes nothing."""

from __future__ import annotations

from highland.catalog.demo import load_demo_catalogue
from highland.catalog.models import Category, Product, Seller, Sku
from highland.catalog.tests.test_services import catalog_state


def test_the_demo_catalogue(shop):
    county = shop.county

    assert Category.objects.filter(county=county).count() == 8
    assert set(
        Category.objects.filter(county=county, direction="down").values_list("code", flat=True)
    ) == {"farm-inputs", "household"}
    assert Seller.objects.filter(county=county).count() == 3
    assert Product.objects.filter(county=county, status="active").count() == 14
    assert Sku.objects.filter(county=county).count() == 18
    assert shop.product("牦牛肉干").skus.count() == 3
    herder = shop.seller("herder")
    assert (herder.kind, herder.member.username, herder.represented_by.username) == (
        "individual",
        "member",
        "agent",
    )
    # Weight SKUs: priced per 500 g, stock in grams, no unit weight.
    assert list(
        Sku.objects.filter(county=county, selling_unit="weight")
        .order_by("code")
        .values_list("code", "price_fen", "stock", "unit_weight_g")
    ) == [("LT-JM-W", 6800, 15000, None), ("LT-SR-W", 29800, 20000, None)]
    assert {p.storage_class for p in Product.objects.filter(name_zh__contains="松茸")} == {
        "chilled",
        "frozen",
    }


def test_loading_the_demo_catalogue_again_changes_nothing(shop):
    before = catalog_state()

    created = load_demo_catalogue(shop.county)

    assert created == {"categories": 0, "sellers": 0, "products": 0, "skus": 0}
    assert catalog_state() == before


def test_a_withdrawn_demo_product_stays_withdrawn(shop):
    from highland.catalog import services

    services.change_product_status(shop.product("藏茶"), "draft", actor=shop.user("operator"))

    load_demo_catalogue(shop.county)

    assert shop.product("藏茶").status == "draft"
