"""Search: characters, pinyin, initials and the filters, on whichever database runs the suite.

The default run uses SQLite (FTS5 trigram); `DATABASE_URL=postgres://…` runs the same
tests on PostgreSQL (pg_trgm). The matching rule is the same, so the expected sets are.
"""

from __future__ import annotations

import pytest
from django.db import connection

from highland.catalog import search, services
from highland.catalog.models import Product
from highland.catalog.search import pinyin_forms, search_products
from highland.catalog.tests.test_services import details

ALL_ON_SALE = {
    "牦牛肉干",
    "牦牛酸奶",
    "牦牛奶渣",
    "蕨麻",
    "鲜松茸",
    "冻松茸",
    "藏茶",
    "青稞",
    "青稞挂面",
    "藏香",
    "唐卡",
    "复合化肥",
    "太阳能充电宝",
    "保温壶",
}


def names(page: search.SearchPage) -> list[str]:
    return [product.name_zh for product in page.results]


def found(county, query, **filters) -> set[str]:
    return set(names(search_products(county, query, per_page=100, **filters)))


def test_the_backend_matches_the_database(shop):
    expected = {"sqlite": "sqlite_fts", "postgresql": "postgresql"}[connection.vendor]
    assert search.backend_name() == expected


# --- what a query finds --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "牦牛肉干",
        "肉干",
        "maoniurougan",
        "mao niu rou gan",
        "MaoNiu RouGan",
        "ｍａｏｎｉｕｒｏｕｇａｎ",  # full-width, as some phone keyboards type
        "niurou",
        "mnrg",
        "yak jerky",
        "གཡག་ཤ",
    ],
)
def test_yak_jerky_is_found_by_characters_pinyin_and_initials(shop, query):
    assert found(shop.county, query) == {"牦牛肉干"}


@pytest.mark.parametrize("query", ["zangcha", "cangcha", "zc", "藏茶", "brick tea"])
def test_polyphonic_characters_are_found_by_either_reading(shop, query):
    # pypinyin reads 藏茶 as "cangcha"; buyers say "zangcha".
    assert found(shop.county, query) == {"藏茶"}


def test_two_character_words_are_found(shop):
    # Shorter than a trigram: these go through LIKE on SQLite.
    assert found(shop.county, "松茸") == {"鲜松茸", "冻松茸"}
    assert found(shop.county, "青稞") == {"青稞", "青稞挂面"}
    assert found(shop.county, "唐卡") == {"唐卡"}


def test_words_of_a_query_must_all_match(shop):
    assert found(shop.county, "牦牛 奶") == {"牦牛酸奶", "牦牛奶渣"}
    assert found(shop.county, "yak yoghurt") == {"牦牛酸奶"}


def test_category_and_origin_names_are_searched(shop):
    assert found(shop.county, "茶叶") == {"藏茶"}  # the category's name
    assert found(shop.county, "household goods") == {"太阳能充电宝", "保温壶"}
    assert found(shop.county, "扎嘎村") == {"牦牛肉干"}  # the origin village
    assert found(shop.county, "zhuorong") == {"鲜松茸", "冻松茸"}  # the origin's English name


def test_a_query_with_nothing_in_common_finds_nothing(shop):
    page = search_products(shop.county, "chocolate")

    assert (page.results, page.total, page.page, page.pages) == ([], 0, 1, 1)


@pytest.mark.parametrize("query", ["%", "_", "%%%", "\\", '"', '" OR "', "NOT yak", "a*"])
def test_special_characters_are_searched_literally(shop, query):
    assert found(shop.county, query) == set()


def test_an_empty_query_lists_everything_on_sale(shop):
    assert found(shop.county, "   ") == ALL_ON_SALE
    assert found(shop.county, None) == ALL_ON_SALE


# --- what is never found ---------------------------------------------------------------------


def test_drafts_suspended_products_and_inactive_sellers_are_not_found(shop):
    operator = shop.user("operator")
    services.change_product_status(shop.product("藏茶"), "draft", actor=operator)
    services.change_product_status(shop.product("唐卡"), "suspended", actor=operator)
    services.update_seller(shop.seller("coop"), {"active": False}, actor=operator)

    assert found(shop.county, "") == ALL_ON_SALE - {"藏茶", "唐卡", "牦牛肉干", "牦牛酸奶"}


