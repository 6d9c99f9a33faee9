"""Reads: which county's shop a request sees, commissions, what a person manages."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from highland.catalog import selectors, services


def request_for(user=None, query=None, path_county=None):
    request = RequestFactory().get("/shop/", query or {})
    request.user = user or AnonymousUser()
    request.resolver_match = SimpleNamespace(kwargs={"county": path_county} if path_county else {})
    return request


def test_storefront_county_rules(shop, other_county):
    litang, hongyuan = shop.county, other_county.county

    assert selectors.storefront_county(request_for()) is None  # two counties: choose
    assert selectors.storefront_county(request_for(query={"county": "513334"})) == litang
    assert selectors.storefront_county(request_for(path_county="513233")) == hongyuan
    assert selectors.storefront_county(request_for(query={"county": "000000"})) is None
    # A person with a county sees theirs, whatever the URL says.
    person = request_for(other_county.operator, query={"county": "513334"})
    assert selectors.storefront_county(person) == hongyuan


def test_storefront_county_with_one_county(shop):
    assert selectors.storefront_county(request_for()) == shop.county


def test_commission_is_the_sellers_override_or_the_categorys(shop):
    jerky = shop.product("牦牛肉干")
    assert selectors.commission_bp(jerky) == 500

    services.update_seller(
        shop.seller("coop"), {"commission_override_bp": 300}, actor=shop.user("operator")
    )
    jerky.seller.refresh_from_db()

    assert selectors.commission_bp(jerky) == 300


def test_manageable_sellers(shop):
    def keys(username):
        sellers = selectors.manageable_sellers(shop.user(username), shop.county)
        return {seller.pk for seller in sellers}

    coop, enterprise, herder = (shop.seller(k).pk for k in ("coop", "enterprise", "herder"))
    assert keys("operator") == {coop, enterprise, herder}
    assert keys("seller") == {enterprise}
    assert keys("coop_manager") == {coop}
    assert keys("agent") == {herder}
    assert keys("village_agent") == set()
    assert keys("buyer") == set()
