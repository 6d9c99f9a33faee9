"""Catalogue fixtures: the demo catalogue on top of the demo county."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from highland.catalog.demo import load_demo_catalogue
from highland.catalog.models import Category, Product, Seller, Sku
from highland.core.models import County, User
from highland.network.models import ServicePoint


@pytest.fixture(scope="session")
def _demo_catalogue_committed(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the demo catalogue once per session, committed like the demo county."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        county = County.objects.get(code="513334")
        load_demo_catalogue(county)


@dataclass
class Shop:
    county: County

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def point(self, code: str) -> ServicePoint:
        return ServicePoint.objects.get(county=self.county, code=code)

    def product(self, name_zh: str) -> Product:
        return Product.objects.select_related("seller", "county").get(
            county=self.county, name_zh=name_zh
        )

    def sku(self, code: str) -> Sku:
        return Sku.objects.select_related("product__seller").get(county=self.county, code=code)

    def category(self, code: str) -> Category:
        return Category.objects.get(county=self.county, code=code)

    def seller(self, key: str) -> Seller:
        lookups = {
            "coop": {"organisation__name_zh": "理塘县奔戈乡牦牛养殖专业合作社"},
            "enterprise": {"organisation__name_zh": "理塘县高原特产有限公司"},
            "herder": {"member__username": "member"},
        }
        return Seller.objects.get(county=self.county, **lookups[key])


@pytest.fixture
def shop(demo: Any, _demo_catalogue_committed: None) -> Shop:
    """The demo county with its catalogue (reloaded if a transactional test flushed it)."""
    load_demo_catalogue(demo.county)
    return Shop(county=demo.county)


@pytest.fixture
def media_root(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield tmp_path / "media"
