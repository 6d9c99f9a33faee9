"""The page cache of the shop for anonymous visitors (highland/core/pagecache.py)."""

from __future__ import annotations

import re
import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import need_server
from highland.catalog import services
from highland.catalog.models import Sku
from highland.core.pagecache import CSRF_MARKER, GENERATION_KEY

pytestmark = pytest.mark.urls("highland.catalog.tests.urls")

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


def queries_for(client: Client, path: str, **extra: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def product_path(shop) -> str:
    return f"/shop/products/{shop.sku('LT-YJ-100').product_id}/"


@pytest.mark.parametrize("path", ["/shop/", "/shop/categories/meat-dairy/", "/shop/search/?q=mnrg"])
def test_second_anonymous_visit_is_served_without_queries(shop, client_as, page_cache, path):
    first, first_html = queries_for(client_as(None), path)
    second, second_html = queries_for(client_as(None), path)

    assert first > 0
    assert second == 0
    assert TOKEN.sub("", first_html) == TOKEN.sub("", second_html)


def test_product_page_from_the_cache_is_the_same_page(shop, client_as, page_cache):
    path = product_path(shop)
    _, fresh = queries_for(client_as(None), path)
    queries, cached = queries_for(client_as(None), path)

    assert queries == 0
    assert "牦牛肉干" in cached or "Yak jerky" in cached
    assert TOKEN.sub("", fresh) == TOKEN.sub("", cached)


def test_each_visitor_gets_their_own_working_csrf_token(shop, page_cache):
    path = product_path(shop)
    sku = shop.sku("LT-YJ-100")
    Client(HTTP_ACCEPT_LANGUAGE="en").get(path)  # fills the cache
    first, second = (Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True) for _ in "12")

    first_page = first.get(path).content.decode()
    second_page = second.get(path).content.decode()

    assert CSRF_MARKER not in first_page and CSRF_MARKER not in second_page
    first_token, second_token = TOKEN.findall(first_page)[0], TOKEN.findall(second_page)[0]
    assert first_token != second_token
    added = first.post(
        "/orders/cart/add/",
        {"sku_id": sku.pk, "quantity": 1, "csrfmiddlewaretoken": first_token},
    )
    assert added.status_code == 302
    # A token taken from someone else's copy of the page does not pass for this visitor.
    refused = second.post(
        "/orders/cart/add/",
        {
            "sku_id": sku.pk,
            "quantity": 1,
            # One character changed, always to a different one: the token no longer matches.
            "csrfmiddlewaretoken": ("y" if second_token[0] == "x" else "x") + second_token[1:],
        },
    )
    assert refused.status_code == 403


def test_languages_are_cached_apart(shop, client_as, page_cache):
    path = "/shop/categories/meat-dairy/"
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(path).content.decode()
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(path).content.decode()
    chinese_again = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(path).content.decode()

    assert "Meat and dairy" in english
    assert "Meat and dairy" not in chinese and "肉" in chinese
    assert TOKEN.sub("", chinese) == TOKEN.sub("", chinese_again)


def test_logged_in_people_always_get_a_fresh_page(shop, client_as, page_cache):
    client = client_as(shop.user("buyer"))
    path = "/shop/categories/meat-dairy/"
    queries_for(client, path)
    queries, _ = queries_for(client, path)

    assert queries > 0


def test_a_catalogue_change_drops_the_cached_pages(
    shop, client_as, page_cache, django_capture_on_commit_callbacks
):
    path = product_path(shop)
    product = shop.sku("LT-YJ-100").product
    queries_for(client_as(None), path)

    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(
            product, {"name_en": "Litang yak jerky, smoked"}, actor=shop.user("operator")
        )
    queries, html = queries_for(client_as(None), path)

    assert queries > 0
    assert "Litang yak jerky, smoked" in html


def test_a_stocktake_drops_the_cached_pages(
    shop, client_as, page_cache, django_capture_on_commit_callbacks
):
    sku = shop.sku("LT-YJ-100")
    path = product_path(shop)
    assert "Sold out" not in queries_for(client_as(None), path)[1]

    with django_capture_on_commit_callbacks(execute=True):
        services.set_stock(sku, 0, actor=shop.user("operator"), reason="stocktake")
    _, html = queries_for(client_as(None), path)

    assert "Sold out" in html


def test_stock_sold_by_checkouts_shows_once_the_page_expires(shop, client_as, settings):
    # Checkouts must not empty the cache (a flash sale would lose it on every order):
    # their stock shows when the cached page expires.
    settings.PAGE_CACHE_SECONDS = 60
    sku = shop.sku("LT-YJ-100")
    path = product_path(shop)
    queries_for(client_as(None), path)
    Sku.objects.filter(pk=sku.pk).update(stock=0)

    assert "Sold out" not in queries_for(client_as(None), path)[1]
    settings.PAGE_CACHE_SECONDS = 0
    assert "Sold out" in queries_for(client_as(None), path)[1]


def test_a_pending_message_is_shown_not_the_cached_page(shop, client_as, page_cache):
    path = product_path(shop)
    client = client_as(None)
    queries_for(client, path)

    response = client.post(
        "/orders/cart/add/",
        {"sku_id": shop.sku("LT-YJ-100").pk, "quantity": 0, "next": path},
        follow=True,
    )

    assert "Enter a quantity of at least 1." in response.content.decode()
    # The message is gone after being shown; the cached page serves again.
    assert "Enter a quantity" not in client.get(path).content.decode()


def test_missing_pages_are_not_cached(shop, client_as, page_cache):
    first = client_as(None).get("/shop/products/999999/")
    with CaptureQueriesContext(connection) as queries:
        second = client_as(None).get("/shop/products/999999/")

    assert first.status_code == second.status_code == 404
    assert len(queries) > 0


def test_off_when_the_setting_is_zero(shop, client_as, settings):
    settings.PAGE_CACHE_SECONDS = 0
    path = "/shop/categories/meat-dairy/"
    queries_for(client_as(None), path)
    queries, html = queries_for(client_as(None), path)

    assert queries > 0
    assert CSRF_MARKER not in html


def redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_with_redis_an_edit_in_another_process_drops_the_page(shop, client_as, settings):
    # With REDIS_URL every server process shares the cache, and so the generation: a
    # catalogue edit made in one process drops the pages all the others serve.
    need_server(redis_is_up(), "Redis is not running on 127.0.0.1:6379")
    prefix = f"highland-test-{uuid.uuid4().hex}"
    location = "redis://127.0.0.1:6379/15"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
        }
    }
    settings.PAGE_CACHE_SECONDS = 60
    other_process = RedisCache(location, {"KEY_PREFIX": prefix})
    path = product_path(shop)
    try:
        first, _ = queries_for(client_as(None), path)
        second, _ = queries_for(client_as(None), path)
        other_process.incr(GENERATION_KEY)  # what invalidate_cached_pages does over there
        third, _ = queries_for(client_as(None), path)
    finally:
        client = other_process._cache.get_client(write=True)
        stale = list(client.scan_iter(f"{prefix}:*"))
        if stale:
            client.delete(*stale)

    assert first > 0
    assert second == 0
    assert third > 0
