"""The gateway's notification URL: verified first, handled once per notify_id, the rest counted."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from highland.core.models import IdempotencyRecord
from highland.ledger.models import Entry
from highland.payments import notifications
from highland.payments.gateway import parse_notification, signed
from highland.payments.models import GatewayNotification, Payment, PaymentStatus
from highland.testing import OrderFactory, run_concurrently

NOTIFY_PATH = "/api/v1/payments/gateway/notify"
MERCHANT, SECRET = "highland-test", "test-secret-0123456789"
RACERS = 4


@pytest.fixture(autouse=True)
def gateway_settings():
    with override_settings(PAYMENT_GATEWAY_MERCHANT=MERCHANT, PAYMENT_GATEWAY_SECRET=SECRET):
        yield


@pytest.fixture(autouse=True)
def fresh_counter():
    """The counter lives in the cache, which outlives each test's database."""
    notifications.reset_unverified_count(timezone.localdate())


@pytest.fixture
def payment(demo) -> Payment:
    result = OrderFactory(demo).place(method="gateway")
    return result.payment


def paid(payment: Payment, **changes: Any) -> dict[str, Any]:
    """A `charge.succeeded` notification as the gateway signs it: a fresh nonce each time."""
    params: dict[str, Any] = {
        "event": "charge.succeeded",
        "notify_id": "N0123456789abcdef0123456789abcdef",
        "out_trade_no": payment.out_trade_no,
        "gateway_trade_no": "G2026120300000001",
        "amount_fen": payment.amount_fen,
        "paid_at": "2026-12-03T10:00:00+08:00",
        **changes,
    }
    return signed(params, merchant_id=MERCHANT, secret=SECRET)


def deliver(body: dict[str, Any] | str | bytes):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        NOTIFY_PATH, data=data, content_type="application/json"
    )


def state() -> tuple[Any, ...]:
    return (
        list(Payment.objects.values_list("pk", "status", "gateway_trade_no")),
        GatewayNotification.objects.count(),
        IdempotencyRecord.objects.count(),
        Entry.objects.count(),
    )


@pytest.mark.parametrize(
    ("make_body", "reason", "answer"),
    [
        (lambda payment: paid(payment) | {"amount_fen": 1}, "bad_signature", b"bad signature"),
        (
            lambda payment: {k: v for k, v in paid(payment).items() if k != "sign"},
            "bad_signature",
            b"bad signature",
        ),
        (lambda payment: "not json at all", "malformed", b"malformed notification"),
        (lambda payment: "[1, 2, 3]", "malformed", b"malformed notification"),
    ],
    ids=["forged_amount", "unsigned", "not_json", "not_an_object"],
)
def test_an_unverified_notification_is_counted_and_logged_never_stored(
    payment, caplog, make_body, reason, answer
):
    before = state()

    with caplog.at_level(logging.WARNING, logger="highland.payments.notifications"):
        response = deliver(make_body(payment))

    assert response.status_code == 400
    assert response.content == answer
    assert state() == before
    assert notifications.unverified_count(timezone.localdate()) == 1
    assert [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "highland.payments.notifications"
    ] == [("WARNING", f"Unverified gateway notification refused ({reason}) from 127.0.0.1")]


def test_many_unverified_notifications_only_raise_the_days_count(payment):
    for _ in range(25):
        assert deliver({"event": "charge.succeeded", "sign": "0" * 64}).status_code == 400

    assert GatewayNotification.objects.count() == 0
    assert notifications.unverified_count(timezone.localdate()) == 25
    assert notifications.unverified_count(timezone.localdate() - dt.timedelta(days=1)) == 0


def test_the_admin_shows_the_unverified_count(payment, client_as, demo):
    for _ in range(3):
        deliver({"event": "charge.succeeded", "sign": "0" * 64})
    admin = client_as(demo.user("admin"))

    page = admin.get("/admin/payments/gatewaynotification/")

    assert page.status_code == 200
    assert [str(message) for message in page.context["messages"]] == [
        "Unverified notifications refused (not stored): 3 today, 0 yesterday."
    ]


