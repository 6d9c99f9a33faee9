"""Orders API: checkout with idempotency keys, order actions, the same permissions as services."""

from __future__ import annotations

import json

import pytest

from highland.core.models import AuditRecord
from highland.ledger.models import Entry
from highland.orders.models import Order
from highland.payments.models import Payment

ADDRESS = {
    "method": "address",
    "recipient_name": "陈静",
    "phone": "13800000013",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "detail": "洗面桥街 18 号",
}


def post(client, url, payload=None, **headers):
    return client.post(
        url, data=json.dumps(payload or {}), content_type="application/json", **headers
    )


def checkout(client, shop, lines, *, key="key-00000001", method="bank_transfer", delivery=None):
    return post(
        client,
        "/api/v1/orders/checkout",
        {
            "delivery": delivery or ADDRESS,
            "payment_method": method,
            "lines": [
                {"sku_id": shop.sku(code).pk, "quantity": quantity} for code, quantity in lines
            ],
        },
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_checkout_then_replay_with_the_same_key(shop, client_as):
    client = client_as(shop.buyer())

    first = checkout(client, shop, [("LT-YJ-100", 2), ("LT-SR-W", 500)])
    again = checkout(client, shop, [("LT-YJ-100", 2), ("LT-SR-W", 500)])

    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert again.json()["payment_id"] == first.json()["payment_id"]
    assert len(first.json()["orders"]) == 2
    assert Payment.objects.count() == 1
    assert Order.objects.count() == 2


def test_checkout_without_an_idempotency_key_is_refused(shop, client_as):
    response = post(
        client_as(shop.buyer()),
        "/api/v1/orders/checkout",
        {
            "delivery": ADDRESS,
            "payment_method": "bank_transfer",
            "lines": [{"sku_id": shop.sku("LT-YJ-100").pk, "quantity": 1}],
        },
    )

    assert response.status_code == 422
    assert "Idempotency-Key" in json.dumps(response.json()["errors"])
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("lines", "status", "field"),
    # Refused by the schema (core.schemas.Quantity), at the line that is wrong.
    [
        ([("LT-YJ-100", 0)], 422, "lines.0.quantity"),
        ([("LT-YJ-100", -1)], 422, "lines.0.quantity"),
    ],
)
def test_bad_quantities_are_422(shop, client_as, lines, status, field):
    response = checkout(client_as(shop.buyer()), shop, lines)

    assert response.status_code == status
    assert field in response.json()["errors"]
    assert Order.objects.count() == 0


def test_unknown_sku_is_404(shop, client_as):
    response = post(
        client_as(shop.buyer()),
        "/api/v1/orders/checkout",
        {
            "delivery": ADDRESS,
            "payment_method": "bank_transfer",
            "lines": [{"sku_id": 987654, "quantity": 1}],
        },
        HTTP_IDEMPOTENCY_KEY="key-00000002",
    )

    assert response.status_code == 404
    assert response.json()["errors"] == {"sku_id": ["Unknown product variant."]}


