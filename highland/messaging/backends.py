"""Where text messages go: a log (the default) or an HTTP SMS gateway.

`SMS_BACKEND` selects one: `log` writes each message to the logger and counts it sent;
`http` POSTs it to `SMS_GATEWAY_URL` (the project's sandbox in development and tests,
`python -m highland.messaging.sandbox`), signed with `SMS_GATEWAY_SECRET`.

The gateway protocol (the sandbox's docstring has the whole of it): a JSON body, headers
`X-Sms-Account`, `X-Sms-Timestamp` (unix seconds) and `X-Sms-Signature` =
hex HMAC-SHA256(secret, "<timestamp>.<body>"). Our message's `client_reference` is the
gateway's idempotency key: sending it again answers the first message, never a second one.
Delivery reports come back to `/messaging/delivery-reports/` signed the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

MAX_CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class OutgoingMessage:
    client_reference: str
    phone: str
    text: str
    report_url: str


class SendRefused(Exception):
    """The gateway refused the message for good (a bad number, a bad request)."""


class SendFailed(Exception):
    """The gateway could not be reached or failed: try again later."""


class Backend(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Send `message`; returns the provider's message id."""
        ...


class LogBackend:
    """Writes messages to the log and counts them sent: development without a gateway."""

    def send(self, message: OutgoingMessage) -> str:
        logger.info(
            "text message %s to %s: %s", message.client_reference, message.phone, message.text
        )
        return f"log-{message.client_reference}"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return digest.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None
) -> bool:
    """Whether `signature` signs `body` at `timestamp` with `secret`, and the time is fresh."""
    if not secret or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return False
    return abs((now or time.time()) - int(timestamp)) <= MAX_CLOCK_SKEW_SECONDS


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could carry a signed request somewhere else; the protocol has none.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpGatewayBackend:
    """Sends through an HTTP SMS gateway with signed requests."""

    def __init__(self, base_url: str, account: str, secret: str, timeout: float = 5) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"SMS gateway URL must be an http(s) URL: {base_url!r}")
        if not secret:
            raise ValueError("the SMS gateway needs a secret")
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.timeout = timeout
        self._secret = secret
        handlers: list[urllib.request.BaseHandler] = [_RefuseRedirects()]
        if _is_loopback(parts.hostname):
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def send(self, message: OutgoingMessage) -> str:
        body = json.dumps(
            {
                "client_reference": message.client_reference,
                "phone": message.phone,
                "text": message.text,
                "report_url": message.report_url,
            },
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310  (scheme checked in __init__)
            self.base_url + "/v1/messages",
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "X-Sms-Account": self.account,
                "X-Sms-Timestamp": timestamp,
                "X-Sms-Signature": sign(self._secret, timestamp, body),
            },
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
            error.close()
        except (urllib.error.URLError, OSError) as error:
            raise SendFailed(f"network error: {error}") from error
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = {}
        if status == 200 and isinstance(data, dict) and isinstance(data.get("message_id"), str):
            return str(data["message_id"])
        detail = f"{status} {data.get('code', '') if isinstance(data, dict) else ''}".strip()
        if 400 <= status < 500 and status not in (401, 408, 429):
            # A wrong signature (401) is our configuration: it may be fixed, so retry.
            raise SendRefused(f"the gateway refused the message: {detail}")
        raise SendFailed(f"the gateway failed: {detail}")


def configured_backend() -> Backend:
    """The backend the settings select."""
    if settings.SMS_BACKEND == "http":
        return HttpGatewayBackend(
            settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_ACCOUNT, settings.SMS_GATEWAY_SECRET
        )
    return LogBackend()
