"""Client adapter for the payment gateway: signed requests, typed answers, verified notifications.

The wire protocol is described in `highland.payments.sandbox`, the peer these functions are
tested against. In short: every parameter set carries `merchant_id`,
`timestamp`, `nonce`, `sign_type=HMAC-SHA256` and `sign`, the HMAC-SHA256 (hex, lower case)
of the canonical string under the merchant secret. The canonical string is the parameters
other than `sign`, with empty values (None or "") left out, sorted by key and joined as
`key=value` pairs with `&`. Values are strings or integers (`str(value)` on the wire).

Standard library only, so the adapter adds no dependency and imports no Django.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

SIGN_TYPE = "HMAC-SHA256"
_LOOPBACK_NAMES = {"localhost"}


class ChargeStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CLOSED = "closed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class GatewayError(Exception):
    """The gateway refused a request, or could not be reached (`status` 0)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class BadSignature(Exception):
    """A notification's signature is missing or does not match the merchant secret."""


@dataclass(frozen=True)
class ChargeCreated:
    out_trade_no: str
    gateway_trade_no: str
    pay_url: str
    status: ChargeStatus


@dataclass(frozen=True)
class ChargeState:
    out_trade_no: str
    gateway_trade_no: str
    status: ChargeStatus
    amount_fen: int
    refunded_fen: int
    paid_at: datetime | None


@dataclass(frozen=True)
class RefundState:
    out_trade_no: str
    out_refund_no: str
    refund_id: str
    amount_fen: int
    refunded_fen: int
    """Total refunded on the charge once this refund went through."""
    status: str


@dataclass(frozen=True)
class SettledItem:
    """One charge or refund in a settlement batch."""

    kind: str  # "charge" or "refund"
    out_trade_no: str
    gateway_trade_no: str
    out_refund_no: str | None
    amount_fen: int
    fee_fen: int
    at: datetime


@dataclass(frozen=True)
class SettlementBatch:
    """What the gateway paid into the merchant's bank in one batch of a day.

    As the gateway states it: whether `net_fen` is `gross_fen − fee_fen − refund_fen` and
    whether the items add up to the totals is for the importer to check.
    """

    batch_id: str
    settle_date: date
    gross_fen: int
    fee_fen: int
    refund_fen: int
    net_fen: int
    items: tuple[SettledItem, ...]


@dataclass(frozen=True)
class Notification:
    """A verified `charge.succeeded` or `refund.succeeded` event.

    `amount_fen` is the amount paid for a charge event and the amount refunded for a refund
    event. Deliveries of one event share `notify_id`; each attempt has a fresh `timestamp`
    and `nonce`, so deduplicate on `notify_id`, never on `nonce`.
    """

    event: str
    notify_id: str
    merchant_id: str
    out_trade_no: str
    gateway_trade_no: str
    amount_fen: int
    paid_at: datetime | None
    timestamp: int
    nonce: str
    out_refund_no: str | None = None
    refund_id: str | None = None
    refunded_fen: int | None = None
    refunded_at: datetime | None = None


def canonical_string(params: Mapping[str, object]) -> str:
    """The string that is signed: sorted `key=value` pairs joined by `&`, without `sign` or empties.

    Raises TypeError for a value that is neither a string nor an integer (booleans included:
    they spell differently in JSON and Python, so they are not signable).
    """
    pairs = []
    for key in sorted(params):
        value = params[key]
        if key == "sign" or value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"parameter {key!r} is not a string or an integer: {value!r}")
        pairs.append(f"{key}={value}")
    return "&".join(pairs)


def _require_secret(secret: str) -> None:
    # HMAC accepts an empty key, and anyone can compute a signature under it: with an
    # empty secret every forged notification would verify.
    if not secret:
        raise ValueError("the merchant secret is empty: refusing to sign or verify")


def sign(params: Mapping[str, object], secret: str) -> str:
    """HMAC-SHA256 of the canonical string under `secret`, hex in lower case.

    Raises ValueError for an empty secret.
    """
    _require_secret(secret)
    message = canonical_string(params).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(params: Mapping[str, object], secret: str) -> bool:
    """True when `params["sign"]` is the signature of the other parameters (constant time).

    Always False under an empty secret: nothing signed with it can be trusted.
    """
    if not secret:
        return False
    given = params.get("sign")
    if not isinstance(given, str) or not given:
        return False
    try:
        expected = sign(params, secret)
    except TypeError:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def signed(params: Mapping[str, object], *, merchant_id: str, secret: str) -> dict[str, object]:
    """`params` with the envelope (merchant, fresh timestamp and nonce, sign type) and `sign`."""
    envelope: dict[str, object] = {
        **params,
        "merchant_id": merchant_id,
        "timestamp": int(time.time()),
        "nonce": secrets.token_hex(16),
        "sign_type": SIGN_TYPE,
    }
    envelope["sign"] = sign(envelope, secret)
    return envelope


