"""Checkout keys: bound to the caller and to the request, replayed only after permission."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.db import transaction

from highland.catalog.models import Sku
from highland.core.idempotency import IdempotentRequest
from highland.core.models import AuditRecord, IdempotencyRecord, Membership, Role
from highland.orders import services
from highland.orders.models import Order
from highland.orders.services import CheckoutLine
from highland.payments.models import Payment
from highland.testing import run_concurrently

ADDRESS = {
    "method": "address",
    "recipient_name": "陈静",
    "phone": "13800000013",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "detail": "洗面桥街 18 号",
}


def state() -> tuple[Any, ...]:
    """What a checkout could change, to assert a refusal changed nothing."""
    return (
        sorted(Sku.objects.values_list("code", "stock")),
        sorted(Order.objects.values_list("pk", "status")),
        sorted(Payment.objects.values_list("pk", "amount_fen")),
        AuditRecord.objects.count(),
        sorted(IdempotencyRecord.objects.values_list("scope", "caller", "key", "fingerprint")),
    )


def checkout(client, body: dict[str, Any], key: str):
    return client.post(
        "/api/v1/orders/checkout",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def buy(shop, *lines: tuple[str, int]) -> dict[str, Any]:
    return {
        "delivery": ADDRESS,
        "payment_method": "bank_transfer",
        "lines": [{"sku_id": shop.sku(code).pk, "quantity": quantity} for code, quantity in lines],
    }


def test_the_same_request_again_returns_the_first_result(shop, client_as):
    client = client_as(shop.buyer())
    first = checkout(client, buy(shop, ("LT-YJ-100", 2)), "checkout-0001")
    before = state()

    again = checkout(client, buy(shop, ("LT-YJ-100", 2)), "checkout-0001")

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again.json() == first.json() | {"created": False}
    assert state() == before
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.caller, record.key) == (
        "orders.checkout",
        f"user:{shop.buyer().pk}",
        "checkout-0001",
    )
    assert (record.object_type, record.object_id) == (
        "payments.payment",
        str(first.json()["payment_id"]),
    )


def test_the_same_key_for_a_different_request_is_a_409(shop, client_as):
    client = client_as(shop.buyer())
    first = checkout(client, buy(shop, ("LT-YJ-100", 1)), "checkout-0002")
    before = state()

    other = checkout(client, buy(shop, ("LT-YJ-100", 2)), "checkout-0002")

    assert first.status_code == 201, first.content
    assert other.status_code == 409
    assert other.json() == {
        "code": "idempotency_key_reused",
        "detail": "This Idempotency-Key was already used for a different request; "
        "use a new key for a new request.",
        "errors": {
            "Idempotency-Key": [
                "This Idempotency-Key was already used for a different request; "
                "use a new key for a new request."
            ]
        },
    }
    assert state() == before


def test_a_replay_after_the_caller_lost_permission_is_refused(shop, client_as):
    # given an agent placed an order for a villager
    agent, villager = shop.demo.user("agent"), shop.demo.user("member")
    client = client_as(agent)
    body = {
        "delivery": {
            "method": "pickup",
            "recipient_name": "格桑",
            "pickup_point_id": shop.demo.point("LT-S01").pk,
        },
        "payment_method": "cash_at_point",
        "lines": [{"sku_id": shop.sku("LT-YJ-100").pk, "quantity": 1}],
        "buyer_id": villager.pk,
    }
    first = checkout(client, body, "assisted-0001")
    assert first.status_code == 201, first.content
    # when the agent's role ends (they stay in the county as a buyer) and the same request
    # comes again
    Membership.objects.create(county=shop.demo.county, user=agent, role=Role.BUYER)
    Membership.objects.filter(user=agent, role=Role.STATION_AGENT).update(active=False)
    before = state()

    again = checkout(client_as(agent), body, "assisted-0001")

    # then the first result is not handed out
    assert again.status_code == 403
    assert again.json()["code"] == "permission_denied"
    assert "payment_id" not in again.json()
    assert state() == before


def test_another_callers_same_key_is_independent(shop, client_as):
    other_buyer = shop.new_buyer("tenzin")
    mine = checkout(client_as(shop.buyer()), buy(shop, ("LT-YJ-100", 1)), "checkout-0003")

    theirs = checkout(client_as(other_buyer), buy(shop, ("LT-YJ-100", 1)), "checkout-0003")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["payment_id"] != mine.json()["payment_id"]
    assert Payment.objects.get(pk=theirs.json()["payment_id"]).payer == other_buyer
    assert sorted(IdempotencyRecord.objects.values_list("caller", flat=True)) == sorted(
        [f"user:{shop.buyer().pk}", f"user:{other_buyer.pk}"]
    )


@pytest.mark.parametrize(
    "key",
    ["short", "k" * 81, "key with spaces", "ключ-ключ-ключ", "key/with/slash", "key\u00a0nbsp1"],
)
def test_a_bad_key_is_a_422(shop, client_as, key):
    before = state()

    response = checkout(client_as(shop.buyer()), buy(shop, ("LT-YJ-100", 1)), key)

    assert response.status_code == 422
    message = (
        "An Idempotency-Key has 8 to 80 characters: letters, digits, hyphens, "
        "underscores, dots or colons."
    )
    assert response.json() == {
        "code": "bad_idempotency_key",
        "detail": message,
        "errors": {"Idempotency-Key": [message]},
    }
    assert state() == before


def test_a_refused_checkout_does_not_block_its_corrected_retry(shop, client_as):
    client = client_as(shop.buyer())
    wrong = buy(shop, ("LT-YJ-100", 1)) | {"delivery": ADDRESS | {"phone": "12345"}}
    refused = checkout(client, wrong, "checkout-0004")
    assert refused.status_code == 422
    assert IdempotencyRecord.objects.count() == 0

    corrected = checkout(client, buy(shop, ("LT-YJ-100", 1)), "checkout-0004")

    assert corrected.status_code == 201, corrected.content
    assert Payment.objects.count() == 1


def test_a_cart_checkout_replayed_after_the_cart_emptied_returns_the_first_result(shop, client_as):
    client = client_as(shop.buyer())
    client.post(
        "/api/v1/orders/cart/lines",
        data=json.dumps({"sku_id": shop.sku("LT-ZC-500").pk, "quantity": 2}),
        content_type="application/json",
    )
    body = {"delivery": ADDRESS, "payment_method": "bank_transfer"}
    first = checkout(client, body, "cart-checkout-01")
    assert client.get("/api/v1/orders/cart").json() == {"lines": []}

    again = checkout(client, body, "cart-checkout-01")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["payment_id"] == first.json()["payment_id"]
    assert Payment.objects.count() == 1


RACERS = 4


@pytest.mark.django_db(transaction=True)
def test_racing_identical_checkouts_place_one_order(shop, chengdu_address):
    """Real threads: on PostgreSQL the twins' INSERTs wait on the first claim's unique key;
    on SQLite they wait for the write lock and then find the record (a replay)."""
    buyer = shop.buyer()
    sku = shop.sku("LT-YJ-100")
    lines = [CheckoutLine(sku.pk, 1)]
    request = IdempotentRequest.of("race-key-0001", {"lines": lines})

    def place() -> tuple[int, bool]:
        with transaction.atomic():
            result = services.place_order(
                shop.demo.county,
                lines,
                buyer=buyer,
                actor=buyer,
                delivery=chengdu_address,
                payment_method="bank_transfer",
                idempotent_request=request,
            )
            # Hold the transaction open so the twins arrive before it commits.
            time.sleep(0.3)
        return result.payment.pk, result.created

    results = run_concurrently(place, RACERS)

    assert [result for result in results if isinstance(result, BaseException)] == []
    assert len({payment_id for payment_id, _created in results}) == 1
    assert sorted(created for _payment_id, created in results) == [False, False, False, True]
    assert Payment.objects.count() == 1
    assert Order.objects.count() == 1
    assert shop.sku("LT-YJ-100").stock == sku.stock - 1
    assert IdempotencyRecord.objects.count() == 1
