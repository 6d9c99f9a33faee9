"""The gateway sandbox's HTTP server, state and notification delivery (protocol: see the package).

Standard library only; state lives in memory behind one lock.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from highland.core.sandboxes import (
    CHINA_STANDARD_TIME,
    LOOPBACK_HOSTS,
    ApiError,
    LocalHttpSandbox,
    Response,
    china_now,
    error_response,
    html_page,
    json_response,
)
from highland.payments.sandbox.settlement import SettlementBook
from highland.payments.sandbox.wire import (
    http_url,
    iso_date,
    json_params,
    positive_amount,
    query_params,
    reference,
    signature,
    text,
)

logger = logging.getLogger(__name__)

SIGN_TYPE = "HMAC-SHA256"
MAX_CLOCK_SKEW_SECONDS = 300
NONCE_WINDOW_SECONDS = 600
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 16, 32, 60, 60, 60)
DEFAULT_FEE_RATE_BP = 60  # 0.6 % of each charge, as the big Chinese gateways charge

_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


@dataclass
class Charge:
    merchant_id: str
    out_trade_no: str
    gateway_trade_no: str
    amount_fen: int
    subject: str
    notify_url: str
    return_url: str
    status: str = "pending"
    refunded_fen: int = 0
    paid_at: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "out_trade_no": self.out_trade_no,
            "gateway_trade_no": self.gateway_trade_no,
            "status": self.status,
            "amount_fen": self.amount_fen,
            "refunded_fen": self.refunded_fen,
            "paid_at": self.paid_at,
            "subject": self.subject,
        }


@dataclass(frozen=True)
class Refund:
    out_trade_no: str
    out_refund_no: str
    refund_id: str
    amount_fen: int
    refunded_fen: int
    refunded_at: str

    def as_dict(self) -> dict[str, object]:
        return {
            "out_trade_no": self.out_trade_no,
            "out_refund_no": self.out_refund_no,
            "refund_id": self.refund_id,
            "amount_fen": self.amount_fen,
            "refunded_fen": self.refunded_fen,
            "status": "succeeded",
        }


@dataclass(frozen=True)
class Attempt:
    attempt: int
    at: str
    response_status: int | None
    response_body: str
    error: str
    delivered: bool


@dataclass
class Delivery:
    merchant_id: str
    notify_url: str
    payload: dict[str, object]
    status: str = "pending"
    attempts: list[Attempt] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "notify_id": self.payload["notify_id"],
            "event": self.payload["event"],
            "out_trade_no": self.payload["out_trade_no"],
            "out_refund_no": self.payload.get("out_refund_no"),
            "notify_url": self.notify_url,
            "status": self.status,
            "attempts": [asdict(attempt) for attempt in self.attempts],
        }


ROUTES = [
    (re.compile(pattern), method, handler)
    for pattern, method, handler in [
        (r"/v1/charges", "POST", "_create_charge"),
        (r"/v1/charges/([^/]+)", "GET", "_query_charge"),
        (r"/v1/charges/([^/]+)/close", "POST", "_close_charge"),
        (r"/v1/refunds", "POST", "_refund"),
        (r"/v1/test/charges/([^/]+)/pay", "POST", "_test_pay"),
        (r"/v1/test/notifications", "GET", "_test_notifications"),
        (r"/v1/settlements", "GET", "_settlements"),
        (r"/v1/test/settlements/close", "POST", "_test_close_settlements"),
        (r"/pay/([^/]+)", "GET", "_pay_page"),
        (r"/pay/([^/]+)/confirm", "POST", "_confirm"),
        (r"/pay/([^/]+)/cancel", "POST", "_cancel"),
    ]
]


class SandboxGateway(LocalHttpSandbox):
    """The sandbox: an HTTP server on loopback plus the threads delivering notifications."""

    server_version = "HighlandGatewaySandbox/1"
    logger = logger

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        merchants: Mapping[str, str] | None = None,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        notify_timeout: float = 5.0,
        allow_external: bool = False,
        fee_rate_bp: int = DEFAULT_FEE_RATE_BP,
    ) -> None:
        super().__init__(
            host,
            port,
            retry_delays=retry_delays,
            callback_timeout=notify_timeout,
            allow_external=allow_external,
        )
        self.merchants = dict(merchants or {})
        self._charges: dict[tuple[str, str], Charge] = {}
        self._charges_by_gateway_no: dict[str, Charge] = {}
        self._refunds: dict[tuple[str, str], Refund] = {}
        self._nonces: dict[tuple[str, str], float] = {}
        self._deliveries: list[Delivery] = []
        self.settlements = SettlementBook(fee_rate_bp)

    def wait_for_deliveries(self, timeout: float) -> bool:
        """Wait until no notification is being delivered or retried; False on timeout."""
        return self.wait_for_callbacks(timeout)

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        parts = urllib.parse.urlsplit(target)
        path = parts.path
        try:
            for pattern, allowed, name in ROUTES:
                match = pattern.fullmatch(path)
                if match is None:
                    continue
                if method != allowed:
                    raise ApiError(405, "method_not_allowed", f"{method} is not allowed here")
                handler: Callable[[list[str], str, bytes], Response] = getattr(self, name)
                args = [urllib.parse.unquote(group) for group in match.groups()]
                return handler(args, parts.query, body)
            raise ApiError(404, "not_found", f"no such endpoint: {path}")
        except ApiError as error:
            return error_response(error)

    # -- merchant API -----------------------------------------------------------------------

    def _create_charge(self, args: list[str], query: str, body: bytes) -> Response:
        params = json_params(body)
        merchant_id = self._authenticate(params)
        out_trade_no = reference(params, "out_trade_no")
        amount_fen = positive_amount(params, "amount_fen")
        subject = text(params, "subject", max_length=256)
        notify_url = http_url(params, "notify_url")
        return_url = http_url(params, "return_url")
        self._check_notify_url(notify_url)
        with self._lock:
            charge = self._charges.get((merchant_id, out_trade_no))
            if charge is None:
                charge = Charge(
                    merchant_id=merchant_id,
                    out_trade_no=out_trade_no,
                    gateway_trade_no="GT" + secrets.token_hex(12),
                    amount_fen=amount_fen,
                    subject=subject,
                    notify_url=notify_url,
                    return_url=return_url,
                )
                self._charges[(merchant_id, out_trade_no)] = charge
                self._charges_by_gateway_no[charge.gateway_trade_no] = charge
            else:
                asked = (amount_fen, subject, notify_url, return_url)
                held = (charge.amount_fen, charge.subject, charge.notify_url, charge.return_url)
                names = ("amount_fen", "subject", "notify_url", "return_url")
                differing = [name for name, a, b in zip(names, asked, held, strict=True) if a != b]
                if differing:
                    raise ApiError(
                        409,
                        "out_trade_no_conflict",
                        f"out_trade_no {out_trade_no} was used with a different "
                        + ", ".join(differing),
                    )
            answer = {
                "out_trade_no": charge.out_trade_no,
                "gateway_trade_no": charge.gateway_trade_no,
                "pay_url": f"{self.url}/pay/{charge.gateway_trade_no}",
                "status": charge.status,
            }
        return json_response(200, answer)

    def _query_charge(self, args: list[str], query: str, body: bytes) -> Response:
        params = query_params(query)
        merchant_id = self._authenticate(params, path_params={"out_trade_no": args[0]})
        with self._lock:
            charge = self._merchant_charge(merchant_id, args[0])
            return json_response(200, charge.as_dict())

    def _close_charge(self, args: list[str], query: str, body: bytes) -> Response:
        params = json_params(body)
        merchant_id = self._authenticate(params, path_params={"out_trade_no": args[0]})
        with self._lock:
            charge = self._merchant_charge(merchant_id, args[0])
            if charge.status not in {"pending", "closed"}:
                raise ApiError(
                    409, "charge_not_closable", f"a {charge.status} charge cannot be closed"
                )
            charge.status = "closed"
            return json_response(200, charge.as_dict())

    def _refund(self, args: list[str], query: str, body: bytes) -> Response:
        params = json_params(body)
        merchant_id = self._authenticate(params)
        out_trade_no = reference(params, "out_trade_no")
        out_refund_no = reference(params, "out_refund_no")
        amount_fen = positive_amount(params, "amount_fen")
        with self._lock:
            charge = self._merchant_charge(merchant_id, out_trade_no)
            refund = self._refunds.get((merchant_id, out_refund_no))
            if refund is not None:
                if (refund.out_trade_no, refund.amount_fen) != (out_trade_no, amount_fen):
                    raise ApiError(
                        409,
                        "out_refund_no_conflict",
                        f"out_refund_no {out_refund_no} was used for "
                        f"{refund.amount_fen} fen of {refund.out_trade_no}",
                    )
                return json_response(200, refund.as_dict())
            if charge.status not in {"paid", "partially_refunded", "refunded"}:
                raise ApiError(
                    409, "charge_not_refundable", f"a {charge.status} charge cannot be refunded"
                )
            refundable = charge.amount_fen - charge.refunded_fen
            if amount_fen > refundable:
                raise ApiError(
                    409,
                    "over_refund",
                    f"refund of {amount_fen} fen exceeds the {refundable} fen still refundable",
                )
            charge.refunded_fen += amount_fen
            charge.status = (
                "refunded" if charge.refunded_fen == charge.amount_fen else "partially_refunded"
            )
            refund = Refund(
                out_trade_no=out_trade_no,
                out_refund_no=out_refund_no,
                refund_id="RF" + secrets.token_hex(12),
                amount_fen=amount_fen,
                refunded_fen=charge.refunded_fen,
                refunded_at=china_now(),
            )
            self._refunds[(merchant_id, out_refund_no)] = refund
            self.settlements.record(
                merchant_id,
                "refund",
                charge.out_trade_no,
                charge.gateway_trade_no,
                amount_fen,
                out_refund_no=out_refund_no,
            )
            delivery = self._queue_notification(
                charge,
                {
                    "event": "refund.succeeded",
                    "amount_fen": amount_fen,
                    "out_refund_no": out_refund_no,
                    "refund_id": refund.refund_id,
                    "refunded_fen": refund.refunded_fen,
                    "refunded_at": refund.refunded_at,
                },
            )
        self._start_delivery(delivery)
        return json_response(200, refund.as_dict())

    def _test_pay(self, args: list[str], query: str, body: bytes) -> Response:
        params = json_params(body)
        merchant_id = self._authenticate(params, path_params={"gateway_trade_no": args[0]})
        with self._lock:
            charge = self._charges_by_gateway_no.get(args[0])
            if charge is None or charge.merchant_id != merchant_id:
                raise ApiError(404, "not_found", "no such charge")
        self._mark_paid(charge)
        with self._lock:
            return json_response(200, charge.as_dict())

    def _test_notifications(self, args: list[str], query: str, body: bytes) -> Response:
        params = query_params(query)
        merchant_id = self._authenticate(params)
        out_trade_no = reference(params, "out_trade_no")
        with self._lock:
            found = [
                delivery.as_dict()
                for delivery in self._deliveries
                if delivery.merchant_id == merchant_id
                and delivery.payload["out_trade_no"] == out_trade_no
            ]
        return json_response(200, {"notifications": found})

    def _settlements(self, args: list[str], query: str, body: bytes) -> Response:
        params = query_params(query)
        merchant_id = self._authenticate(params)
        settle_date = iso_date(params, "settle_date")
        today = datetime.now(CHINA_STANDARD_TIME).date()
        with self._lock:
            batches = self.settlements.report(merchant_id, settle_date, today=today)
            answer = {
                "settle_date": settle_date.isoformat(),
                "batches": [batch.as_dict() for batch in batches],
            }
        return json_response(200, answer)

    def _test_close_settlements(self, args: list[str], query: str, body: bytes) -> Response:
        params = json_params(body)
        merchant_id = self._authenticate(params)
        today = datetime.now(CHINA_STANDARD_TIME).date()
        with self._lock:
            closed = self.settlements.close(merchant_id, through=today)
            answer = {"batches": [batch.as_dict() for batch in closed]}
        return json_response(200, answer)

    # -- cashier pages ----------------------------------------------------------------------

    def _pay_page(self, args: list[str], query: str, body: bytes) -> Response:
        with self._lock:
            charge = self._charges_by_gateway_no.get(args[0])
            if charge is None:
                return html_page(404, "Not found", "<p>No such charge.</p>")
            yuan, fen = divmod(charge.amount_fen, 100)
            content = (
                f"<p>Merchant: {html.escape(charge.merchant_id)}</p>"
                f"<p>Subject: {html.escape(charge.subject)}</p>"
                f"<p>Amount: ¥{yuan:,}.{fen:02d}</p>"
                f"<p>Status: {html.escape(charge.status)}</p>"
            )
            if charge.status == "pending":
                base = "/pay/" + urllib.parse.quote(charge.gateway_trade_no)
                content += (
                    f'<form method="post" action="{base}/confirm"><button>Pay</button></form>'
                    f'<form method="post" action="{base}/cancel"><button>Cancel</button></form>'
                )
        return html_page(200, "Sandbox cashier", content)

    def _confirm(self, args: list[str], query: str, body: bytes) -> Response:
        with self._lock:
            charge = self._charges_by_gateway_no.get(args[0])
        if charge is None:
            return html_page(404, "Not found", "<p>No such charge.</p>")
        try:
            self._mark_paid(charge)
        except ApiError as error:
            return html_page(error.status, "Not paid", f"<p>{html.escape(error.message)}</p>")
        return redirect_back(charge)

    def _cancel(self, args: list[str], query: str, body: bytes) -> Response:
        with self._lock:
            charge = self._charges_by_gateway_no.get(args[0])
        if charge is None:
            return html_page(404, "Not found", "<p>No such charge.</p>")
        with self._lock:
            if charge.status not in {"pending", "closed"}:
                message = f"A {charge.status} charge cannot be cancelled."
                return html_page(409, "Not cancelled", f"<p>{html.escape(message)}</p>")
            charge.status = "closed"
        return redirect_back(charge)

    # -- state changes ----------------------------------------------------------------------

    def _mark_paid(self, charge: Charge) -> None:
        with self._lock:
            if charge.status == "closed":
                raise ApiError(409, "charge_not_payable", "the charge is closed")
            if charge.status != "pending":
                return  # paid already: paying again changes nothing and notifies nobody
            charge.status = "paid"
            charge.paid_at = china_now()
            self.settlements.record(
                charge.merchant_id,
                "charge",
                charge.out_trade_no,
                charge.gateway_trade_no,
                charge.amount_fen,
            )
            delivery = self._queue_notification(
                charge, {"event": "charge.succeeded", "amount_fen": charge.amount_fen}
            )
        self._start_delivery(delivery)

    def _queue_notification(self, charge: Charge, fields: Mapping[str, object]) -> Delivery:
        # Call with the lock held.
        payload: dict[str, object] = {
            "notify_id": "N" + secrets.token_hex(16),
            "merchant_id": charge.merchant_id,
            "out_trade_no": charge.out_trade_no,
            "gateway_trade_no": charge.gateway_trade_no,
            "paid_at": charge.paid_at,
            **fields,
        }
        delivery = Delivery(
            merchant_id=charge.merchant_id, notify_url=charge.notify_url, payload=payload
        )
        self._deliveries.append(delivery)
        return delivery

    def _start_delivery(self, delivery: Delivery) -> None:
        self.in_background(lambda: self._deliver(delivery), name="sandbox-notify")

    def _deliver(self, delivery: Delivery) -> None:
        delivered = self.retry(lambda number: self._attempt(delivery, number))
        if delivered is False:
            with self._lock:
                delivery.status = "failed"
        # None: stopped, and the notification stays pending.

    def _attempt(self, delivery: Delivery, number: int) -> bool:
        secret = self.merchants[delivery.merchant_id]
        body: dict[str, object] = {
            **delivery.payload,
            "timestamp": int(time.time()),
            "nonce": secrets.token_hex(16),
            "sign_type": SIGN_TYPE,
        }
        body["sign"] = signature(body, secret)
        at = china_now()
        try:
            self._check_notify_url(delivery.notify_url)  # again, right before sending
        except ApiError as error:
            status, answer, failure = None, b"", str(error)
        else:
            data = json.dumps(body, ensure_ascii=False).encode()
            status, answer, failure = self.post_json(delivery.notify_url, data)
        if status is None:
            logger.info("notification %s attempt %d failed: %s", body["notify_id"], number, failure)
            attempt = Attempt(number, at, None, "", failure, delivered=False)
        else:
            logger.info(
                "notification %s attempt %d: %d %r", body["notify_id"], number, status, answer[:40]
            )
            text_answer = answer.decode("utf-8", errors="replace")[:200]
            attempt = Attempt(
                number, at, status, text_answer, "", status == 200 and answer == b"success"
            )
        with self._lock:
            delivery.attempts.append(attempt)
            if attempt.delivered:
                delivery.status = "delivered"
        return attempt.delivered

    # -- checks -----------------------------------------------------------------------------

    def _authenticate(
        self, params: Mapping[str, object], *, path_params: Mapping[str, str] | None = None
    ) -> str:
        """Check the envelope and spend its nonce; returns the merchant id."""
        for name, value in (path_params or {}).items():
            if params.get(name) not in (None, "", value):
                raise ApiError(400, "invalid_params", f"{name} differs from the path")
        params = {**params, **(path_params or {})}
        merchant_id = text(params, "merchant_id", max_length=64)
        nonce = text(params, "nonce", max_length=64)
        if params.get("sign_type") != SIGN_TYPE:
            raise ApiError(400, "invalid_params", f"sign_type must be {SIGN_TYPE}")
        timestamp = params.get("timestamp")
        if isinstance(timestamp, str) and _UNIX_SECONDS.fullmatch(timestamp):
            timestamp = int(timestamp)
        if isinstance(timestamp, bool) or not isinstance(timestamp, int):
            raise ApiError(400, "invalid_params", "timestamp must be unix seconds")
        secret = self.merchants.get(merchant_id)
        if secret is None:
            raise ApiError(401, "unknown_merchant", f"unknown merchant {merchant_id}")
        given = params.get("sign")
        expected = signature(params, secret)
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(401, "bad_signature", "the signature does not match")
        if abs(time.time() - timestamp) > MAX_CLOCK_SKEW_SECONDS:
            raise ApiError(
                401, "stale_timestamp", f"timestamp is more than {MAX_CLOCK_SKEW_SECONDS} s off"
            )
        now = time.monotonic()
        with self._lock:
            while self._nonces:
                oldest = next(iter(self._nonces))
                if now - self._nonces[oldest] <= NONCE_WINDOW_SECONDS:
                    break
                del self._nonces[oldest]
            if (merchant_id, nonce) in self._nonces:
                raise ApiError(401, "replayed_nonce", "this nonce was used already")
            self._nonces[(merchant_id, nonce)] = now
        return merchant_id

    def _check_notify_url(self, url: str) -> None:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        if not self.allow_external and host not in LOOPBACK_HOSTS:
            raise ApiError(
                400,
                "notify_url_not_allowed",
                f"notify_url host {host!r} is not 127.0.0.1, localhost or ::1; "
                "start the sandbox with allow_external=True to notify other hosts",
            )

    def _merchant_charge(self, merchant_id: str, out_trade_no: str) -> Charge:
        # Call with the lock held.
        charge = self._charges.get((merchant_id, out_trade_no))
        if charge is None:
            raise ApiError(404, "not_found", f"no charge {out_trade_no}")
        return charge


# -- pages --------------------------------------------------------------------------------


def redirect_back(charge: Charge) -> Response:
    parts = urllib.parse.urlsplit(charge.return_url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query.append(("out_trade_no", charge.out_trade_no))
    location = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return Response(303, b"", content_type="text/plain", location=location)
