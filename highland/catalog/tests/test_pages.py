"""Shop and seller pages: county choice, search, product page, forms, photos, query budgets.

The pages are mounted at /shop/ here as highland/urls.py will mount them.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from highland.catalog import services
from highland.catalog.models import Product, ProductPhoto, Sku
from highland.catalog.tests.test_services import catalog_state
from highland.core.models import AuditRecord

pytestmark = pytest.mark.urls("highland.catalog.tests.urls")


def jpeg(width: int = 1200, height: int = 900) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (120, 60, 30)).save(data, "JPEG")
    data.seek(0)
    data.name = "yak.jpg"
    return data


# --- which county's shop ---------------------------------------------------------------------


def test_anonymous_visitor_gets_the_only_county(shop, client_as):
    response = client_as(None).get("/shop/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Shop of Litang County" in html
    assert "Meat and dairy" in html and "Farm inputs" in html


def test_with_several_counties_a_visitor_chooses_one(shop, other_county, client_as):
    client = client_as(None)

    choose = client.get("/shop/")
    litang = client.get("/shop/", {"county": "513334"})

    assert "Choose a county" in choose.content.decode()
    assert '<a href="/shop/?county=513334">Litang County</a>' in choose.content.decode()
    assert "Shop of Litang County" in litang.content.decode()
    # Links keep the county so the visitor stays in this shop.
    flask = Product.objects.get(name_zh="保温壶")
    assert f'href="/shop/products/{flask.pk}/?county=513334"' in litang.content.decode()


def test_a_person_sees_their_own_county_whatever_the_link_says(shop, other_county, client_as):
    response = client_as(other_county.operator).get("/shop/", {"county": "513334"})

    assert "Shop of Hongyuan County" in response.content.decode()


# --- browsing ----------------------------------------------------------------------------------


def test_category_page_lists_its_products_by_price(shop, client_as):
    response = client_as(shop.user("buyer")).get(
        "/shop/categories/meat-dairy/", {"sort": "price_asc"}
    )

    assert response.status_code == 200
    assert [p.name_zh for p in response.context["page"].results] == [
        "牦牛肉干",
        "牦牛奶渣",
        "牦牛酸奶",
    ]


def test_unknown_category_is_404(shop, client_as):
    assert client_as(None).get("/shop/categories/cars/").status_code == 404


def test_search_page_finds_by_initials_and_keeps_the_query(shop, client_as):
    response = client_as(None).get("/shop/search/", {"q": "mnrg"})

    html = response.content.decode()
    assert [p.name_zh for p in response.context["page"].results] == ["牦牛肉干"]
    assert 'value="mnrg"' in html
    assert "1 product found" in html


def test_search_page_without_a_query_lists_everything_on_sale(shop, client_as):
    response = client_as(shop.user("buyer")).get("/shop/search/")

    assert response.context["page"].total == 14


def test_search_page_filters_by_price_in_yuan_and_origin(shop, client_as):
    response = client_as(None).get(
        "/shop/search/",
        {"min_price": "100", "max_price": "300.00", "origin": shop.point("LT-S03").pk},
    )

    assert {p.name_zh for p in response.context["page"].results} == {"鲜松茸", "冻松茸"}


def test_search_page_shows_bad_prices_as_field_errors(shop, client_as):
    response = client_as(None).get("/shop/search/", {"min_price": "12.345"})

    assert response.context["page"] is None
    assert response.context["form"].errors == {
        "min_price": ["Enter an amount in yuan with at most two decimals, e.g. 12.50."]
    }


def test_search_pages_link_to_the_next_page_with_the_same_query(shop, client_as):
    from highland.catalog import views

    original = views.SHOP_PAGE_SIZE
    views.SHOP_PAGE_SIZE = 5
    try:
        response = client_as(None).get("/shop/search/", {"sort": "price_asc", "page": "2"})
    finally:
        views.SHOP_PAGE_SIZE = original

    html = response.content.decode()
    assert "Page 2 of 3" in html
    assert 'href="?sort=price_asc&amp;page=3"' in html
    assert 'href="?sort=price_asc&amp;page=1"' in html


def test_product_page_shows_origin_altitude_seller_storage_and_stock(shop, client_as):
    jerky = shop.product("牦牛肉干")

    html = client_as(None).get(f"/shop/products/{jerky.pk}/").content.decode()

    for text in (
        "Yak jerky",
        "Zhaga Village, Benge",
        "4175 m above sea level",
        "Benge Township Yak Herders&#x27; Cooperative",
        "Ambient",
        "180 days",
        "¥39.80",
        "¥88.00",
        "In stock",
        "Only 4 left",
    ):
        assert text in html, text


def test_weight_skus_show_the_price_per_500_g_and_kilograms(shop, client_as):
    matsutake = shop.product("鲜松茸")

    html = client_as(None).get(f"/shop/products/{matsutake.pk}/").content.decode()

    assert "¥298.00 / 500 g" in html
    assert "20 kg available" in html
    assert "Chilled (0–4 °C)" in html


def test_sold_out_is_shown(shop, client_as):
    noodles = shop.product("青稞挂面")

    assert "Sold out" in client_as(None).get(f"/shop/products/{noodles.pk}/").content.decode()


@pytest.mark.parametrize("status", ["draft", "suspended"])
def test_products_not_on_sale_are_404(shop, client_as, status):
    product = shop.product("藏茶")
    Product.objects.filter(pk=product.pk).update(status=status)

    assert client_as(None).get(f"/shop/products/{product.pk}/").status_code == 404


def test_product_of_another_county_is_404(shop, other_county, client_as):
    jerky = shop.product("牦牛肉干")

    response = client_as(other_county.operator).get(f"/shop/products/{jerky.pk}/")

    assert response.status_code == 404


def test_thumbnails_are_lazy_with_their_size(shop, client_as, media_root):
    product = shop.product("保温壶")  # the newest, so the storefront shows it
    services.add_photo(product, jpeg(), actor=shop.user("seller"))
    client = client_as(None)

    for url in ("/shop/", f"/shop/products/{product.pk}/"):
        html = client.get(url).content.decode()
        images = re.findall(r"<img [^>]*>", html)
        assert images, url
        for image in images:
            assert 'loading="lazy"' in image
            assert 'width="480" height="360"' in image
            assert ".webp" in image


# --- query budgets and weight ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/shop/", 8),
        ("/shop/categories/meat-dairy/", 8),
        ("/shop/search/?q=牦牛&in_stock=on&sort=price_asc", 9),
    ],
)
def test_shop_query_budgets(shop, client_as, django_assert_max_num_queries, url, budget):
    client = client_as(None)
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_product_page_query_budget(shop, client_as, django_assert_max_num_queries):
    client = client_as(shop.user("buyer"))
    jerky = shop.product("牦牛肉干")
    with django_assert_max_num_queries(12):
        assert client.get(f"/shop/products/{jerky.pk}/").status_code == 200


def test_my_products_query_budget(shop, client_as, django_assert_max_num_queries):
    client = client_as(shop.user("operator"))
    with django_assert_max_num_queries(12):
        response = client.get("/shop/manage/products/")
    assert len(response.context["page"].object_list) == 14


@pytest.mark.parametrize("url", ["/shop/", "/shop/search/?q=yak", "/shop/categories/crafts/"])
def test_shop_pages_stay_light(shop, client_as, url):
    # Storefront pages aim at 50 KB in all; the HTML is a small part of it.
    assert len(client_as(None).get(url).content) < 20_000


# --- the seller pages --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/shop/manage/products/", "/shop/manage/products/create/"])
def test_seller_pages_need_login(shop, client_as, url):
    response = client_as(None).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


ENTERPRISE_PRODUCTS = {
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


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("seller", ENTERPRISE_PRODUCTS),
        ("coop_manager", {"牦牛肉干", "牦牛酸奶"}),
        ("agent", {"牦牛奶渣", "蕨麻"}),
    ],
)
def test_my_products_lists_exactly_what_the_person_manages(shop, client_as, who, expected):
    response = client_as(shop.user(who)).get("/shop/manage/products/")

    assert {product.name_zh for product in response.context["page"].object_list} == expected


@pytest.mark.parametrize("who", ["buyer", "member", "official"])
def test_people_who_sell_nothing_get_403(shop, client_as, who):
    assert client_as(shop.user(who)).get("/shop/manage/products/").status_code == 403


def test_a_seller_creates_a_product_through_the_page(shop, client_as):
    response = client_as(shop.user("seller")).post(
        "/shop/manage/products/create/",
        {
            "seller": shop.seller("enterprise").pk,
            "category": shop.category("crafts").pk,
            "name_zh": "木碗",
            "name_en": "Wooden bowl",
            "storage_class": "ambient",
            "origin_point": shop.point("LT-C").pk,
        },
    )

    product = Product.objects.get(name_zh="木碗")
    assert response.status_code == 302
    assert response["Location"] == f"/shop/manage/products/{product.pk}/"
    assert (product.status, product.origin_altitude_m) == ("draft", 3954)


def test_a_seller_cannot_create_for_another_seller(shop, client_as):
    before = catalog_state()

    response = client_as(shop.user("seller")).post(
        "/shop/manage/products/create/",
        {
            "seller": shop.seller("coop").pk,
            "category": shop.category("crafts").pk,
            "name_zh": "木碗",
            "storage_class": "ambient",
        },
    )

    assert response.status_code == 200
    assert "seller" in response.context["form"].errors
    assert catalog_state() == before


def test_the_form_shows_the_services_refusal_on_the_field(shop, client_as):
    before = catalog_state()

    response = client_as(shop.user("seller")).post(
        f"/shop/manage/products/{shop.product('藏茶').pk}/edit/",
        {
            "category": shop.category("tea").pk,
            "name_zh": "藏茶",
            "storage_class": "frozen",
            "shelf_life_days": "",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "shelf_life_days": ["Chilled and frozen products need a shelf life."]
    }
    assert catalog_state() == before


def test_editing_someone_elses_product_is_403(shop, client_as):
    response = client_as(shop.user("coop_manager")).get(
        f"/shop/manage/products/{shop.product('藏茶').pk}/edit/"
    )

    assert response.status_code == 403


def test_sku_add_reads_yuan_and_refuses_a_zero_price(shop, client_as):
    client = client_as(shop.user("seller"))
    url = f"/shop/manage/products/{shop.product('藏茶').pk}/skus/create/"
    sku = {
        "code": "LT-ZC-250",
        "label_zh": "250 克",
        "selling_unit": "pack",
        "unit_weight_g": "260",
        "stock": "12",
    }

    refused = client.post(url, {**sku, "price_fen": "0"})
    added = client.post(url, {**sku, "price_fen": "26.50"})

    assert refused.context["form"].errors == {
        "price_fen": ["The price must be more than ¥0.00 and at most ¥1,000,000.00."]
    }
    assert added.status_code == 302
    assert Sku.objects.get(code="LT-ZC-250").price_fen == 2650


def test_sku_edit_and_stock_pages(shop, client_as):
    client = client_as(shop.user("seller"))
    sku = shop.sku("LT-ZC-500")

    edited = client.post(
        f"/shop/manage/skus/{sku.pk}/edit/",
        {"label_zh": "500 克茶砖", "price_fen": "52.00", "active": "on"},
    )
    stocked = client.post(
        f"/shop/manage/skus/{sku.pk}/stock/", {"action": "remove", "quantity": "5"}
    )
    too_many = client.post(
        f"/shop/manage/skus/{sku.pk}/stock/", {"action": "remove", "quantity": "500"}
    )

    assert edited.status_code == stocked.status_code == 302
    sku.refresh_from_db()
    assert (sku.label_zh, sku.price_fen, sku.stock) == ("500 克茶砖", 5200, 75)
    assert too_many.context["form"].errors == {
        "quantity": ["Not enough stock: removing 500 would leave less than zero."]
    }


def test_status_buttons_publish_and_withdraw(shop, client_as):
    client = client_as(shop.user("seller"))
    product = shop.product("藏茶")
    url = f"/shop/manage/products/{product.pk}/status/"

    manage = client.get(f"/shop/manage/products/{product.pk}/").content.decode()
    assert "Change to: Draft" in manage
    assert "Change to: Suspended" not in manage  # moderation is the centre's

    client.post(url, {"status": "draft"})
    assert Product.objects.get(pk=product.pk).status == "draft"
    client.post(url, {"status": "active"})
    assert Product.objects.get(pk=product.pk).status == "active"
    assert client.post(url, {"status": "suspended"}).status_code == 403


def test_photo_upload_through_the_page(shop, client_as, media_root):
    product = shop.product("牦牛肉干")
    client = client_as(shop.user("coop_manager"))
    url = f"/shop/manage/products/{product.pk}/photos/create/"

    response = client.post(url, {"image": jpeg(2000, 1000)})
    not_a_photo = io.BytesIO(b"not a photo")
    not_a_photo.name = "photo.jpg"
    refused = client.post(url, {"image": not_a_photo}, follow=True)

    assert response.status_code == 302
    photo = ProductPhoto.objects.get(product=product)
    assert (photo.thumbnail_width, photo.thumbnail_height) == (480, 240)
    assert "This file is not a photo. Send a JPEG, PNG or WebP image." in (refused.content.decode())
    assert ProductPhoto.objects.filter(product=product).count() == 1


def test_photo_remove_through_the_page(
    shop, client_as, media_root, django_capture_on_commit_callbacks
):
    product = shop.product("牦牛肉干")
    photo = services.add_photo(product, jpeg(), actor=shop.user("operator"))
    files = [media_root / photo.image.name, media_root / photo.thumbnail.name]
    assert all(path.exists() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(shop.user("coop_manager")).post(
            f"/shop/manage/photos/{photo.pk}/remove/"
        )

    assert response.status_code == 302
    assert not ProductPhoto.objects.filter(pk=photo.pk).exists()
    assert not any(path.exists() for path in files)
    assert AuditRecord.objects.filter(action="catalog.photo.removed").count() == 1
