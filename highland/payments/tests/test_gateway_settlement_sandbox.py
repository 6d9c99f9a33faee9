"""The sandbox's settlement report through the adapter: real HTTP on 127.0.0.1, signed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from highland.payments.gateway import GatewayError
from highland.payments.tests.test_gateway_sandbox import paid_charge

CHINA = timezone(timedelta(hours=8))


def close_today(gateway_send):
    from highland.payments.tests.conftest import _signed_for_path

    status, data = gateway_send(
        "POST", "/v1/test/settlements/close", _signed_for_path({}, {}, "demo")
    )
    assert status == 200, data
    return data["batches"]


def test_a_day_of_charges_and_refunds_settles_in_one_batch(
    gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, gateway_send
):
    today = datetime.now(CHINA).date()
    first = paid_charge(
        gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, "HL-1", 12345
    )
    paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, "HL-2", 5000)
    gateway_client.refund(out_trade_no="HL-1", out_refund_no="RHL-1-1", amount_fen=1000)
    assert gateway_client.settlements(today) == []  # the day is still open

    (closed,) = close_today(gateway_send)
    (batch,) = gateway_client.settlements(today)

    assert batch.batch_id == closed["batch_id"] == f"SB{today:%Y%m%d}-001"
    assert batch.settle_date == today
    # Fees: 0.6 % of each charge, rounded half up (74.07 -> 74, 30), kept on refunds.
    assert (batch.gross_fen, batch.fee_fen, batch.refund_fen, batch.net_fen) == (
        17345,
        104,
        1000,
        16241,
    )
    assert [
        (item.kind, item.out_trade_no, item.out_refund_no, item.amount_fen, item.fee_fen)
        for item in batch.items
    ] == [
        ("charge", "HL-1", None, 12345, 74),
        ("charge", "HL-2", None, 5000, 30),
        ("refund", "HL-1", "RHL-1-1", 1000, 0),
    ]
    assert batch.items[0].gateway_trade_no == first.gateway_trade_no
    assert batch.items[0].at.utcoffset() == timedelta(hours=8)
    # Asking again answers the same batch; what happens later goes into a new one.
    assert gateway_client.settlements(today) == [batch]
    paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, "HL-3", 200)
    assert gateway_client.settlements(today) == [batch]
    (later,) = close_today(gateway_send)
    assert later["batch_id"] == f"SB{today:%Y%m%d}-002"
    assert (later["gross_fen"], later["fee_fen"], later["net_fen"]) == (200, 1, 199)
    assert [found.batch_id for found in gateway_client.settlements(today)] == [
        batch.batch_id,
        later["batch_id"],
    ]


def test_settlements_are_per_merchant_and_need_a_date(
    gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, gateway_send
):
    from highland.payments.gateway import GatewayClient
    from highland.payments.tests.conftest import GATEWAY_MERCHANTS

    today = datetime.now(CHINA).date()
    paid_charge(gateway_client, gateway_receiver, gateway_pay, gateway_sandbox, "HL-9", 900)
    close_today(gateway_send)
    other = GatewayClient(gateway_sandbox.url, "other", GATEWAY_MERCHANTS["other"])

    assert other.settlements(today) == []
    assert [batch.gross_fen for batch in gateway_client.settlements(today)] == [900]
    with pytest.raises(GatewayError) as refusal:
        gateway_client._request("GET", "/v1/settlements", {"settle_date": "tomorrow"})
    assert (refusal.value.status, refusal.value.code) == (400, "invalid_params")
