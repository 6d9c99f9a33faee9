"""The gateway adapter never signs or verifies with an empty merchant secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client, override_settings

from highland.ledger.models import Entry
from highland.orders import services
from highland.orders.services import CheckoutLine
from highland.orders.tests.conftest import shop  # noqa: F401 - a fixture
from highland.payments.gateway import GatewayClient, canonical_string, sign, verify_signature
from highland.payments.models import Payment, PaymentStatus

NOTIFY_PATH = "/api/v1/payments/gateway/notify"


def signed_with_the_empty_key(params: dict[str, object]) -> dict[str, object]:
    """What a forger sends when the server's secret is empty: HMAC under b""."""
    message = canonical_string(params).encode()
    return {**params, "sign": hmac.new(b"", message, hashlib.sha256).hexdigest()}


def test_verify_refuses_a_signature_under_the_empty_key():
    params = signed_with_the_empty_key({"event": "charge.succeeded", "amount_fen": 100})

    assert verify_signature(params, "") is False


def test_verify_still_accepts_a_signature_under_a_real_key():
    params = {"event": "charge.succeeded", "amount_fen": 100}
    params["sign"] = sign(params, "a-real-secret")

    assert verify_signature(params, "a-real-secret") is True


def test_sign_refuses_the_empty_key():
    with pytest.raises(ValueError, match="merchant secret is empty"):
        sign({"event": "charge.succeeded"}, "")


def test_client_refuses_the_empty_key():
    with pytest.raises(ValueError, match="merchant secret is empty"):
        GatewayClient("http://127.0.0.1:8765", "demo", "")


@override_settings(PAYMENT_GATEWAY_SECRET="", PAYMENT_GATEWAY_MERCHANT="demo")
def test_a_notification_signed_with_the_empty_key_is_refused(shop, chengdu_address):  # noqa: F811
    # given a checkout waiting for an online payment, on a server whose secret is empty
    buyer = shop.buyer()
    result = services.place_order(
        shop.demo.county,
        [CheckoutLine(shop.sku("LT-ZC-500").pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="gateway",
    )
    payment = result.payment
    forged = signed_with_the_empty_key(
        {
            "event": "charge.succeeded",
            "notify_id": "n-forged",
            "merchant_id": "demo",
            "out_trade_no": payment.out_trade_no,
            "gateway_trade_no": "G-FORGED",
            "amount_fen": payment.amount_fen,
            "paid_at": "2026-01-01T00:00:00+00:00",
            "timestamp": int(time.time()),
            "nonce": "0" * 32,
            "sign_type": "HMAC-SHA256",
        }
    )

    # when anyone posts it to the notification URL
    response = Client().post(NOTIFY_PATH, data=json.dumps(forged), content_type="application/json")

    # then it is refused and nothing is paid
    assert response.status_code == 400
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert not Entry.objects.filter(kind="payments.payment.received").exists()
