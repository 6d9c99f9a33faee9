"""Stock lots on the pages and in the API (ADR 0010): the seller's lots page and receiving
form, the lot choice on the packing page, GET/POST /catalog/skus/{id}/lots with its
Idempotency-Key, and the pack endpoint's optional lot choices."""

from __future__ import annotations

import json

from highland.catalog.models import Sku, StockLot
from highland.orders.models import LineLotAllocation, Order, OrderStatus
from highland.orders.stock_invariants import verify_stock
from highland.testing import OrderFactory

TEA = "LT-ZC-500"
API = "/api/v1"


def tea() -> Sku:
    return Sku.objects.get(code=TEA)


def post_json(client, url, payload, **headers):
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


# --- the seller's lots page ---------------------------------------------------------------------


def test_the_seller_sees_the_lots_and_receives_a_new_one(demo, client_as):
    client = client_as(demo.user("seller"))
    url = f"/shop/manage/skus/{tea().pk}/lots/"

    page = client.get(url)
    assert page.status_code == 200
    assert StockLot.objects.get(sku=tea()).code in page.content.decode()
    key = page.context["form"].initial["idempotency_key"]

    form = {"quantity": "12", "best_before": "2099-01-31", "code": "", "idempotency_key": key}
    received = client.post(url, form)
    again = client.post(url, form)  # a second tap on a slow connection

    assert received.status_code == again.status_code == 302
    lot = StockLot.objects.filter(sku=tea()).order_by("pk").last()
    assert (lot.on_hand, str(lot.best_before)) == (12, "2099-01-31")
    assert StockLot.objects.filter(sku=tea()).count() == 2
    assert tea().stock == 92
    assert lot.code in client.get(url).content.decode()


def test_a_bad_best_before_date_is_shown_on_the_form_and_nothing_saved(demo, client_as):
    client = client_as(demo.user("seller"))
    url = f"/shop/manage/skus/{tea().pk}/lots/"

    response = client.post(
        url, {"quantity": "5", "best_before": "2000-01-01", "idempotency_key": "k" * 16}
    )

    assert response.status_code == 200
    assert "cannot be before the day the lot is received" in response.content.decode()
    assert StockLot.objects.filter(sku=tea()).count() == 1


def test_the_lots_page_is_only_for_the_seller(demo, client_as):
    response = client_as(demo.user("buyer")).get(f"/shop/manage/skus/{tea().pk}/lots/")
    assert response.status_code in (403, 404)


# --- packing page -------------------------------------------------------------------------------


def test_the_packer_chooses_a_lot_on_the_packing_page(demo, client_as):
    client = client_as(demo.user("seller"))
    client.post(
        f"/shop/manage/skus/{tea().pk}/lots/",
        {"quantity": "4", "code": "CHOSEN-1", "idempotency_key": "choose-lot-1"},
    )
    named = StockLot.objects.get(code="CHOSEN-1")
    order = OrderFactory(demo).paid([(TEA, 3)])
    line = order.lines.get()

    page = client.get("/orders/to-pack/").content.decode()
    assert f'name="lot_{line.pk}"' in page
    assert f'value="{named.pk}"' in page

    client.post(
        f"/orders/{order.pk}/pack/", {"next": "/orders/to-pack/", f"lot_{line.pk}": named.pk}
    )

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PACKED
    assert LineLotAllocation.objects.get(line=line).lot == named
    assert verify_stock(demo.county) == []


def test_the_packing_page_refuses_a_lot_of_another_sku(demo, client_as):
    client = client_as(demo.user("seller"))
    order = OrderFactory(demo).paid([(TEA, 1)])
    line = order.lines.get()
    other = StockLot.objects.filter(sku__code="LT-SR-W").first()

    client.post(f"/orders/{order.pk}/pack/", {f"lot_{line.pk}": other.pk})

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not LineLotAllocation.objects.exists()


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_and_receives_lots_once_per_key(demo, client_as):
    client = client_as(demo.user("seller"))
    url = f"{API}/catalog/skus/{tea().pk}/lots"
    payload = {"quantity": 6, "best_before": "2099-06-30"}

    first = post_json(client, url, payload, HTTP_IDEMPOTENCY_KEY="receive-tea-0001")
    replay = post_json(client, url, payload, HTTP_IDEMPOTENCY_KEY="receive-tea-0001")
    reused = post_json(client, url, {"quantity": 7}, HTTP_IDEMPOTENCY_KEY="receive-tea-0001")
    missing = post_json(client, url, payload)

    assert (first.status_code, replay.status_code) == (201, 200)
    assert first.json() == replay.json()
    assert reused.status_code == 409
    assert missing.status_code == 422
    listed = client.get(url).json()
    assert [lot["on_hand"] for lot in listed] == [6, 80]  # first expiry first
    assert listed[0]["best_before"] == "2099-06-30"
    assert tea().stock == 86


def test_another_users_lots_are_not_found_or_refused(demo, client_as):
    client = client_as(demo.user("buyer"))
    url = f"{API}/catalog/skus/{tea().pk}/lots"

    listed = client.get(url)
    received = post_json(client, url, {"quantity": 1}, HTTP_IDEMPOTENCY_KEY="buyer-try-0001")

    assert listed.status_code in (403, 404)
    assert received.status_code in (403, 404)
    assert StockLot.objects.filter(sku=tea()).count() == 1


def test_the_pack_endpoint_takes_lot_choices(demo, client_as):
    client = client_as(demo.user("seller"))
    lot = post_json(
        client,
        f"{API}/catalog/skus/{tea().pk}/lots",
        {"quantity": 2},
        HTTP_IDEMPOTENCY_KEY="receive-tea-0002",
    ).json()
    order = OrderFactory(demo).paid([(TEA, 2)])
    line = order.lines.get()

    packed = post_json(client, f"{API}/orders/{order.pk}/pack", {"lots": {str(line.pk): lot["id"]}})
    assert packed.status_code == 200
    assert LineLotAllocation.objects.get(line=line).lot_id == lot["id"]

    second = OrderFactory(demo).paid([(TEA, 2)])
    refused = post_json(
        client,
        f"{API}/orders/{second.pk}/pack",
        {"lots": {str(second.lines.get().pk): lot["id"]}},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "lot_short"


def test_lots_and_allocations_are_read_only_in_the_admin(demo, client_as):
    admin = client_as(demo.user("admin"))
    OrderFactory(demo).delivered([(TEA, 1)])
    allocation = LineLotAllocation.objects.get()

    assert admin.get("/admin/catalog/stocklot/").status_code == 200
    assert admin.get("/admin/orders/linelotallocation/").status_code == 200
    assert admin.get("/admin/catalog/stocklot/add/").status_code == 403
    assert admin.get("/admin/orders/linelotallocation/add/").status_code == 403
    page = admin.get(f"/admin/orders/linelotallocation/{allocation.pk}/change/")
    assert page.status_code == 200
    assert b'name="quantity"' not in page.content  # shown, not editable
