"""Sending through the SMS sandbox over HTTP: signed sends, delivery reports back to our
live server, the gateway going away and coming back, forged and replayed reports."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from highland.core.events import deliver_due_outbox
from highland.core.models import OutboxMessage, OutboxStatus
from highland.messaging import backends
from highland.messaging.models import TextMessage, TextMessageStatus
from highland.messaging.sandbox import SmsSandbox
from highland.messaging.sandbox.server import signature
from highland.messaging.services import client_reference, queue_text_message
from highland.messaging.tests.conftest import SMS_ACCOUNTS
from highland.testing import wait_until

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port


def _queue(demo: Any, phone: str, key: str) -> TextMessage:
    with transaction.atomic():
        return queue_text_message(
            demo.county,
            phone=phone,
            kind="messaging.test_notice",
            params={"number": 1, "count": 2},
            dedupe_key=key,
            actor=None,
            language="en",
        )


def _status(message: TextMessage) -> str:
    return TextMessage.objects.get(pk=message.pk).status


@pytest.mark.django_db(transaction=True)
def test_sent_through_the_sandbox_and_reported_delivered_or_failed(
    demo: Any, http_sms: SmsSandbox, live_server: Any, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url

    delivered = _queue(demo, "13912345678", "gw:1")
    switched_off = _queue(demo, "13912340000", "gw:2")

    assert wait_until(lambda: _status(delivered) == TextMessageStatus.DELIVERED)
    assert wait_until(lambda: _status(switched_off) == TextMessageStatus.FAILED)
    delivered.refresh_from_db()
    switched_off.refresh_from_db()
    inbox = http_sms.messages("13912345678")
    assert [(m["text"], m["client_reference"]) for m in inbox] == [
        ("Page 1 of 2", client_reference(delivered))
    ]
    assert delivered.provider_message_id == inbox[0]["message_id"]
    assert delivered.attempts == 1
    assert switched_off.last_error == "the phone is switched off"

    # The gateway replays the report: nothing changes, and it is acknowledged.
    before = (delivered.status, delivered.delivered_at)
    http_sms.report_again(str(delivered.provider_message_id))
    assert http_sms.wait_for_reports(timeout=5)
    delivered.refresh_from_db()
    assert (delivered.status, delivered.delivered_at) == before


@pytest.mark.django_db
def test_the_same_message_is_never_sent_twice(demo: Any, http_sms: SmsSandbox) -> None:
    message = _queue(demo, "13912345678", "gw:once")
    gateway = backends.configured_backend()
    outgoing = backends.OutgoingMessage(
        client_reference(message), message.phone, message.body, "http://127.0.0.1:9/r"
    )

    first = gateway.send(outgoing)
    again = gateway.send(outgoing)  # a retry after a lost answer

    assert again == first
    assert len(http_sms.messages("13912345678")) == 1


@pytest.mark.django_db
def test_a_wrong_secret_is_refused_and_retried(
    demo: Any, http_sms: SmsSandbox, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_GATEWAY_SECRET = "not-the-secret"
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(demo, "13912345678", "gw:secret")
    message.refresh_from_db()

    assert message.status == TextMessageStatus.QUEUED
    assert message.last_error == "SendFailed: the gateway failed: 401 bad_signature"
    assert http_sms.messages() == []


@pytest.mark.django_db
def test_sent_once_the_gateway_is_back(
    demo: Any, http_sms: SmsSandbox, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SMS_GATEWAY_URL = UNREACHABLE
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(demo, "13912345678", "gw:down")
    outbox = OutboxMessage.objects.get(subscriber="messaging.send_text")
    assert outbox.status == OutboxStatus.PENDING
    assert _status(message) == TextMessageStatus.QUEUED

    settings.SMS_GATEWAY_URL = http_sms.url
    assert deliver_due_outbox(now=timezone.now() + dt.timedelta(seconds=31)) == 1

    message.refresh_from_db()
    assert message.status == TextMessageStatus.SENT
    assert message.attempts == 2
    assert [m["client_reference"] for m in http_sms.messages()] == [client_reference(message)]


def _report(message: TextMessage, status: str, secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "message_id": "SM1",
            "client_reference": client_reference(message),
            "status": status,
            "error": "",
        }
    ).encode()
    timestamp = str(int(time.time()))
    return body, {
        "HTTP_X_SMS_ACCOUNT": "highland-demo",
        "HTTP_X_SMS_TIMESTAMP": timestamp,
        "HTTP_X_SMS_SIGNATURE": signature(secret, timestamp, body),
    }


@pytest.mark.django_db
def test_a_forged_report_changes_nothing(demo: Any, settings: Any) -> None:
    settings.SMS_GATEWAY_SECRET = SMS_ACCOUNTS["highland-demo"]
    message = _queue(demo, "13912345678", "gw:forged")
    body, headers = _report(message, "delivered", "a-guess")

    answer = Client().post(
        "/messaging/delivery-reports/", body, content_type="application/json", **headers
    )

    assert answer.status_code == 401
    assert _status(message) == TextMessageStatus.QUEUED


@pytest.mark.django_db
def test_a_stale_report_is_refused(demo: Any, settings: Any) -> None:
    settings.SMS_GATEWAY_SECRET = SMS_ACCOUNTS["highland-demo"]
    message = _queue(demo, "13912345678", "gw:stale")
    body = json.dumps({"client_reference": client_reference(message)}).encode()
    stale = str(int(time.time()) - 301)
    answer = Client().post(
        "/messaging/delivery-reports/",
        body,
        content_type="application/json",
        HTTP_X_SMS_ACCOUNT="highland-demo",
        HTTP_X_SMS_TIMESTAMP=stale,
        HTTP_X_SMS_SIGNATURE=signature(SMS_ACCOUNTS["highland-demo"], stale, body),
    )

    assert answer.status_code == 401
    assert _status(message) == TextMessageStatus.QUEUED


@pytest.mark.django_db
def test_a_report_once_final_is_not_undone(demo: Any, settings: Any) -> None:
    settings.SMS_GATEWAY_SECRET = SMS_ACCOUNTS["highland-demo"]
    message = _queue(demo, "13912345678", "gw:final")
    client = Client()
    body, headers = _report(message, "delivered", SMS_ACCOUNTS["highland-demo"])
    assert (
        client.post(
            "/messaging/delivery-reports/", body, content_type="application/json", **headers
        ).content
        == b"ok"
    )

    body, headers = _report(message, "failed", SMS_ACCOUNTS["highland-demo"])
    answer = client.post(
        "/messaging/delivery-reports/", body, content_type="application/json", **headers
    )

    assert answer.status_code == 200
    message.refresh_from_db()
    assert message.status == TextMessageStatus.DELIVERED
    assert message.provider_message_id == "SM1"


def test_the_sandbox_refuses_an_unsigned_send(sms_sandbox: SmsSandbox) -> None:
    request = urllib.request.Request(  # noqa: S310  (the sandbox's http URL)
        sms_sandbox.url + "/v1/messages",
        data=b'{"client_reference": "a", "phone": "13912345678", "text": "x"}',
        headers={"X-Sms-Account": "highland-demo", "X-Sms-Timestamp": str(int(time.time()))},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=5)

    assert refused.value.code == 401
    assert json.loads(refused.value.read())["code"] == "bad_signature"
    assert sms_sandbox.messages() == []