def test_a_notification_delivered_again_is_answered_from_its_record(payment):
    answers = [deliver(paid(payment)) for _ in range(3)]

    assert [(answer.status_code, answer.content) for answer in answers] == [(200, b"success")] * 3
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    assert Entry.objects.filter(kind="payments.payment.received").count() == 1
    stored = GatewayNotification.objects.get()
    assert (stored.notify_id, stored.outcome, stored.payment_id, stored.signature_valid) == (
        "N0123456789abcdef0123456789abcdef",
        "paid",
        payment.pk,
        True,
    )
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.caller, record.key, record.status_code, record.body) == (
        "payments.gateway.notification",
        f"gateway:{MERCHANT}",
        "N0123456789abcdef0123456789abcdef",
        200,
        {"text": "success"},
    )


def test_the_same_notify_id_with_other_facts_is_a_409(payment):
    assert deliver(paid(payment)).status_code == 200
    paid_state = list(Payment.objects.values_list("pk", "status", "gateway_trade_no"))
    entries = Entry.objects.count()

    response = deliver(paid(payment, gateway_trade_no="G2026120399999999"))

    assert response.status_code == 409
    assert response.content == (
        b"This Idempotency-Key was already used for a different request; "
        b"use a new key for a new request."
    )
    assert list(Payment.objects.values_list("pk", "status", "gateway_trade_no")) == paid_state
    assert Entry.objects.count() == entries
    # Signed, so kept for an operator to see.
    assert list(GatewayNotification.objects.values_list("outcome", flat=True)) == [
        "idempotency_key_reused",
        "paid",
    ]
    assert IdempotencyRecord.objects.count() == 1


def test_a_refused_notification_is_kept_but_its_answer_is_not(payment):
    # given a verified notification for the wrong amount
    wrong = paid(payment, amount_fen=payment.amount_fen - 1)

    # when the gateway delivers it twice
    first, second = deliver(wrong), deliver(wrong)

    # then each delivery is refused afresh and shown to an operator; nothing is paid
    assert [(first.status_code, first.content), (second.status_code, second.content)] == [
        (422, b"The paid amount does not match the payment.")
    ] * 2
    assert (
        list(GatewayNotification.objects.values_list("outcome", "payment_id"))
        == [("amount_mismatch", payment.pk)] * 2
    )
    assert IdempotencyRecord.objects.count() == 0
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    # and the right notification under the same id is then handled
    assert deliver(paid(payment)).status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID


def test_a_signed_notification_for_an_unknown_payment_is_kept_and_refused(payment):
    response = deliver(paid(payment, out_trade_no="P-NOT-OURS"))

    assert (response.status_code, response.content) == (422, b"unknown payment")
    assert list(GatewayNotification.objects.values_list("outcome", "payment_id")) == [
        ("unknown_payment", None)
    ]
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_twin_deliveries_at_once_pay_once(payment):
    """Real threads: on PostgreSQL the second INSERT of the claim waits for the first
    delivery's commit, then answers from its record; SQLite serialises them."""
    body = json.dumps(paid(payment)).encode()
    notification = parse_notification(body, SECRET)

    def receive() -> notifications.Answer:
        with transaction.atomic():
            answer = notifications.receive_notification(notification, body)
            # Hold the transaction open so the twins arrive before it commits.
            time.sleep(0.3)
        return answer

    answers = run_concurrently(receive, RACERS)

    assert [answer for answer in answers if isinstance(answer, BaseException)] == []
    assert answers == [notifications.Answer(200, "success")] * RACERS
    assert Entry.objects.filter(kind="payments.payment.received").count() == 1
    assert list(GatewayNotification.objects.values_list("outcome", flat=True)) == ["paid"]
    assert IdempotencyRecord.objects.count() == 1
