"""The SMS sandbox on its own: idempotent sends, conflicts, its inbox, loopback only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from highland.messaging.backends import HttpGatewayBackend, OutgoingMessage, SendRefused
from highland.messaging.sandbox import SmsSandbox
from highland.messaging.tests.conftest import SMS_ACCOUNTS

REPORT_URL = "http://127.0.0.1:9/messaging/delivery-reports/"


def _client(sandbox: SmsSandbox, account: str = "highland-demo") -> HttpGatewayBackend:
    return HttpGatewayBackend(sandbox.url, account, SMS_ACCOUNTS[account])


def test_a_reference_sends_once_and_another_text_under_it_conflicts(
    sms_sandbox: SmsSandbox,
) -> None:
    client = _client(sms_sandbox)
    message = OutgoingMessage("hl-1-1", "13912345678", "你好", REPORT_URL)

    first = client.send(message)
    again = client.send(message)
    with pytest.raises(SendRefused, match="409 client_reference_conflict"):
        client.send(OutgoingMessage("hl-1-1", "13912345678", "别的", REPORT_URL))

    assert again == first
    assert [m["text"] for m in sms_sandbox.messages("13912345678")] == ["你好"]


def test_accounts_keep_their_references_apart(sms_sandbox: SmsSandbox) -> None:
    ours = _client(sms_sandbox).send(OutgoingMessage("hl-1-1", "13912345678", "a", REPORT_URL))
    theirs = _client(sms_sandbox, "other").send(
        OutgoingMessage("hl-1-1", "13912345678", "a", REPORT_URL)
    )

    assert ours != theirs
    assert len(sms_sandbox.messages()) == 2


def test_bad_numbers_and_outside_report_urls_are_refused(sms_sandbox: SmsSandbox) -> None:
    client = _client(sms_sandbox)

    with pytest.raises(SendRefused, match="400 invalid_phone"):
        client.send(OutgoingMessage("hl-1-2", "12345", "a", REPORT_URL))
    with pytest.raises(SendRefused, match="400 report_url_not_allowed"):
        client.send(OutgoingMessage("hl-1-3", "13912345678", "a", "https://example.com/reports/"))
    assert sms_sandbox.messages() == []


def test_the_inbox_lists_messages_by_phone(sms_sandbox: SmsSandbox) -> None:
    client = _client(sms_sandbox)
    client.send(OutgoingMessage("hl-1-4", "13912345678", "第一条", REPORT_URL))
    client.send(OutgoingMessage("hl-1-5", "13700000000", "x" * 161, REPORT_URL))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    with opener.open(sms_sandbox.url + "/messages?phone=13700000000", timeout=5) as answer:
        listed = json.loads(answer.read())["messages"]
    with opener.open(sms_sandbox.url + "/", timeout=5) as answer:
        page = answer.read().decode()

    assert [(m["client_reference"], m["segments"]) for m in listed] == [("hl-1-5", 2)]
    assert "第一条" in page


def test_the_sandbox_listens_on_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        SmsSandbox("0.0.0.0", 0, SMS_ACCOUNTS)  # noqa: S104
