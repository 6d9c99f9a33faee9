"""Messaging fixtures: the SMS sandbox on loopback, and a notice kind for tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils.translation import gettext_noop

from conftest import need_server
from highland.messaging.kinds import MessageKind, message_kinds, register_kind
from highland.messaging.sandbox import SmsSandbox

SMS_ACCOUNTS = {"highland-demo": "sms-test-secret", "other": "sms-other-secret"}
# Fast enough for tests: four report attempts in all.
SMS_TEST_DELAYS = (0.05, 0.05, 0.05)

TEST_KIND = MessageKind(
    "messaging.test_notice",
    # A sentence with placeholders that the catalogues translate already.
    gettext_noop("Page %(number)s of %(count)s"),
)


@pytest.fixture(autouse=True)
def test_kind() -> MessageKind:
    if "messaging.test_notice" not in message_kinds:
        register_kind(TEST_KIND)
    return TEST_KIND


@pytest.fixture
def sms_sandbox() -> Iterator[SmsSandbox]:
    sandbox = SmsSandbox(
        "127.0.0.1", 0, SMS_ACCOUNTS, retry_delays=SMS_TEST_DELAYS, report_delay=0.05
    )
    try:
        sandbox.start()
    except OSError as error:
        need_server(False, f"cannot listen on 127.0.0.1 for the SMS sandbox: {error}")
    yield sandbox
    sandbox.stop()


@pytest.fixture
def http_sms(settings: object, sms_sandbox: SmsSandbox) -> SmsSandbox:
    """Settings that send through the sandbox (reports to PUBLIC_BASE_URL: set live_server)."""
    settings.SMS_BACKEND = "http"  # type: ignore[attr-defined]
    settings.SMS_GATEWAY_URL = sms_sandbox.url  # type: ignore[attr-defined]
    settings.SMS_GATEWAY_ACCOUNT = "highland-demo"  # type: ignore[attr-defined]
    settings.SMS_GATEWAY_SECRET = SMS_ACCOUNTS["highland-demo"]  # type: ignore[attr-defined]
    return sms_sandbox
