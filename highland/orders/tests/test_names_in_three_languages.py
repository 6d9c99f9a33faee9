"""Names frozen at checkout are kept in Chinese, Tibetan and English and read in the reader's."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from highland.catalog.models import Sku
from highland.orders.models import OrderLine

# The demo's brick tea: its names in the catalogue at checkout.
TEA = {
    "zh": ("藏茶", "500 克茶砖"),
    "bo": ("བོད་ཇ།", "གྷ་རམ་ 500 ཡོད་པའི་ཇ་པག"),
    "en": ("Tibetan brick tea", "500 g brick"),
}
LANGUAGES = {"zh-hans": "zh", "bo": "bo", "en": "en"}


def test_checkout_keeps_the_catalogues_names_in_three_languages(order_factory):
    order = order_factory.place().orders[0]

    line = order.lines.get()
    assert (line.product_name_zh, line.sku_label_zh) == TEA["zh"]
    assert (line.product_name_bo, line.sku_label_bo) == TEA["bo"]
    assert (line.product_name_en, line.sku_label_en) == TEA["en"]


@pytest.mark.parametrize(("language", "suffix"), LANGUAGES.items())
def test_a_line_reads_in_the_active_language(order_factory, language, suffix):
    line = order_factory.place().orders[0].lines.get()

    with translation.override(language):
        assert (line.product_name, line.sku_label) == TEA[suffix]


def test_the_names_stay_as_they_were_when_the_catalogue_changes(order_factory):
    line = order_factory.place().orders[0].lines.get()
    Sku.objects.filter(code="LT-ZC-500").update(label_bo="ཇ་པག་གསར་པ།", label_en="New brick")

    line.refresh_from_db()
    with translation.override("bo"):
        assert line.sku_label == TEA["bo"][1]


def test_a_missing_translation_reads_in_chinese(order_factory):
    line = order_factory.place().orders[0].lines.get()
    OrderLine.objects.filter(pk=line.pk).update(product_name_bo="")

    line.refresh_from_db()
    with translation.override("bo"):
        assert line.product_name == TEA["zh"][0]


@pytest.mark.parametrize(("language", "suffix"), LANGUAGES.items())
def test_the_order_page_shows_the_names_in_the_readers_language(
    demo, client_as, order_factory, language, suffix
):
    order = order_factory.place().orders[0]

    response = client_as(demo.user("buyer")).get(
        f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert TEA[suffix][0] in page
    assert TEA[suffix][1] in page
    others = [TEA[other][1] for other in TEA if other != suffix]
    assert all(label not in page for label in others)


@pytest.mark.parametrize(("language", "suffix"), LANGUAGES.items())
def test_the_api_gives_the_names_in_the_readers_language(
    demo, client_as, order_factory, language, suffix
):
    order = order_factory.place().orders[0]

    response = client_as(demo.user("buyer")).get(
        f"/api/v1/orders/{order.pk}", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    [line] = response.json()["lines"]
    assert (line["product_name"], line["sku_label"]) == TEA[suffix]


def test_the_data_migration_fills_tibetan_and_english_and_can_run_again(order_factory):
    migration = importlib.import_module(
        "highland.orders.migrations.0010_order_line_names_in_three_languages"
    )
    unchanged = order_factory.place().orders[0].lines.get()
    renamed = order_factory.place().orders[0].lines.get()
    blank = {"product_name_bo": "", "product_name_en": "", "sku_label_bo": "", "sku_label_en": ""}
    OrderLine.objects.filter(pk=unchanged.pk).update(**blank)
    # A line frozen under a name the catalogue no longer has keeps its own name everywhere.
    OrderLine.objects.filter(pk=renamed.pk).update(**blank, product_name_zh="旧藏茶")

    migration.names_in_three_languages(apps, None)
    migration.names_in_three_languages(apps, None)

    unchanged.refresh_from_db()
    renamed.refresh_from_db()
    assert (unchanged.product_name_bo, unchanged.sku_label_en) == (TEA["bo"][0], TEA["en"][1])
    assert (renamed.product_name_bo, renamed.product_name_en) == ("旧藏茶", "旧藏茶")
    assert renamed.sku_label_bo == TEA["bo"][1]


def test_a_group_purchase_keeps_the_names_in_three_languages(shop):
    from highland.orders import groupbuys
    from highland.orders.models import ConsolidatedPurchaseLine
    from highland.orders.tests.test_groupbuys import MINUTE, join, open_window

    group_buy = open_window(shop, [("LT-BW-2L", None, None)])
    join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 2)])

    assert groupbuys.close_due_group_buys(now=group_buy.closes_at + MINUTE) == 1

    line = ConsolidatedPurchaseLine.objects.get(sku__code="LT-BW-2L")
    assert (line.product_name_zh, line.sku_label_zh) == ("保温壶", "2 升")
    assert (line.product_name_bo, line.sku_label_bo) == ("དྲོད་འཛིན་ཇ་དམ།", "ལི་ཊར་ 2")
    assert (line.product_name_en, line.sku_label_en) == ("Vacuum flask", "2 litres")
    with translation.override("bo"):
        assert str(line) == "དྲོད་འཛིན་ཇ་དམ། ལི་ཊར་ 2 × 2"
