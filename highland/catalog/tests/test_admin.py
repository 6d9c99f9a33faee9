"""The catalogue admin saves through the services: audited, refusals shown, nothing deleted."""

from __future__ import annotations

from highland.catalog.models import Category, Product, Sku
from highland.catalog.tests.test_services import catalog_state
from highland.core.models import AuditRecord


def test_adding_a_category_in_the_admin_goes_through_the_service(shop, client_as):
    response = client_as(shop.user("admin")).post(
        "/admin/catalog/category/add/",
        {
            "county": shop.county.pk,
            "code": "dairy-butter",
            "direction": "up",
            "name_zh": "酥油",
            "name_bo": "མར།",
            "name_en": "Butter",
            "commission_bp": "450",
            "parent": shop.category("meat-dairy").pk,
            "position": "0",
        },
    )

    assert response.status_code == 302, response.content
    category = Category.objects.get(code="dairy-butter")
    assert category.parent == shop.category("meat-dairy")
    assert AuditRecord.objects.filter(
        action="catalog.category.created", object_id=str(category.pk)
    ).exists()


def test_a_stock_typed_in_the_admin_is_an_audited_stocktake(shop, client_as):
    sku = shop.sku("LT-ZC-500")

    response = client_as(shop.user("admin")).post(
        f"/admin/catalog/sku/{sku.pk}/change/",
        {
            "label_zh": sku.label_zh,
            "label_bo": sku.label_bo,
            "label_en": sku.label_en,
            "price_fen": "5000",
            "stock": "66",
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content
    sku.refresh_from_db()
    assert (sku.price_fen, sku.stock) == (5000, 66)
    record = AuditRecord.objects.get(action="catalog.sku.stock_set", object_id=str(sku.pk))
    lots = record.changes.pop("lots")
    assert record.changes == {"from": 80, "to": 66, "counted": 66, "reserved": 0, "reason": "admin"}
    assert list(lots.values()) == [-14]  # out of the SKU's lot
    assert AuditRecord.objects.filter(action="catalog.sku.updated", object_id=str(sku.pk)).exists()


def test_a_refused_admin_save_changes_nothing(shop, client_as):
    sku = shop.sku("LT-ZC-500")
    before = catalog_state()

    response = client_as(shop.user("admin")).post(
        f"/admin/catalog/sku/{sku.pk}/change/",
        {"label_zh": sku.label_zh, "price_fen": "0", "stock": "1", "active": "on"},
    )

    assert response.status_code == 302  # back to the form, with the refusal as a message
    assert catalog_state() == before


def test_suspend_action_in_the_admin(shop, client_as):
    product = shop.product("藏茶")

    client_as(shop.user("admin")).post(
        "/admin/catalog/product/",
        {"action": "suspend_selected", "_selected_action": [product.pk]},
    )

    assert Product.objects.get(pk=product.pk).status == "suspended"


def test_nothing_is_deleted_in_the_admin(shop, client_as):
    client = client_as(shop.user("admin"))
    product = shop.product("藏茶")

    response = client.get(f"/admin/catalog/product/{product.pk}/delete/")

    assert response.status_code == 403
    assert Sku.objects.filter(product=product).exists()


def test_admin_pages_open(shop, client_as):
    client = client_as(shop.user("admin"))
    product = shop.product("牦牛肉干")

    for url in (
        "/admin/catalog/product/",
        f"/admin/catalog/product/{product.pk}/change/",
        "/admin/catalog/product/add/",
        "/admin/catalog/sku/",
        "/admin/catalog/seller/",
        f"/admin/catalog/seller/{shop.seller('herder').pk}/change/",
        "/admin/catalog/category/",
        "/admin/catalog/productphoto/",
    ):
        assert client.get(url).status_code == 200, url