def parse_notification(body: bytes, secret: str) -> Notification:
    """Verify and read a notification body.

    Raises BadSignature for a missing or wrong signature, ValueError for a body that is not a
    JSON object of the expected shape. Freshness (`timestamp`) and duplicates (`notify_id`)
    are for the caller to judge.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        # RecursionError: JSON nested deeper than the decoder's stack; no notification is.
        raise ValueError(f"notification is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError("notification is not a JSON object")
    if not verify_signature(data, secret):
        raise BadSignature("notification signature is missing or wrong")
    if data.get("sign_type") != SIGN_TYPE:
        raise BadSignature(f"notification sign_type is not {SIGN_TYPE}")
    event = _text(data, "event")
    is_refund = event == "refund.succeeded"
    return Notification(
        event=event,
        notify_id=_text(data, "notify_id"),
        merchant_id=_text(data, "merchant_id"),
        out_trade_no=_text(data, "out_trade_no"),
        gateway_trade_no=_text(data, "gateway_trade_no"),
        amount_fen=_integer(data, "amount_fen"),
        paid_at=_moment(data, "paid_at", required=not is_refund),
        timestamp=_integer(data, "timestamp"),
        nonce=_text(data, "nonce"),
        out_refund_no=_text(data, "out_refund_no") if is_refund else None,
        refund_id=_text(data, "refund_id") if is_refund else None,
        refunded_fen=_integer(data, "refunded_fen") if is_refund else None,
        refunded_at=_moment(data, "refunded_at", required=True) if is_refund else None,
    )


class GatewayClient:
    """Talks to the gateway at `base_url` as merchant `merchant_id`."""

    def __init__(self, base_url: str, merchant_id: str, secret: str, timeout: float = 5) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"gateway base_url must be an http(s) URL: {base_url!r}")
        _require_secret(secret)
        self.base_url = base_url.rstrip("/")
        self.merchant_id = merchant_id
        self.timeout = timeout
        self._secret = secret
        handlers: list[urllib.request.BaseHandler] = [_RefuseRedirects()]
        if _is_loopback(parts.hostname):
            # A proxy from the environment must not carry loopback traffic off this machine.
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def create_charge(
        self, *, out_trade_no: str, amount_fen: int, subject: str, notify_url: str, return_url: str
    ) -> ChargeCreated:
        """Open a charge; repeating the same call returns the same charge."""
        data = self._request(
            "POST",
            "/v1/charges",
            {
                "out_trade_no": out_trade_no,
                "amount_fen": amount_fen,
                "subject": subject,
                "notify_url": notify_url,
                "return_url": return_url,
            },
        )
        try:
            return ChargeCreated(
                out_trade_no=_text(data, "out_trade_no"),
                gateway_trade_no=_text(data, "gateway_trade_no"),
                pay_url=_text(data, "pay_url"),
                status=ChargeStatus(_text(data, "status")),
            )
        except ValueError as error:
            raise GatewayError("bad_response", str(error), 200) from error

    def query_charge(self, out_trade_no: str) -> ChargeState:
        """The charge as the gateway sees it now."""
        path = "/v1/charges/" + urllib.parse.quote(out_trade_no, safe="")
        data = self._request("GET", path, {}, signed_extra={"out_trade_no": out_trade_no})
        try:
            return _charge_state(data)
        except ValueError as error:
            raise GatewayError("bad_response", str(error), 200) from error

    def close_charge(self, out_trade_no: str) -> ChargeState:
        """Close an unpaid charge so it can no longer be paid; closing twice is harmless.

        A paid charge is refused with GatewayError code `charge_not_closable` (409).
        """
        path = "/v1/charges/" + urllib.parse.quote(out_trade_no, safe="") + "/close"
        data = self._request("POST", path, {}, signed_extra={"out_trade_no": out_trade_no})
        try:
            return _charge_state(data)
        except ValueError as error:
            raise GatewayError("bad_response", str(error), 200) from error

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount_fen: int) -> RefundState:
        """Refund part or all of a paid charge; repeating `out_refund_no` refunds once."""
        data = self._request(
            "POST",
            "/v1/refunds",
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "amount_fen": amount_fen,
            },
        )
        try:
            return RefundState(
                out_trade_no=_text(data, "out_trade_no"),
                out_refund_no=_text(data, "out_refund_no"),
                refund_id=_text(data, "refund_id"),
                amount_fen=_integer(data, "amount_fen"),
                refunded_fen=_integer(data, "refunded_fen"),
                status=_text(data, "status"),
            )
        except ValueError as error:
            raise GatewayError("bad_response", str(error), 200) from error

    def settlements(self, settle_date: date) -> list[SettlementBatch]:
        """The settlement batches the gateway paid into the bank for `settle_date` (its
        own day, China Standard Time); none while that day is still open."""
        data = self._request("GET", "/v1/settlements", {"settle_date": settle_date.isoformat()})
        try:
            batches = data.get("batches")
            if not isinstance(batches, list):
                raise ValueError("batches must be a list")
            return [_settlement_batch(batch) for batch in batches]
        except (ValueError, TypeError) as error:
            raise GatewayError("bad_response", str(error), 200) from error

    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, object],
        *,
        signed_extra: Mapping[str, object] | None = None,
    ) -> dict[str, Any]:
        # Path parameters are signed too (`signed_extra`), but travel only in the path.
        envelope = signed(
            {**params, **(signed_extra or {})}, merchant_id=self.merchant_id, secret=self._secret
        )
        for key in signed_extra or {}:
            del envelope[key]
        url = self.base_url + path
        body = None
        headers = {"Accept": "application/json"}
        if method == "GET":
            url += "?" + urllib.parse.urlencode({k: str(v) for k, v in envelope.items()})
        else:
            body = json.dumps(envelope, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310  (scheme checked in __init__)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
            error.close()
        except (urllib.error.URLError, OSError) as error:
            raise GatewayError("network_error", str(error), 0) from error
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise GatewayError("bad_response", "the gateway did not answer JSON", status) from error
        if not isinstance(data, dict):
            raise GatewayError("bad_response", "the gateway did not answer a JSON object", status)
        if status != 200:
            raise GatewayError(
                str(data.get("code", "http_error")), str(data.get("message", "")), status
            )
        return data


def _charge_state(data: Mapping[str, object]) -> ChargeState:
    """Read the query API's answer; raises ValueError on a wrong shape."""
    return ChargeState(
        out_trade_no=_text(data, "out_trade_no"),
        gateway_trade_no=_text(data, "gateway_trade_no"),
        status=ChargeStatus(_text(data, "status")),
        amount_fen=_integer(data, "amount_fen"),
        refunded_fen=_integer(data, "refunded_fen"),
        paid_at=_moment(data, "paid_at", required=False),
    )