def test_bad_phone_is_422(shop, client_as):
    response = checkout(
        client_as(shop.buyer()), shop, [("LT-YJ-100", 1)], delivery={**ADDRESS, "phone": "12345"}
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["phone"]
    assert AuditRecord.objects.filter(action="orders.checkout.placed").count() == 0


def test_cart_checkout_empties_the_cart(shop, client_as):
    client = client_as(shop.buyer())
    post(client, "/api/v1/orders/cart/lines", {"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 2})
    post(client, "/api/v1/orders/cart/lines", {"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 1})
    assert client.get("/api/v1/orders/cart").json() == {
        "lines": [{"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 3}]
    }

    response = post(
        client,
        "/api/v1/orders/checkout",
        {"delivery": ADDRESS, "payment_method": "gateway"},
        HTTP_IDEMPOTENCY_KEY="cart-000001",
    )

    assert response.status_code == 201, response.content
    assert response.json()["orders"][0]["lines"][0]["quantity"] == 3
    assert client.get("/api/v1/orders/cart").json() == {"lines": []}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_county", 404),
        ("stranger_same_county", 404),
        ("buyer", 200),
        ("seller", 200),
        ("operator", 200),
    ],
)
def test_order_detail_permission_matrix(shop, other_county, client_as, who, status):
    checkout(client_as(shop.buyer()), shop, [("LT-ZC-500", 1)])
    order = Order.objects.get()
    user = {
        "anonymous": None,
        "other_county": other_county.operator,
        "stranger_same_county": shop.demo.user("driver"),
        "buyer": shop.buyer(),
        "seller": shop.demo.user("seller"),
        "operator": shop.demo.user("operator"),
    }[who]

    response = client_as(user).get(f"/api/v1/orders/{order.pk}")

    # Missing and not-yours look the same: 404, for strangers and other counties alike.
    assert response.status_code == status


def test_cancel_through_the_api_refunds_and_posts(shop, client_as):
    client = client_as(shop.buyer())
    checkout(client, shop, [("LT-ZC-500", 1)])
    payment = Payment.objects.get()
    confirm = post(
        client_as(shop.demo.user("operator")),
        f"/api/v1/orders/payments/{payment.pk}/confirm-transfer",
        {"bank_reference": "ICBC-77"},
    )
    assert confirm.status_code == 200, confirm.content
    order = Order.objects.get()

    response = post(client, f"/api/v1/orders/{order.pk}/cancel", {"reason": "不要了"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Entry.objects.filter(kind="payments.refund.requested").count() == 1
    assert Entry.objects.filter(kind="payments.refund.paid").count() == 0

    # The centre finds the transfer to send back, sends it and says so.
    refund = payment.refunds.get()
    operator = client_as(shop.demo.user("operator"))
    listed = operator.get("/api/v1/payments/refunds/to-pay-back")
    assert [(r["id"], r["status"], r["method"]) for r in listed.json()] == [
        (refund.pk, "requested", "bank_transfer")
    ]
    assert client.get("/api/v1/payments/refunds/to-pay-back").status_code == 403
    paid = post(
        operator,
        f"/api/v1/payments/refunds/{refund.pk}/paid",
        {"reference": "ICBC-78"},
    )
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "paid"
    assert Entry.objects.filter(kind="payments.refund.paid").count() == 1
    assert operator.get("/api/v1/payments/refunds/to-pay-back").json() == []


def test_wrong_role_cannot_confirm_a_transfer(shop, client_as):
    checkout(client_as(shop.buyer()), shop, [("LT-ZC-500", 1)])
    payment = Payment.objects.get()

    response = post(
        client_as(shop.buyer()),
        f"/api/v1/orders/payments/{payment.pk}/confirm-transfer",
        {"bank_reference": "fake"},
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_seller_ships_through_the_api(shop, client_as):
    checkout(client_as(shop.buyer()), shop, [("LT-ZC-500", 1)])
    payment = Payment.objects.get()
    post(
        client_as(shop.demo.user("operator")),
        f"/api/v1/orders/payments/{payment.pk}/confirm-transfer",
        {"bank_reference": "ICBC-78"},
    )
    order, seller = Order.objects.get(), client_as(shop.demo.user("seller"))

    assert post(seller, f"/api/v1/orders/{order.pk}/pack", {"packed_grams": {}}).status_code == 200
    response = post(
        seller,
        f"/api/v1/orders/{order.pk}/ship",
        {"carrier": "sf", "tracking_number": "SF1234567890"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "shipped"
    assert response.json()["carrier"] == "sf"
    assert response.json()["tracking_number"] == "SF1234567890"
    assert post(seller, f"/api/v1/orders/{order.pk}/teleport").status_code == 404


def test_fixed_paths_are_routed_before_the_order_id_paths_that_would_match_them():
    from highland.orders.api import router

    paths = list(router.path_operations)

    assert paths.index("/group-buys") < paths.index("/{order_id}")
    assert paths.index("/aftersales/{aftersale_id}") < paths.index("/{order_id}/{step}")
    assert paths[-1] == "/{order_id}/{step}"
