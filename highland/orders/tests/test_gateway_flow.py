"""Paying online end to end: our API, the gateway sandbox over HTTP, its signed notifications
to our live server, replays, forgeries, and a refund through the gateway."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from highland.ledger.models import Entry
from highland.orders import services
from highland.orders.models import OrderStatus
from highland.orders.services import CheckoutLine
from highland.payments.gateway import sign
from highland.payments.models import GatewayNotification, Payment, PaymentStatus
from highland.payments.tests.conftest import GATEWAY_MERCHANTS
from highland.testing import wait_until

NOTIFY_PATH = "/api/v1/payments/gateway/notify"


@pytest.mark.django_db(transaction=True)
def test_pay_online_then_replays_and_forgeries(
    shop, chengdu_address, gateway_settings, gateway_pay
):
    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 2)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="gateway",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(buyer)

    # The buyer is sent to the gateway's pay page, and pays there.
    started = client.post(f"/api/v1/payments/{result.payment.pk}/pay-online")
    assert started.status_code == 200, started.content
    pay_url = started.json()["pay_url"]
    gateway_trade_no = pay_url.rstrip("/").rsplit("/", 1)[-1]
    gateway_pay(gateway_trade_no)

    # The gateway's notification reaches our live server and pays the order.
    assert wait_until(
        lambda: Payment.objects.get(pk=result.payment.pk).status == PaymentStatus.PAID
    )
    assert Payment.objects.get(pk=result.payment.pk).gateway_trade_no == gateway_trade_no
    assert result.orders[0].__class__.objects.get(pk=result.orders[0].pk).status == OrderStatus.PAID
    delivered = GatewayNotification.objects.get(outcome="paid")

    # The same notification ten more times pays once.
    for _ in range(10):
        replay = Client().post(NOTIFY_PATH, data=delivered.body, content_type="application/json")
        assert replay.status_code == 200
        assert replay.content == b"success"
    assert Entry.objects.filter(kind="payments.payment.received").count() == 1
    assert Entry.objects.filter(kind="orders.payment.allocated").count() == 1
    # Answered from the notification's idempotency record: kept once.
    assert list(GatewayNotification.objects.values_list("outcome", flat=True)) == ["paid"]

    # A forged amount breaks the signature: refused, nothing changes.
    forged = json.loads(delivered.body) | {"amount_fen": 1}
    response = Client().post(NOTIFY_PATH, data=json.dumps(forged), content_type="application/json")
    assert response.status_code == 400
    assert response.content == b"bad signature"
    assert GatewayNotification.objects.count() == 1

    # A correctly signed notification for a payment we never made is refused.
    unknown = json.loads(delivered.body) | {"out_trade_no": "P-NOT-OURS", "notify_id": "n-unknown"}
    unknown["sign"] = sign(unknown, GATEWAY_MERCHANTS["demo"])
    response = Client().post(NOTIFY_PATH, data=json.dumps(unknown), content_type="application/json")
    assert response.status_code == 422
    assert Entry.objects.filter(kind="payments.payment.received").count() == 1

    # Cancelling refunds through the gateway.
    services.cancel_order(result.orders[0], actor=buyer, reason="changed my mind")
    payment = Payment.objects.get(pk=result.payment.pk)
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_fen == payment.amount_fen


@pytest.mark.django_db(transaction=True)
def test_lost_notification_is_reconciled_by_query(
    shop, chengdu_address, gateway_sandbox, gateway_pay
):
    import datetime as dt

    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="gateway",
    )
    # Our public address is wrong (nothing listens there), so every notification is lost.
    with override_settings(
        PAYMENT_GATEWAY_URL=gateway_sandbox.url,
        PAYMENT_GATEWAY_MERCHANT="demo",
        PAYMENT_GATEWAY_SECRET=GATEWAY_MERCHANTS["demo"],
        PUBLIC_BASE_URL="http://127.0.0.1:9",
    ):
        client = Client()
        client.force_login(buyer)
        pay_url = client.post(f"/api/v1/payments/{result.payment.pk}/pay-online").json()["pay_url"]
        gateway_pay(pay_url.rstrip("/").rsplit("/", 1)[-1])
        assert Payment.objects.get(pk=result.payment.pk).status == PaymentStatus.PENDING

        settled = services.reconcile_gateway_payments(older_than=dt.timedelta(0))

    assert settled == 1
    assert Payment.objects.get(pk=result.payment.pk).status == PaymentStatus.PAID
    assert services.reconcile_gateway_payments(older_than=dt.timedelta(0)) == 0
