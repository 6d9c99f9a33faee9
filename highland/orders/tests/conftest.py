"""Fixtures for orders: SKUs of the demo catalogue by code, and buyers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import override_settings

from highland.catalog.models import Sku
from highland.core.models import Membership, Role, User
from highland.network.models import Resident


@dataclass
class Shop:
    demo: object

    def sku(self, code: str) -> Sku:
        return Sku.objects.select_related("product__seller").get(code=code)

    def buyer(self, username: str = "buyer") -> User:
        return User.objects.get(username=username)

    def new_buyer(self, username: str) -> User:
        county = self.demo.county  # type: ignore[attr-defined]
        person = User.objects.create_user(username, county=county, password=None)
        Membership.objects.create(county=county, user=person, role=Role.BUYER)
        return person

    def villager(self, username: str, point_code: str = "LT-S01-V01") -> User:
        """A buyer registered as a resident of a village point: its agents act for them."""
        person = self.new_buyer(username)
        Resident.objects.create(
            county=person.county,
            person=person,
            point=self.demo.point(point_code),  # type: ignore[attr-defined]
            registered_by=self.demo.user("operator"),  # type: ignore[attr-defined]
        )
        return person


@pytest.fixture
def shop(demo) -> Shop:
    return Shop(demo=demo)


@pytest.fixture
def gateway_settings(gateway_sandbox, live_server):
    with override_settings(
        PAYMENT_GATEWAY_URL=gateway_sandbox.url,
        PAYMENT_GATEWAY_MERCHANT="demo",
        PAYMENT_GATEWAY_SECRET=GATEWAY_MERCHANTS["demo"],
        PUBLIC_BASE_URL=live_server.url,
    ):
        yield


# The gateway sandbox fixtures, for checkouts paid online.
from highland.payments.tests.conftest import (  # noqa: E402
    GATEWAY_MERCHANTS,
    gateway_pay,
    gateway_receiver,
    gateway_sandbox,
    gateway_send,
)

__all__ = ["gateway_pay", "gateway_receiver", "gateway_sandbox", "gateway_send"]
