"""The demo catalogue speaks all three languages: every SKU label and product text."""

from __future__ import annotations

import re

import pytest

from highland.catalog.demo_data import PRODUCTS

TIBETAN = re.compile("[\u0f00-\u0fff]")
SKUS = [sku for product in PRODUCTS for sku in product.skus]


@pytest.mark.parametrize("sku", SKUS, ids=[sku.code for sku in SKUS])
def test_every_demo_sku_label_is_in_tibetan_and_english(sku):
    assert TIBETAN.search(sku.label_bo)
    assert sku.label_en and not TIBETAN.search(sku.label_en)


@pytest.mark.parametrize("product", PRODUCTS, ids=[product.name_en for product in PRODUCTS])
def test_every_demo_product_is_described_in_tibetan_and_english(product):
    assert TIBETAN.search(product.name_bo)
    assert TIBETAN.search(product.description_bo)
    assert product.description_en
    if product.story_zh:
        assert TIBETAN.search(product.story_bo) and product.story_en


def test_the_loaded_demo_skus_carry_their_tibetan_labels(demo):
    from highland.catalog.models import Product, Sku

    assert not Sku.objects.filter(county=demo.county, label_bo="").exists()
    assert not Product.objects.filter(county=demo.county, description_bo="").exists()