def _settlement_batch(data: object) -> SettlementBatch:
    """Read one batch of the settlement API; raises ValueError on a wrong shape."""
    if not isinstance(data, dict):
        raise ValueError("a batch must be an object")
    items = data.get("items")
    if not isinstance(items, list):
        raise ValueError("items must be a list")
    return SettlementBatch(
        batch_id=_text(data, "batch_id"),
        settle_date=date.fromisoformat(_text(data, "settle_date")),
        gross_fen=_integer(data, "gross_fen"),
        fee_fen=_integer(data, "fee_fen"),
        refund_fen=_integer(data, "refund_fen"),
        net_fen=_integer(data, "net_fen"),
        items=tuple(_settled_item(item) for item in items),
    )


def _settled_item(data: object) -> SettledItem:
    if not isinstance(data, dict):
        raise ValueError("an item must be an object")
    kind = _text(data, "type")
    if kind not in {"charge", "refund"}:
        raise ValueError(f"unknown item type {kind!r}")
    at = _moment(data, "at", required=True)
    assert at is not None
    return SettledItem(
        kind=kind,
        out_trade_no=_text(data, "out_trade_no"),
        gateway_trade_no=_text(data, "gateway_trade_no"),
        out_refund_no=_text(data, "out_refund_no") if kind == "refund" else None,
        amount_fen=_integer(data, "amount_fen"),
        fee_fen=_integer(data, "fee_fen"),
        at=at,
    )


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could send a signed request somewhere else; the protocol has none.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty string, not {value!r}")
    return value


def _integer(data: Mapping[str, object], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer, not {value!r}")
    return value


def _moment(data: Mapping[str, object], key: str, *, required: bool) -> datetime | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"{key} is missing")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be an ISO 8601 string, not {value!r}")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{key} has no UTC offset: {value!r}")
    return moment