def test_products_of_another_county_are_not_found(shop, other_county):
    assert found(other_county.county, "牦牛") == set()
    assert found(other_county.county, "") == set()


# --- filters ---------------------------------------------------------------------------------


def test_category_filter_includes_subcategories(shop):
    operator = shop.user("operator")
    meat_dairy = shop.category("meat-dairy")
    cheese = services.create_category(
        shop.county,
        actor=operator,
        code="cheese",
        name_zh="奶酪",
        name_bo="ཕྱུར་བ།",
        name_en="Cheese",
        direction="up",
        commission_bp=500,
        parent=meat_dairy,
    )
    services.update_product(shop.product("牦牛奶渣"), {"category": cheese}, actor=operator)

    assert found(shop.county, "", category=meat_dairy) == {"牦牛肉干", "牦牛酸奶", "牦牛奶渣"}
    assert found(shop.county, "", category=cheese) == {"牦牛奶渣"}
    assert found(shop.county, "牦牛", category=shop.category("tea")) == set()


def test_origin_filter_covers_the_villages_of_a_station(shop):
    assert found(shop.county, "", origin_point=shop.point("LT-S01")) == {
        "牦牛肉干",
        "牦牛酸奶",
        "牦牛奶渣",
        "蕨麻",
    }
    assert found(shop.county, "", origin_point=shop.point("LT-S01-V05")) == {"牦牛奶渣", "蕨麻"}
    # The county centre covers the whole county, not the goods from outside it.
    assert found(shop.county, "", origin_point=shop.point("LT-C")) == ALL_ON_SALE - {
        "藏茶",
        "复合化肥",
        "太阳能充电宝",
        "保温壶",
    }


def test_price_range_applies_to_an_active_sku(shop):
    # ¥100 to ¥300: matsutake (per 500 g), fertiliser, power bank.
    assert found(shop.county, "", min_price_fen=10_000, max_price_fen=30_000) == {
        "鲜松茸",
        "冻松茸",
        "复合化肥",
        "太阳能充电宝",
    }
    assert found(shop.county, "", min_price_fen=300_000) == {"唐卡"}
    assert found(shop.county, "", max_price_fen=3_600) == {"青稞"}


def test_in_stock_leaves_out_sold_out_products(shop):
    assert "青稞挂面" not in found(shop.county, "", in_stock=True)
    assert "青稞挂面" in found(shop.county, "")


def test_price_and_stock_must_hold_for_the_same_sku(shop):
    # The ¥39.80 pack of jerky sells out; the packs left cost ¥88.
    services.set_stock(shop.sku("LT-YJ-100"), 0, actor=shop.user("operator"))

    assert "牦牛肉干" in found(shop.county, "", max_price_fen=4_000)
    assert "牦牛肉干" not in found(shop.county, "", max_price_fen=4_000, in_stock=True)
    assert "牦牛肉干" in found(shop.county, "", max_price_fen=9_000, in_stock=True)


def test_inactive_skus_are_not_priced(shop):
    services.update_sku(shop.sku("LT-ZC-500"), {"active": False}, actor=shop.user("operator"))

    assert found(shop.county, "藏茶", max_price_fen=100_000) == set()
    page = search_products(shop.county, "藏茶")
    assert page.results[0].min_price_fen is None
    assert page.results[0].in_stock is False


# --- order and pages -------------------------------------------------------------------------


def test_price_sorts(shop):
    up = names(search_products(shop.county, "", sort="price_asc", per_page=100))
    down = names(search_products(shop.county, "", sort="price_desc", per_page=100))

    # Cheapest active SKU: barley ¥35.00, incense ¥38.00, noodles ¥39.00, jerky ¥39.80 ...
    assert up[:4] == ["青稞", "藏香", "青稞挂面", "牦牛肉干"]
    # ... the small thangka ¥1,280.00, fresh matsutake ¥298.00 per 500 g.
    assert down[:2] == ["唐卡", "鲜松茸"]
    assert up == list(reversed(down))


def test_newest_first(shop):
    latest = services.create_product(
        shop.seller("enterprise"), details(shop.category("meat-dairy")), actor=shop.user("seller")
    )
    services.add_sku(
        latest,
        services.SkuDetails(code="LT-SY-1", label_zh="1 斤", price_fen=5000, unit_weight_g=520),
        actor=shop.user("seller"),
    )
    services.change_product_status(latest, "active", actor=shop.user("seller"))

    assert names(search_products(shop.county, "", sort="newest"))[0] == "酥油"


