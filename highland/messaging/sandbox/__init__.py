"""SMS gateway sandbox: a real HTTP peer on loopback that behaves like a Chinese SMS gateway.

Standard library only. Start it in-process with `SmsSandbox(...).start()` (see
`highland/messaging/tests/conftest.py`) or from a shell with
`python -m highland.messaging.sandbox --port 8766 --account highland-demo --secret s`.
It listens on loopback and reports to loopback only, unless started with `allow_external`.

Protocol
========

Signatures
----------
Every request to the gateway is signed by the account holder, and every delivery report
from the gateway is signed by the gateway, with the same account secret:

* headers `X-Sms-Account`, `X-Sms-Timestamp` (unix seconds) and `X-Sms-Signature`;
* signature = HMAC-SHA256(secret, "<timestamp>.<raw body>"), hex in lower case;
* refused with 401: unknown account, missing or wrong signature, a timestamp more than
  300 s away from the gateway's clock.

Endpoints (JSON bodies, UTF-8)
------------------------------
`POST /v1/messages` {client_reference, phone, text, report_url}
    200 {message_id, client_reference, segments, status: "accepted"}. `client_reference`
    (1-64 of [A-Za-z0-9_-]) is the idempotency key: the same reference with the same
    phone and text answers the first message again and sends nothing; a different phone
    or text is 409 `client_reference_conflict`. `phone` is 11 digits of a mainland mobile
    (400 `invalid_phone`), `text` 1-1000 characters. `report_url` must point at loopback
    unless the sandbox runs with `allow_external` (400 `report_url_not_allowed`).
`GET /messages?phone=<11 digits>` (no signature: the sandbox's inbox, for tests and the demo)
    200 {messages: [{message_id, client_reference, phone, text, segments, received_at,
    report_status}]}, oldest first. `GET /` shows the same as a page.

Errors are JSON {code, message} with 400, 401, 404, 405, 409 or 413 (body over 64 KiB).

Delivery reports
----------------
After `report_delay` seconds, from a background thread, the gateway POSTs to report_url
{message_id, client_reference, status: delivered | failed, error, reported_at}, signed as
above. A number ending in 0000 is "switched off": its messages are reported failed. A report
counts as received only on status 200; otherwise it is retried after each delay of
`retry_delays` (default 1, 2, 4, 8, 16, 32, 60 s), with a fresh timestamp and signature.
"""

from highland.messaging.sandbox.server import DEFAULT_RETRY_DELAYS, SmsSandbox

__all__ = ["DEFAULT_RETRY_DELAYS", "SmsSandbox"]
