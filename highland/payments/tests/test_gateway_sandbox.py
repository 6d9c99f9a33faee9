"""The gateway adapter against the sandbox: real HTTP on 127.0.0.1, signed both ways."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highland.payments.gateway import (
    BadSignature,
    ChargeStatus,
    GatewayClient,
    GatewayError,
    Notification,
    parse_notification,
    sign,
    signed,
    verify_signature,
)
from highland.payments.sandbox import SandboxGateway
from highland.payments.sandbox.wire import signature as sandbox_signature

SECRET = "sandbox-secret-demo"
RETURN_URL = "http://127.0.0.1:9/shop/return?step=done"

keys = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(lambda key: key != "sign")
values = st.one_of(st.text(min_size=1, max_size=20), st.integers())
param_sets = st.dictionaries(keys, values, min_size=1, max_size=8)


def open_charge(client, receiver, out_trade_no="HL-1001", amount_fen=12345):
    return client.create_charge(
        out_trade_no=out_trade_no,
        amount_fen=amount_fen,
        subject="Litang yak butter 500 g",
        notify_url=receiver.url,
        return_url=RETURN_URL,
    )


def paid_charge(client, receiver, pay, sandbox, out_trade_no="HL-1001", amount_fen=12345):
    charge = open_charge(client, receiver, out_trade_no, amount_fen)
    pay(charge.gateway_trade_no)
    assert sandbox.wait_for_deliveries(timeout=5)
    return charge


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


browser = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def browse(url, *, post=False):
    request = urllib.request.Request(url, data=b"" if post else None)  # noqa: S310  (sandbox URL)
    try:
        with browser.open(request, timeout=5) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode()


# -- signatures -----------------------------------------------------------------------------


def test_sign_is_hmac_sha256_of_sorted_pairs_without_sign_and_empties():
    params = {
        "subject": "酥油",
        "amount_fen": 500,
        "merchant_id": "demo",
        "attach": "",
        "memo": None,
        "sign": "ignored",
    }

    signature = sign(params, "k")

    message = "amount_fen=500&merchant_id=demo&subject=酥油".encode()
    assert signature == hmac.new(b"k", message, hashlib.sha256).hexdigest()


@given(params=param_sets, secret=st.text(min_size=1, max_size=20))
def test_client_and_sandbox_sign_alike(params, secret):
    assert sign(params, secret) == sandbox_signature(params, secret)


@given(params=param_sets, data=st.data())
def test_any_change_to_any_field_breaks_the_signature(params, data):
    message = {**params, "sign": sign(params, SECRET)}
    assert verify_signature(message, SECRET)
    key = data.draw(st.sampled_from(sorted(params)), label="key")
    change = data.draw(st.sampled_from(["value", "blank", "remove", "add"]), label="change")

    if change == "value":
        message[key] = data.draw(values.filter(lambda new: str(new) != str(params[key])))
    elif change == "blank":
        message[key] = ""
    elif change == "remove":
        del message[key]
    else:
        extra = data.draw(keys.filter(lambda new: new not in params), label="extra")
        message[extra] = data.draw(values, label="extra value")

    assert not verify_signature(message, SECRET)


@given(params=param_sets, other_secret=st.text(min_size=1, max_size=20))
def test_another_secret_does_not_verify(params, other_secret):
    message = {**params, "sign": sign(params, SECRET)}

    assert verify_signature(message, other_secret) is (other_secret == SECRET)


def test_verify_signature_refuses_missing_or_odd_signatures():
    params = {"out_trade_no": "HL-1", "amount_fen": 100}
    good = sign(params, SECRET)

    assert verify_signature({**params, "sign": good}, SECRET)
    assert not verify_signature(params, SECRET)
    assert not verify_signature({**params, "sign": ""}, SECRET)
    assert not verify_signature({**params, "sign": good.upper()}, SECRET)
    assert not verify_signature({**params, "sign": 1}, SECRET)
    assert not verify_signature({**params, "paid": True, "sign": good}, SECRET)


def test_sign_refuses_values_that_json_and_python_spell_differently():
    with pytest.raises(TypeError):
        sign({"paid": True}, SECRET)
    with pytest.raises(TypeError):
        sign({"amount": 1.5}, SECRET)


# -- charges and notifications --------------------------------------------------------------


def test_a_paid_charge_is_notified_once_when_acknowledged(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay, gateway_notifications
):
    charge = open_charge(gateway_client, gateway_receiver)
    assert charge.status is ChargeStatus.PENDING
    assert charge.pay_url == f"{gateway_sandbox.url}/pay/{charge.gateway_trade_no}"

    gateway_pay(charge.gateway_trade_no)

    [body] = gateway_receiver.wait_for(1)
    assert gateway_sandbox.wait_for_deliveries(timeout=5)
    notification = parse_notification(body, SECRET)
    assert notification == Notification(
        event="charge.succeeded",
        notify_id=notification.notify_id,
        merchant_id="demo",
        out_trade_no="HL-1001",
        gateway_trade_no=charge.gateway_trade_no,
        amount_fen=12345,
        paid_at=notification.paid_at,
        timestamp=notification.timestamp,
        nonce=notification.nonce,
    )
    assert notification.paid_at is not None
    assert notification.paid_at.utcoffset() == timedelta(hours=8)
    assert abs(notification.timestamp - time.time()) < 60
    assert json.loads(body)["paid_at"].endswith("+08:00")
    assert gateway_receiver.bodies == [body]
    [record] = gateway_notifications("HL-1001")
    assert record["notify_id"] == notification.notify_id
    assert record["status"] == "delivered"
    assert [(a["attempt"], a["response_status"], a["delivered"]) for a in record["attempts"]] == [
        (1, 200, True)
    ]


def test_failed_deliveries_are_retried_with_the_same_notify_id_until_success(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay, gateway_notifications
):
    gateway_receiver.answer_with((500, b"oops"), (500, b"oops"))
    charge = open_charge(gateway_client, gateway_receiver)

    gateway_pay(charge.gateway_trade_no)

    assert gateway_sandbox.wait_for_deliveries(timeout=5)
    bodies = gateway_receiver.wait_for(3)
    assert len(bodies) == 3
    notifications = [parse_notification(body, SECRET) for body in bodies]
    assert len({n.notify_id for n in notifications}) == 1
    assert len({n.nonce for n in notifications}) == 3
    [record] = gateway_notifications("HL-1001")
    assert record["status"] == "delivered"
    assert [(a["response_status"], a["delivered"]) for a in record["attempts"]] == [
        (500, False),
        (500, False),
        (200, True),
    ]


def test_only_a_200_with_exactly_success_counts_as_delivered(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay, gateway_notifications
):
    gateway_receiver.answer_with(*[(200, b"ok")] * 3, (200, b"success\n"), (200, b"SUCCESS"))
    charge = open_charge(gateway_client, gateway_receiver)

    gateway_pay(charge.gateway_trade_no)

    assert gateway_sandbox.wait_for_deliveries(timeout=5)
    assert len(gateway_receiver.bodies) == 5  # every attempt of the fast schedule, no more
    [record] = gateway_notifications("HL-1001")
    assert record["status"] == "failed"
    assert [a["response_body"] for a in record["attempts"]] == [
        "ok",
        "ok",
        "ok",
        "success\n",
        "SUCCESS",
    ]


def test_an_unreachable_receiver_is_recorded_as_errors(
    gateway_sandbox, gateway_client, gateway_pay, gateway_notifications
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    charge = gateway_client.create_charge(
        out_trade_no="HL-1001",
        amount_fen=100,
        subject="Tea",
        notify_url=f"http://127.0.0.1:{closed_port}/notify",
        return_url=RETURN_URL,
    )

    gateway_pay(charge.gateway_trade_no)

    assert gateway_sandbox.wait_for_deliveries(timeout=5)
    [record] = gateway_notifications("HL-1001")
    assert record["status"] == "failed"
    assert len(record["attempts"]) == 5
    assert all(a["response_status"] is None and a["error"] for a in record["attempts"])


def test_creating_a_charge_again_is_idempotent(gateway_client, gateway_receiver):
    first = open_charge(gateway_client, gateway_receiver)

    again = open_charge(gateway_client, gateway_receiver)

    assert again == first


def test_reusing_an_out_trade_no_for_another_amount_is_refused(gateway_client, gateway_receiver):
    first = open_charge(gateway_client, gateway_receiver, amount_fen=12345)

    with pytest.raises(GatewayError) as refused:
        open_charge(gateway_client, gateway_receiver, amount_fen=99)

    assert (refused.value.status, refused.value.code) == (409, "out_trade_no_conflict")
    assert "amount_fen" in refused.value.message
    state = gateway_client.query_charge("HL-1001")
    assert (state.gateway_trade_no, state.amount_fen) == (first.gateway_trade_no, 12345)


@pytest.mark.parametrize(
    "notify_url",
    ["http://10.0.0.8/notify", "https://pay.example.com/notify", "http://127.0.0.2/notify"],
)
def test_notify_urls_off_loopback_are_refused(gateway_client, notify_url):
    with pytest.raises(GatewayError) as refused:
        gateway_client.create_charge(
            out_trade_no="HL-1001",
            amount_fen=100,
            subject="Tea",
            notify_url=notify_url,
            return_url=RETURN_URL,
        )

    assert (refused.value.status, refused.value.code) == (400, "notify_url_not_allowed")
    assert "allow_external=True" in refused.value.message
    with pytest.raises(GatewayError) as missing:
        gateway_client.query_charge("HL-1001")
    assert missing.value.status == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_fen", 0),
        ("amount_fen", -1),
        ("amount_fen", "100"),
        ("amount_fen", True),
        ("subject", ""),
        ("out_trade_no", "HL 1001"),
        ("notify_url", "ftp://127.0.0.1/notify"),
    ],
)
def test_bad_charge_parameters_are_400(gateway_receiver, gateway_send, field, value):
    params = {
        "out_trade_no": "HL-1001",
        "amount_fen": 100,
        "subject": "Tea",
        "notify_url": gateway_receiver.url,
        "return_url": RETURN_URL,
    }
    params[field] = value
    envelope = {**params, "merchant_id": "demo", "timestamp": int(time.time())}
    envelope.update(nonce="n-1", sign_type="HMAC-SHA256")
    # Booleans are not signable by the adapter; the sandbox refuses them before the signature.
    if not isinstance(value, bool):
        envelope["sign"] = sign(envelope, SECRET)

    status, data = gateway_send("POST", "/v1/charges", envelope)

    assert (status, data["code"]) == (400, "invalid_params")
    assert field in data["message"]


# -- authentication -------------------------------------------------------------------------


def charge_params(receiver):
    return {
        "out_trade_no": "HL-1001",
        "amount_fen": 100,
        "subject": "Tea",
        "notify_url": receiver.url,
        "return_url": RETURN_URL,
    }


def test_a_bad_signature_is_401_and_creates_nothing(gateway_client, gateway_receiver, gateway_send):
    envelope = signed(charge_params(gateway_receiver), merchant_id="demo", secret=SECRET)
    envelope["amount_fen"] = 1  # tampered after signing

    status, data = gateway_send("POST", "/v1/charges", envelope)

    assert (status, data["code"]) == (401, "bad_signature")
    with pytest.raises(GatewayError) as missing:
        gateway_client.query_charge("HL-1001")
    assert missing.value.status == 404


def test_a_missing_signature_is_401(gateway_receiver, gateway_send):
    envelope = signed(charge_params(gateway_receiver), merchant_id="demo", secret=SECRET)
    del envelope["sign"]

    status, data = gateway_send("POST", "/v1/charges", envelope)

    assert (status, data["code"]) == (401, "bad_signature")


def test_a_replayed_nonce_is_401(gateway_receiver, gateway_send):
    envelope = signed(charge_params(gateway_receiver), merchant_id="demo", secret=SECRET)
    first_status, _ = gateway_send("POST", "/v1/charges", envelope)

    status, data = gateway_send("POST", "/v1/charges", envelope)

    assert first_status == 200
    assert (status, data["code"]) == (401, "replayed_nonce")


def test_a_badly_signed_request_does_not_spend_the_nonce(gateway_receiver, gateway_send):
    envelope = signed(charge_params(gateway_receiver), merchant_id="demo", secret=SECRET)
    forged = {**envelope, "sign": "0" * 64}
    forged_status, _ = gateway_send("POST", "/v1/charges", forged)

    status, _ = gateway_send("POST", "/v1/charges", envelope)

    assert (forged_status, status) == (401, 200)


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_timestamp_is_401(gateway_receiver, gateway_send, skew):
    envelope = {
        **charge_params(gateway_receiver),
        "merchant_id": "demo",
        "timestamp": int(time.time()) + skew,
        "nonce": f"nonce-{skew}",
        "sign_type": "HMAC-SHA256",
    }
    envelope["sign"] = sign(envelope, SECRET)

    status, data = gateway_send("POST", "/v1/charges", envelope)

    assert (status, data["code"]) == (401, "stale_timestamp")


def test_an_unknown_merchant_is_401(gateway_sandbox, gateway_receiver):
    client = GatewayClient(gateway_sandbox.url, "nobody", SECRET)

    with pytest.raises(GatewayError) as refused:
        open_charge(client, gateway_receiver)

    assert (refused.value.status, refused.value.code) == (401, "unknown_merchant")


def test_the_query_signature_covers_the_out_trade_no_in_the_path(
    gateway_client, gateway_receiver, gateway_send
):
    open_charge(gateway_client, gateway_receiver, out_trade_no="HL-1001")
    open_charge(gateway_client, gateway_receiver, out_trade_no="HL-1002")
    envelope = signed({"out_trade_no": "HL-1001"}, merchant_id="demo", secret=SECRET)
    del envelope["out_trade_no"]

    status, data = gateway_send("GET", "/v1/charges/HL-1002", envelope)

    assert (status, data["code"]) == (401, "bad_signature")


def test_another_merchants_charge_looks_missing(gateway_sandbox, gateway_client, gateway_receiver):
    open_charge(gateway_client, gateway_receiver)
    other = GatewayClient(gateway_sandbox.url, "other", "sandbox-secret-other")

    with pytest.raises(GatewayError) as missing:
        other.query_charge("HL-1001")

    assert (missing.value.status, missing.value.code) == (404, "not_found")


def test_an_unreachable_gateway_is_a_gateway_error_with_status_0():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = GatewayClient(f"http://127.0.0.1:{closed_port}", "demo", SECRET, timeout=2)

    with pytest.raises(GatewayError) as failed:
        client.query_charge("HL-1001")

    assert (failed.value.status, failed.value.code) == (0, "network_error")


# -- query API and refunds ------------------------------------------------------------------


def test_the_query_api_follows_a_charge_through_its_states(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay
):
    charge = open_charge(gateway_client, gateway_receiver, amount_fen=1000)
    pending = gateway_client.query_charge("HL-1001")
    assert (pending.status, pending.amount_fen, pending.refunded_fen, pending.paid_at) == (
        ChargeStatus.PENDING,
        1000,
        0,
        None,
    )
    assert pending.gateway_trade_no == charge.gateway_trade_no

    gateway_pay(charge.gateway_trade_no)
    paid = gateway_client.query_charge("HL-1001")
    gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-1", amount_fen=300)
    partly = gateway_client.query_charge("HL-1001")
    gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-2", amount_fen=700)
    refunded = gateway_client.query_charge("HL-1001")

    assert (paid.status, paid.refunded_fen) == (ChargeStatus.PAID, 0)
    assert paid.paid_at is not None
    assert paid.paid_at.utcoffset() == timedelta(hours=8)
    assert (partly.status, partly.refunded_fen) == (ChargeStatus.PARTIALLY_REFUNDED, 300)
    assert (refunded.status, refunded.refunded_fen) == (ChargeStatus.REFUNDED, 1000)
    assert refunded.paid_at == paid.paid_at
    assert gateway_sandbox.wait_for_deliveries(timeout=5)


def test_partial_refunds_then_an_over_refund_is_refused(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay, gateway_notifications
):
    paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, amount_fen=1000)

    first = gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-1", amount_fen=400)
    second = gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-2", amount_fen=500)
    with pytest.raises(GatewayError) as refused:
        gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-3", amount_fen=101)

    assert (first.amount_fen, first.refunded_fen, first.status) == (400, 400, "succeeded")
    assert (second.amount_fen, second.refunded_fen) == (500, 900)
    assert (refused.value.status, refused.value.code) == (409, "over_refund")
    state = gateway_client.query_charge("HL-1001")
    assert (state.status, state.refunded_fen) == (ChargeStatus.PARTIALLY_REFUNDED, 900)
    assert gateway_sandbox.wait_for_deliveries(timeout=5)
    notifications = gateway_notifications("HL-1001")
    assert len({n["notify_id"] for n in notifications}) == 3
    events = [(n["event"], n["out_refund_no"], n["status"]) for n in notifications]
    assert events == [
        ("charge.succeeded", None, "delivered"),
        ("refund.succeeded", "RF-1", "delivered"),
        ("refund.succeeded", "RF-2", "delivered"),
    ]
    # Each notification is delivered from its own thread, so they may arrive in any order.
    received = [parse_notification(body, SECRET) for body in gateway_receiver.bodies]
    (refund_notification,) = [n for n in received if n.out_refund_no == "RF-2"]
    assert (
        refund_notification.event,
        refund_notification.out_refund_no,
        refund_notification.refund_id,
        refund_notification.amount_fen,
        refund_notification.refunded_fen,
    ) == ("refund.succeeded", "RF-2", second.refund_id, 500, 900)
    assert refund_notification.refunded_at is not None
    assert refund_notification.refunded_at.utcoffset() == timedelta(hours=8)


def test_racing_refunds_never_refund_more_than_was_paid(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay
):
    paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, amount_fen=1000)
    outcomes: list[object] = []
    start = threading.Barrier(8)

    def refund(number):
        start.wait(timeout=5)
        try:
            outcomes.append(
                gateway_client.refund(
                    out_trade_no="HL-1001", out_refund_no=f"RF-{number}", amount_fen=300
                ).refunded_fen
            )
        except GatewayError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=refund, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes, key=str) == [300, 600, 900] + ["over_refund"] * 5
    assert gateway_client.query_charge("HL-1001").refunded_fen == 900
    assert gateway_sandbox.wait_for_deliveries(timeout=5)


def test_racing_creates_open_one_charge(gateway_client, gateway_receiver):
    charges: list[object] = []
    start = threading.Barrier(8)

    def create():
        start.wait(timeout=5)
        charges.append(open_charge(gateway_client, gateway_receiver))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(charges) == 8
    assert len(set(charges)) == 1


def test_a_refund_is_idempotent_on_out_refund_no(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay, gateway_notifications
):
    paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, amount_fen=1000)
    first = gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-1", amount_fen=400)

    again = gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-1", amount_fen=400)
    with pytest.raises(GatewayError) as conflict:
        gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-1", amount_fen=300)

    assert again == first
    assert (conflict.value.status, conflict.value.code) == (409, "out_refund_no_conflict")
    assert gateway_client.query_charge("HL-1001").refunded_fen == 400
    assert gateway_sandbox.wait_for_deliveries(timeout=5)
    assert [n["event"] for n in gateway_notifications("HL-1001")] == [
        "charge.succeeded",
        "refund.succeeded",
    ]


def test_an_unpaid_charge_cannot_be_refunded(gateway_client, gateway_receiver):
    open_charge(gateway_client, gateway_receiver)

    with pytest.raises(GatewayError) as refused:
        gateway_client.refund(out_trade_no="HL-1001", out_refund_no="RF-1", amount_fen=1)

    assert (refused.value.status, refused.value.code) == (409, "charge_not_refundable")
    assert gateway_client.query_charge("HL-1001").refunded_fen == 0


# -- cashier pages --------------------------------------------------------------------------


def test_the_cashier_page_pays_and_sends_the_browser_back(
    gateway_sandbox, gateway_client, gateway_receiver
):
    charge = gateway_client.create_charge(
        out_trade_no="HL-1001",
        amount_fen=12345,
        subject="Yak butter <1 kg>",
        notify_url=gateway_receiver.url,
        return_url=RETURN_URL,
    )

    page_status, _, page = browse(charge.pay_url)
    status, headers, _ = browse(f"{charge.pay_url}/confirm", post=True)

    assert page_status == 200
    assert "Yak butter &lt;1 kg&gt;" in page
    assert "¥123.45" in page
    assert f'action="/pay/{charge.gateway_trade_no}/confirm"><button>Pay</button>' in page
    assert f'action="/pay/{charge.gateway_trade_no}/cancel"><button>Cancel</button>' in page
    assert status == 303
    assert headers["Location"] == RETURN_URL + "&out_trade_no=HL-1001"
    assert gateway_client.query_charge("HL-1001").status is ChargeStatus.PAID
    [body] = gateway_receiver.wait_for(1)
    assert parse_notification(body, SECRET).out_trade_no == "HL-1001"
    assert gateway_sandbox.wait_for_deliveries(timeout=5)


def test_cancelling_on_the_cashier_page_closes_the_charge(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_notifications
):
    charge = open_charge(gateway_client, gateway_receiver)

    status, headers, _ = browse(f"{charge.pay_url}/cancel", post=True)
    confirm_status, _, _ = browse(f"{charge.pay_url}/confirm", post=True)
    _, _, page = browse(charge.pay_url)

    assert status == 303
    assert headers["Location"] == RETURN_URL + "&out_trade_no=HL-1001"
    assert confirm_status == 409
    assert gateway_client.query_charge("HL-1001").status is ChargeStatus.CLOSED
    assert "<button>" not in page
    assert gateway_notifications("HL-1001") == []


def test_a_paid_charge_cannot_be_cancelled(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay
):
    charge = paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox)

    status, _, _ = browse(f"{charge.pay_url}/cancel", post=True)

    assert status == 409
    assert gateway_client.query_charge("HL-1001").status is ChargeStatus.PAID


def test_paying_twice_notifies_once(
    gateway_sandbox, gateway_client, gateway_receiver, gateway_pay, gateway_notifications
):
    charge = paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox)

    again = gateway_pay(charge.gateway_trade_no)
    browse(f"{charge.pay_url}/confirm", post=True)

    assert again["status"] == "paid"
    assert gateway_sandbox.wait_for_deliveries(timeout=5)
    assert len(gateway_notifications("HL-1001")) == 1
    assert len(gateway_receiver.bodies) == 1


# -- notifications, parsed ------------------------------------------------------------------


def notification_body(**changes):
    data = {
        "event": "charge.succeeded",
        "notify_id": "N1",
        "merchant_id": "demo",
        "out_trade_no": "HL-1001",
        "gateway_trade_no": "GT1",
        "amount_fen": 100,
        "paid_at": "2026-01-02T10:00:00+08:00",
        "timestamp": 1767319200,
        "nonce": "abc",
        "sign_type": "HMAC-SHA256",
        **changes,
    }
    data["sign"] = sign(data, SECRET)
    return data


def test_parse_notification_refuses_a_bad_or_missing_signature():
    tampered = {**notification_body(), "amount_fen": 1}
    unsigned = notification_body()
    del unsigned["sign"]

    with pytest.raises(BadSignature):
        parse_notification(json.dumps(tampered).encode(), SECRET)
    with pytest.raises(BadSignature):
        parse_notification(json.dumps(unsigned).encode(), SECRET)
    with pytest.raises(BadSignature):
        parse_notification(json.dumps(notification_body()).encode(), "another secret")


@pytest.mark.parametrize("body", [b"", b"success", b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_parse_notification_refuses_malformed_json(body):
    with pytest.raises(ValueError):
        parse_notification(body, SECRET)


def test_parse_notification_refuses_a_signed_body_of_the_wrong_shape():
    body = notification_body(amount_fen="100")

    with pytest.raises(ValueError):
        parse_notification(json.dumps(body).encode(), SECRET)


# -- running it -----------------------------------------------------------------------------


def test_the_sandbox_listens_on_loopback_only_unless_told():
    with pytest.raises(ValueError, match="allow_external=True"):
        SandboxGateway("0.0.0.0", 0, {"demo": SECRET})  # noqa: S104


def test_the_sandbox_runs_from_a_shell(gateway_receiver):
    root = Path(__file__).resolve().parents[3]
    environment = {**os.environ, "HIGHLAND_SANDBOX_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "highland.payments.sandbox", "--port", "0", "--merchant", "demo"],
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    try:
        reader.start()
        reader.join(timeout=30)
        assert lines and lines[0].startswith("Gateway sandbox at http://127.0.0.1:"), lines
        url = lines[0].split()[3]
        client = GatewayClient(url, "demo", SECRET)

        charge = open_charge(client, gateway_receiver)

        assert client.query_charge("HL-1001").gateway_trade_no == charge.gateway_trade_no
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