def test_relevance_puts_products_named_by_the_query_first(shop):
    # "扎嘎" names a new product and is the origin of the jerky.
    named = services.create_product(
        shop.seller("coop"),
        details(shop.category("meat-dairy"), name_zh="扎嘎酥油", origin_point=None),
        actor=shop.user("coop_manager"),
    )
    services.add_sku(
        named,
        services.SkuDetails(code="LT-ZG-1", label_zh="1 斤", price_fen=5000, unit_weight_g=520),
        actor=shop.user("coop_manager"),
    )
    services.change_product_status(named, "active", actor=shop.user("coop_manager"))

    assert names(search_products(shop.county, "扎嘎")) == ["扎嘎酥油", "牦牛肉干"]
    # Pinyin names no name field: the backends rank by their own score, and differ.
    assert found(shop.county, "zhaga") == {"扎嘎酥油", "牦牛肉干"}


def test_pages(shop):
    first = search_products(shop.county, "", sort="price_asc", per_page=5)
    third = search_products(shop.county, "", sort="price_asc", per_page=5, page=3)
    beyond = search_products(shop.county, "", sort="price_asc", per_page=5, page=99)

    assert (first.total, first.pages, first.page, len(first.results)) == (14, 3, 1, 5)
    assert (third.page, len(third.results)) == (3, 4)
    assert (beyond.page, names(beyond)) == (3, names(third))
    assert first.has_next and not first.has_previous and not third.has_next


def test_unknown_sort_is_a_programming_error(shop):
    with pytest.raises(ValueError, match="unknown sort"):
        search_products(shop.county, "", sort="popular")


@pytest.mark.parametrize(("query", "budget"), [("牦牛", 3), ("maoniu", 4), ("", 3)])
def test_search_query_budget(shop, django_assert_max_num_queries, query, budget):
    with django_assert_max_num_queries(budget):
        page = search_products(shop.county, query, sort="relevance")
        for product in page.results:
            _ = (product.seller.name, product.category.name, product.ordered_photos)
            _ = (product.min_price_fen, product.in_stock, product.origin_point)


# --- keeping the index in step ---------------------------------------------------------------


def test_a_renamed_product_is_found_by_its_new_name_only(shop):
    services.update_product(
        shop.product("保温壶"), {"name_zh": "酥油茶壶"}, actor=shop.user("seller")
    )

    assert found(shop.county, "suyouchahu") == {"酥油茶壶"}
    assert found(shop.county, "bwh") == set()
    assert found(shop.county, "baowenhu") == set()


def test_the_fts_table_holds_one_row_per_product(shop):
    if search.backend_name() != "sqlite_fts":
        pytest.skip("the FTS table exists on SQLite only")
    product = shop.product("保温壶")
    services.update_product(product, {"name_en": "Thermos"}, actor=shop.user("seller"))

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT names FROM {search.SEARCH_TABLE} WHERE rowid = %s",  # noqa: S608
            [product.pk],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert "thermos" in rows[0][0]


def test_rebuild_restores_stale_search_text(shop):
    Product.objects.filter(county=shop.county).update(search_text="")

    count = search.rebuild_search_index(shop.county)

    assert count == Product.objects.filter(county=shop.county).count()
    assert found(shop.county, "mnrg") == {"牦牛肉干"}


# --- pinyin ---------------------------------------------------------------------------------


def test_pinyin_forms_give_the_phrase_reading_first_and_variants_after():
    full, initials = pinyin_forms("藏茶")

    assert full[0] == "cangcha"
    assert "zangcha" in full
    assert initials == ["cc", "zc"]


def test_pinyin_forms_skip_what_is_not_chinese():
    assert pinyin_forms("Yak 牦牛 250g") == (["maoniu"], ["mn"])
    assert pinyin_forms("ཐང་ཀ") == ([], [])


def test_pinyin_variants_are_bounded():
    full, initials = pinyin_forms("长长长长长长长长长长长长长长长长长长")

    assert len(full) <= search.MAX_PINYIN_VARIANTS + 1
    assert len(initials) <= len(full)
