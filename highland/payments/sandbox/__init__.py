"""Payment gateway sandbox: a real HTTP peer on loopback that behaves like a Chinese gateway.

Standard library only. Start it in-process with `SandboxGateway(...).start()` (see
`highland/payments/tests/conftest.py` for fixtures) or from a shell with
`python -m highland.payments.sandbox --host 127.0.0.1 --port 8765 --merchant demo --secret s`.
It listens on loopback and notifies loopback only, unless started with `allow_external`.

Protocol
========

Signatures
----------
Every request to the gateway is signed by the merchant, and every notification from the
gateway is signed by the gateway, with the same merchant secret:

* envelope fields: `merchant_id`, `timestamp` (unix seconds), `nonce` (1-64 characters),
  `sign_type` (must be `HMAC-SHA256`) and `sign`;
* canonical string: all parameters except `sign`, leaving out empty values (null or ""),
  sorted by key, as `key=value` joined by `&`; values are JSON strings or integers and are
  written with `str()` (booleans, floats, lists and objects are refused with 400);
* `sign` = HMAC-SHA256(secret, canonical string), hex in lower case;
* path parameters (`out_trade_no` of the query and close APIs, `gateway_trade_no` of the
  test pay API) are signed as if they were parameters but travel only in the path;
* refused with 401: unknown merchant, missing or wrong `sign`, `timestamp` more than 300 s
  away from the gateway's clock, a `nonce` the merchant used in the last 10 minutes.
  Checks run in that order; a nonce is spent only by a correctly signed, fresh request.

Canonical strings are not injective when values contain `&` or `=` (the same holds for the
gateways this imitates); changing, adding or removing one field always changes the string.

Endpoints (JSON bodies, UTF-8)
------------------------------
`POST /v1/charges` {out_trade_no, amount_fen (integer > 0), subject, notify_url, return_url}
    200 {out_trade_no, gateway_trade_no, pay_url, status}. Idempotent on out_trade_no:
    the same amount, subject and URLs answer the same charge (with its current status);
    any difference is 409 `out_trade_no_conflict`. `notify_url` must point at 127.0.0.1,
    localhost or ::1 unless the sandbox runs with `allow_external` (else 400
    `notify_url_not_allowed`). `out_trade_no` and `out_refund_no`: 1-64 of [A-Za-z0-9_-].
`GET /v1/charges/<out_trade_no>?merchant_id&timestamp&nonce&sign_type&sign`
    200 {out_trade_no, gateway_trade_no, status, amount_fen, refunded_fen, paid_at, subject};
    status is pending | paid | closed | refunded | partially_refunded; paid_at is ISO 8601
    in +08:00 or null. Another merchant's charge is 404, like a missing one.
`POST /v1/charges/<out_trade_no>/close` {signed envelope only}
    Closes a pending charge so it can no longer be paid: 200 with the query API's body.
    Closing a closed charge again answers the same; a paid or refunded charge is 409
    `charge_not_closable`; an unknown one 404.
`POST /v1/refunds` {out_trade_no, out_refund_no, amount_fen (integer > 0)}
    200 {out_trade_no, out_refund_no, refund_id, amount_fen, refunded_fen, status:
    "succeeded"}; refunded_fen is the charge's total refunded once this refund went through.
    409 `over_refund` when the refunds would exceed the paid amount, 409
    `charge_not_refundable` for a pending or closed charge. Idempotent on out_refund_no (the
    same answer again, no second refund); a different charge or amount is 409
    `out_refund_no_conflict`.
`GET /v1/settlements?settle_date=YYYY-MM-DD&...envelope`
    200 {settle_date, batches: [{batch_id, settle_date, gross_fen, fee_fen, refund_fen,
    net_fen, charge_count, refund_count, items: [{type: charge | refund, out_trade_no,
    gateway_trade_no, out_refund_no, amount_fen, fee_fen, at}]}]}: what the gateway paid
    into the merchant's bank for that day (China Standard Time), `net_fen = gross_fen −
    fee_fen − refund_fen`. Every paid charge and every refund is an item of its day; a day
    is closed into a batch once it is over (or by the test API below), so a day still
    open answers no batches. The fee is `fee_rate_bp` basis points of each charge (default
    60), rounded half up, and is kept when the charge is refunded. `batch_id` is unique
    per merchant; importing a batch twice must change nothing.
`GET /pay/<gateway_trade_no>`
    The cashier page: subject, amount and two forms, "Pay" (POST .../confirm) and "Cancel"
    (POST .../cancel). Confirm marks the charge paid and cancel marks it closed; both
    answer 303 to return_url with `out_trade_no` added to its query. The return is not
    proof of payment: the merchant queries or waits for the notification. Confirming a
    closed charge or cancelling a paid one is 409.
`POST /v1/test/charges/<gateway_trade_no>/pay` {signed envelope only}
    Pays without a browser, as confirm does; 200 with the query API's body.
`POST /v1/test/settlements/close` {signed envelope only}
    Closes every open item up to today into batches at once (one per day); 200
    {batches: [...]} with the batches it made.
`GET /v1/test/notifications?out_trade_no&...envelope`
    200 {notifications: [{notify_id, event, out_trade_no, out_refund_no, notify_url,
    status: pending | delivered | failed, attempts: [{attempt, at, response_status,
    response_body, error, delivered}]}]}, oldest first.

Errors are JSON {code, message} with 400 (bad parameters), 401 (authentication), 404,
405, 409 or 413 (body over 64 KiB).

Notifications
-------------
When a charge is paid, and when a refund succeeds, the gateway POSTs JSON to the charge's
notify_url, from a background thread:

* `charge.succeeded`: {event, notify_id, merchant_id, out_trade_no, gateway_trade_no,
  amount_fen, paid_at, timestamp, nonce, sign_type, sign};
* `refund.succeeded`: the same plus {out_refund_no, refund_id, refunded_fen, refunded_at},
  with amount_fen the amount of this refund and refunded_fen the charge's total.

A delivery succeeds only on status 200 with a body of exactly `success`. Otherwise the
gateway retries after each delay of `retry_delays` (default 1, 2, 4, 8, 16, 32, 60, 60,
60 s: ten attempts in all), then marks the notification failed. Retries keep `notify_id`
and get a fresh timestamp, nonce and signature, so a receiver that checks freshness still
accepts a late retry: receivers deduplicate on notify_id. Redirects are not followed and
proxies are not used. Events of one charge may arrive out of order while one is retried.
"""

from highland.payments.sandbox.server import DEFAULT_RETRY_DELAYS, SandboxGateway

__all__ = ["DEFAULT_RETRY_DELAYS", "SandboxGateway"]
