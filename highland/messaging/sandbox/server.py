"""The SMS sandbox's HTTP server, inbox and delivery reports (protocol: see the package).

Standard library only; state lives in memory behind one lock.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from highland.core.sandboxes import (
    LOOPBACK_HOSTS,
    ApiError,
    LocalHttpSandbox,
    Response,
    china_now,
    error_response,
    html_page,
    json_object,
    json_response,
)

logger = logging.getLogger(__name__)

MAX_CLOCK_SKEW_SECONDS = 300
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 16, 32, 60)
_REFERENCE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f"
)


# The sandbox keeps its own signature code rather than importing the client's: a real
# gateway is an independent implementation, and tests then catch a client that drifts.
def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def segments(text: str) -> int:
    """How many parts the text is sent as (a simpler count than the client's, on purpose
    independent: GSM-7 160/153, else UCS-2 70/67)."""
    if all(char in _GSM7 for char in text):
        units = len(text) + sum(1 for char in text if char in "^{}\\[~]|€\f")
        single, part = 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else -(-units // part)


@dataclass
class Message:
    account: str
    message_id: str
    client_reference: str
    phone: str
    text: str
    report_url: str
    received_at: str
    report_status: str = "pending"  # pending | delivered | failed (the report's delivery)
    report_attempts: list[dict[str, object]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "failed" if self.phone.endswith("0000") else "delivered"

    def as_dict(self) -> dict[str, object]:
        return {
            "message_id": self.message_id,
            "client_reference": self.client_reference,
            "phone": self.phone,
            "text": self.text,
            "segments": segments(self.text),
            "received_at": self.received_at,
            "report_status": self.report_status,
        }


class SmsSandbox(LocalHttpSandbox):
    """The sandbox: an HTTP server on loopback plus threads sending delivery reports."""

    server_version = "HighlandSmsSandbox/1"
    logger = logger

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        accounts: Mapping[str, str] | None = None,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        report_delay: float = 0.5,
        report_timeout: float = 5.0,
        allow_external: bool = False,
    ) -> None:
        super().__init__(
            host,
            port,
            retry_delays=retry_delays,
            callback_timeout=report_timeout,
            allow_external=allow_external,
        )
        self.accounts = dict(accounts or {})
        self.report_delay = report_delay
        self._messages: dict[tuple[str, str], Message] = {}

    def wait_for_reports(self, timeout: float) -> bool:
        """Wait until no report is being sent or retried; False on timeout."""
        return self.wait_for_callbacks(timeout)

    # -- reading (tests and the demo) ----------------------------------------------------------

    def messages(self, phone: str | None = None) -> list[dict[str, object]]:
        with self._lock:
            found = [m.as_dict() for m in self._messages.values() if phone in (None, m.phone)]
        return found

    def report_again(self, message_id: str) -> None:
        """Send a message's delivery report once more (a gateway replaying it)."""
        with self._lock:
            message = next(m for m in self._messages.values() if m.message_id == message_id)
        self._start_report(message, delay=0)

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        parts = urllib.parse.urlsplit(target)
        try:
            if parts.path == "/v1/messages":
                if method != "POST":
                    raise ApiError(405, "method_not_allowed", "POST only")
                return self._send(headers, body)
            if parts.path in ("/messages", "/"):
                if method != "GET":
                    raise ApiError(405, "method_not_allowed", "GET only")
                query = dict(urllib.parse.parse_qsl(parts.query))
                found = self.messages(query.get("phone") or None)
                if parts.path == "/":
                    return _inbox_page(found)
                return json_response(200, {"messages": found})
            raise ApiError(404, "not_found", f"no such endpoint {parts.path}")
        except ApiError as error:
            return error_response(error)

    def refuse_body(self, length: int) -> Response:
        # This gateway's protocol answers 413 `invalid_body` for any bad length.
        return json_response(413, {"code": "invalid_body", "message": "bad length"})

    def _authenticate(self, headers: Mapping[str, str], body: bytes) -> str:
        account = headers.get("X-Sms-Account") or ""
        timestamp = headers.get("X-Sms-Timestamp") or ""
        given = headers.get("X-Sms-Signature") or ""
        secret = self.accounts.get(account)
        if secret is None:
            raise ApiError(401, "unknown_account", f"unknown account {account!r}")
        if not re.fullmatch(r"[0-9]{1,12}", timestamp):
            raise ApiError(401, "bad_timestamp", "X-Sms-Timestamp must be unix seconds")
        expected = signature(secret, timestamp, body)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(401, "bad_signature", "the signature does not match")
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            raise ApiError(401, "stale_timestamp", "the timestamp is more than 300 s off")
        return account

    def _send(self, headers: Mapping[str, str], body: bytes) -> Response:
        account = self._authenticate(headers, body)
        data = json_object(body)
        reference = data.get("client_reference")
        if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
            raise ApiError(400, "invalid_params", "client_reference: 1-64 of A-Z a-z 0-9 _ -")
        phone, text = data.get("phone"), data.get("text")
        if not isinstance(phone, str) or not _MOBILE.fullmatch(phone):
            raise ApiError(400, "invalid_phone", "phone must be a mainland mobile number")
        if not isinstance(text, str) or not 1 <= len(text) <= 1000:
            raise ApiError(400, "invalid_params", "text must be 1-1000 characters")
        report_url = data.get("report_url")
        if not isinstance(report_url, str):
            raise ApiError(400, "invalid_params", "report_url is required")
        self._check_report_url(report_url)
        with self._lock:
            message = self._messages.get((account, reference))
            if message is not None:
                if (message.phone, message.text) != (phone, text):
                    raise ApiError(
                        409, "client_reference_conflict", "this reference sent another message"
                    )
                return json_response(200, self._answer(message))
            message = Message(
                account=account,
                message_id="SM" + secrets.token_hex(12),
                client_reference=reference,
                phone=phone,
                text=text,
                report_url=report_url,
                received_at=china_now(),
            )
            self._messages[(account, reference)] = message
        logger.info("text message %s to %s: %s", message.message_id, phone, text)
        self._start_report(message, delay=self.report_delay)
        return json_response(200, self._answer(message))

    @staticmethod
    def _answer(message: Message) -> dict[str, object]:
        return {
            "message_id": message.message_id,
            "client_reference": message.client_reference,
            "segments": segments(message.text),
            "status": "accepted",
        }

    def _check_report_url(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ApiError(400, "invalid_params", "report_url must be an http(s) URL")
        if not self.allow_external and parts.hostname.lower() not in LOOPBACK_HOSTS:
            raise ApiError(400, "report_url_not_allowed", "report_url must be on loopback")

    # -- delivery reports -------------------------------------------------------------------

    def _start_report(self, message: Message, *, delay: float) -> None:
        self.in_background(lambda: self._report(message, delay), name="sms-sandbox-report")

    def _report(self, message: Message, delay: float) -> None:
        delivered = self.retry(lambda number: self._attempt_report(message, number), delay=delay)
        if delivered is not None:  # None: stopped, and the report stays pending
            with self._lock:
                message.report_status = "delivered" if delivered else "failed"

    def _attempt_report(self, message: Message, number: int) -> bool:
        outcome = message.outcome
        body = json.dumps(
            {
                "message_id": message.message_id,
                "client_reference": message.client_reference,
                "status": outcome,
                "error": "the phone is switched off" if outcome == "failed" else "",
                "reported_at": china_now(),
            },
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        status, _answer, failure = self.post_json(
            message.report_url,
            body,
            {
                "X-Sms-Account": message.account,
                "X-Sms-Timestamp": timestamp,
                "X-Sms-Signature": signature(self.accounts[message.account], timestamp, body),
            },
        )
        if status is None:
            logger.info("report %s attempt %d failed: %s", message.message_id, number, failure)
        with self._lock:
            message.report_attempts.append({"attempt": number, "status": status or 0})
        return status == 200


def _inbox_page(messages: list[dict[str, object]]) -> Response:
    rows = "".join(
        f"<li><strong>{html.escape(str(m['phone']))}</strong> "
        f"{html.escape(str(m['received_at']))}<br>{html.escape(str(m['text']))}</li>"
        for m in reversed(messages)
    )
    return html_page(200, "SMS sandbox inbox", f"<ul>{rows or '<li>No messages yet.</li>'}</ul>")
