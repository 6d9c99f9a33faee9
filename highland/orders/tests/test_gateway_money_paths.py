"""Late gateway payments and gateway refunds over HTTP: our live server, the gateway sandbox,
its notifications, and the gateway going away and coming back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from highland.core.events import deliver_due_outbox
from highland.core.models import OutboxMessage
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry
from highland.ledger.selectors import balances
from highland.orders import services
from highland.orders.models import Order, OrderStatus
from highland.payments.gateway import GatewayClient
from highland.payments.models import Payment, PaymentStatus, Refund
from highland.payments.tests.conftest import GATEWAY_MERCHANTS
from highland.testing import OrderFactory, wait_until

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port


def gateway_at(url: str, public_base_url: str):
    return override_settings(
        PAYMENT_GATEWAY_URL=url,
        PAYMENT_GATEWAY_MERCHANT="demo",
        PAYMENT_GATEWAY_SECRET=GATEWAY_MERCHANTS["demo"],
        PUBLIC_BASE_URL=public_base_url,
    )


@pytest.fixture
def gateway_up(gateway_sandbox, live_server) -> Iterator[None]:
    with gateway_at(gateway_sandbox.url, live_server.url):
        yield


@pytest.fixture
def sandbox_client(gateway_sandbox) -> GatewayClient:
    return GatewayClient(gateway_sandbox.url, "demo", GATEWAY_MERCHANTS["demo"])


def checkout_online(shop, address, code: str, quantity: int):
    return OrderFactory(shop.demo).place(((code, quantity),), delivery=address, method="gateway")


def open_cashier(shop, payment: Payment) -> str:
    """The buyer opens the gateway's pay page; returns the gateway's trade number."""
    client = Client()
    client.force_login(shop.buyer())
    started = client.post(f"/api/v1/payments/{payment.pk}/pay-online")
    assert started.status_code == 200, started.content
    return started.json()["pay_url"].rstrip("/").rsplit("/", 1)[-1]


def status_of(payment: Payment) -> str:
    return Payment.objects.get(pk=payment.pk).status


@pytest.mark.django_db(transaction=True)
def test_paid_after_the_hold_ran_out_the_order_is_honoured_if_stock_allows(
    shop, chengdu_address, gateway_sandbox, live_server, gateway_pay, sandbox_client
):
    stock = shop.sku("LT-ZC-500").stock
    result = checkout_online(shop, chengdu_address, "LT-ZC-500", 2)
    with gateway_at(gateway_sandbox.url, live_server.url):
        gateway_trade_no = open_cashier(shop, result.payment)
    # The hold runs out while the gateway cannot be reached: the charge stays open there.
    with gateway_at(UNREACHABLE, live_server.url):
        assert services.expire_reservations(now=timezone.now() + dt.timedelta(minutes=31)) == 1
    assert status_of(result.payment) == PaymentStatus.EXPIRED
    assert shop.sku("LT-ZC-500").stock == stock

    with gateway_at(gateway_sandbox.url, live_server.url):
        gateway_pay(gateway_trade_no)  # the buyer pays anyway
        assert wait_until(lambda: status_of(result.payment) == PaymentStatus.PAID)

        # The money is posted and the order honoured: stock taken again, seller owed.
        order = Order.objects.get(pk=result.orders[0].pk)
        assert (order.status, order.cancelled_at) == (OrderStatus.PAID, None)
        assert shop.sku("LT-ZC-500").stock == stock - 2
        totals = balances(shop.demo.county)
        assert totals["Assets:Gateway"] == result.payment.amount_fen
        assert totals["Liabilities:BuyerClearing"] == 0
        assert not Refund.objects.exists()
        assert verify_ledger(shop.demo.county) == []

        # The close that failed while the gateway was away now finds the charge paid.
        assert deliver_due_outbox(now=timezone.now() + dt.timedelta(minutes=5)) == 1
        assert sandbox_client.query_charge(result.payment.out_trade_no).status == "paid"
    assert Entry.objects.filter(kind="payments.payment.received").count() == 1


@pytest.mark.django_db(transaction=True)
def test_paid_after_the_hold_ran_out_and_the_stock_is_gone_is_refunded_in_full(
    shop, chengdu_address, gateway_sandbox, live_server, gateway_pay, sandbox_client
):
    sku = shop.sku("LT-ZC-500")
    sku.stock = 2
    sku.save(update_fields=["stock"])
    result = checkout_online(shop, chengdu_address, "LT-ZC-500", 2)
    with gateway_at(gateway_sandbox.url, live_server.url):
        gateway_trade_no = open_cashier(shop, result.payment)
    with gateway_at(UNREACHABLE, live_server.url):
        services.expire_reservations(now=timezone.now() + dt.timedelta(minutes=31))
    # Someone else buys the last two while the first buyer hesitates.
    checkout_online(shop, chengdu_address, "LT-ZC-500", 2)
    assert shop.sku("LT-ZC-500").stock == 0

    with gateway_at(gateway_sandbox.url, live_server.url):
        gateway_pay(gateway_trade_no)
        # Received, then refunded in full through the gateway after commit.
        assert wait_until(lambda: status_of(result.payment) == PaymentStatus.REFUNDED)
        assert wait_until(lambda: Refund.objects.filter(status="paid").exists())

    refund = Refund.objects.get()
    amount = result.payment.amount_fen
    assert (refund.amount_fen, refund.method, refund.reason_key) == (
        amount,
        "gateway",
        "unallocated",
    )
    assert Order.objects.get(pk=result.orders[0].pk).status == OrderStatus.CANCELLED
    assert shop.sku("LT-ZC-500").stock == 0
    charge = sandbox_client.query_charge(result.payment.out_trade_no)
    assert (charge.status, charge.refunded_fen) == ("refunded", amount)
    totals = balances(shop.demo.county)
    assert totals["Assets:Gateway"] == 0
    assert totals["Liabilities:RefundsDue"] == 0
    assert verify_ledger(shop.demo.county) == []


@pytest.mark.django_db(transaction=True)
def test_expiry_closes_the_charge_at_the_gateway(
    shop, chengdu_address, gateway_up, gateway_sandbox, sandbox_client
):
    result = checkout_online(shop, chengdu_address, "LT-ZC-500", 1)
    gateway_trade_no = open_cashier(shop, result.payment)

    services.expire_reservations(now=timezone.now() + dt.timedelta(minutes=31))

    assert sandbox_client.query_charge(result.payment.out_trade_no).status == "closed"
    assert OutboxMessage.objects.get(subscriber="payments.close_gateway_charge").status == (
        "delivered"
    )
    # The buyer can no longer pay it at the cashier.
    from highland.payments.gateway import signed

    client_pay = GatewayClient(gateway_sandbox.url, "demo", GATEWAY_MERCHANTS["demo"])
    envelope = signed(
        {"gateway_trade_no": gateway_trade_no},
        merchant_id="demo",
        secret=GATEWAY_MERCHANTS["demo"],
    )
    del envelope["gateway_trade_no"]
    assert client_pay is not None
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310  (sandbox URL)
        f"{gateway_sandbox.url}/v1/test/charges/{gateway_trade_no}/pay",
        data=json.dumps(envelope).encode(),
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refusal:
        opener.open(request, timeout=5)
    assert refusal.value.code == 409
    assert status_of(result.payment) == PaymentStatus.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_reconciliation_finds_a_late_payment_whose_notification_was_lost(
    shop, chengdu_address, gateway_sandbox, gateway_pay
):
    result = checkout_online(shop, chengdu_address, "LT-ZC-500", 1)
    # Our public address is wrong: every notification is lost.
    with gateway_at(gateway_sandbox.url, UNREACHABLE):
        gateway_trade_no = open_cashier(shop, result.payment)
        with gateway_at(UNREACHABLE, UNREACHABLE):
            services.expire_reservations(now=timezone.now() + dt.timedelta(minutes=31))
        gateway_pay(gateway_trade_no)
        assert status_of(result.payment) == PaymentStatus.EXPIRED

        assert services.reconcile_gateway_payments(older_than=dt.timedelta(0)) == 1

        assert status_of(result.payment) == PaymentStatus.PAID
        assert Order.objects.get(pk=result.orders[0].pk).status == OrderStatus.PAID
        assert services.reconcile_gateway_payments(older_than=dt.timedelta(0)) == 0
    assert verify_ledger(shop.demo.county) == []


def pay_and_receive(shop, address, gateway_pay, code: str, quantity: int):
    result = checkout_online(shop, address, code, quantity)
    gateway_pay(open_cashier(shop, result.payment))
    assert wait_until(lambda: status_of(result.payment) == PaymentStatus.PAID)
    return result


@pytest.mark.django_db(transaction=True)
def test_packing_with_the_gateway_down_succeeds_and_the_refund_arrives_once_it_is_back(
    shop, chengdu_address, gateway_sandbox, live_server, gateway_pay, sandbox_client
):
    with gateway_at(gateway_sandbox.url, live_server.url):
        result = pay_and_receive(shop, chengdu_address, gateway_pay, "LT-SR-W", 1000)
    order = result.orders[0]
    line = order.lines.get()
    seller = Client()
    seller.force_login(shop.demo.user("seller"))

    # The gateway is down: packing still succeeds, and the refund waits, requested.
    with gateway_at(UNREACHABLE, live_server.url):
        response = seller.post(
            f"/api/v1/orders/{order.pk}/pack",
            data={"packed_grams": {str(line.pk): 1030}},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PACKED
    refund = Refund.objects.get()
    assert (refund.status, refund.amount_fen) == ("requested", 2980 - 1788)
    assert refund.out_refund_no == f"R{result.payment.out_trade_no[1:]}N01"
    message = OutboxMessage.objects.get(subscriber="payments.send_gateway_refund")
    assert (message.status, message.attempts) == ("pending", 1)
    assert "network_error" in message.last_error
    assert balances(shop.demo.county)["Liabilities:RefundsDue"] == -1192
    assert sandbox_client.query_charge(result.payment.out_trade_no).refunded_fen == 0

    # The gateway is back: the next scheduled delivery pays the refund, once.
    with gateway_at(gateway_sandbox.url, live_server.url):
        later = timezone.now() + dt.timedelta(minutes=5)
        assert deliver_due_outbox(now=later) == 1
        assert deliver_due_outbox(now=later + dt.timedelta(hours=1)) == 0

    refund.refresh_from_db()
    assert refund.status == "paid"
    assert sandbox_client.query_charge(result.payment.out_trade_no).refunded_fen == 1192
    assert Entry.objects.filter(kind="payments.refund.paid").count() == 1
    totals = balances(shop.demo.county)
    assert totals["Liabilities:RefundsDue"] == 0
    assert totals["Assets:Gateway"] == result.payment.amount_fen - 1192
    assert verify_ledger(shop.demo.county) == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_gateway_answered_does_not_refund_twice(
    shop, chengdu_address, gateway_sandbox, live_server, gateway_pay, sandbox_client, monkeypatch
):
    from highland.payments import refunds

    with gateway_at(gateway_sandbox.url, live_server.url):
        result = pay_and_receive(shop, chengdu_address, gateway_pay, "LT-ZC-500", 2)
        real_mark_paid = refunds._mark_paid

        def killed(*args, **kwargs):
            raise SystemError("worker killed before commit")

        monkeypatch.setattr(refunds, "_mark_paid", killed)
        services.cancel_order(result.orders[0], actor=shop.buyer(), reason="changed my mind")

        # The gateway refunded, but our commit never happened: still requested here.
        amount = result.payment.amount_fen
        assert sandbox_client.query_charge(result.payment.out_trade_no).refunded_fen == amount
        refund = Refund.objects.get()
        assert refund.status == "requested"
        message = OutboxMessage.objects.get(subscriber="payments.send_gateway_refund")
        assert message.last_error == "SystemError: worker killed before commit"

        monkeypatch.setattr(refunds, "_mark_paid", real_mark_paid)
        assert deliver_due_outbox(now=timezone.now() + dt.timedelta(minutes=5)) == 1

    refund.refresh_from_db()
    assert refund.status == "paid"
    charge = sandbox_client.query_charge(result.payment.out_trade_no)
    assert (charge.status, charge.refunded_fen) == ("refunded", amount)
    assert Entry.objects.filter(kind="payments.refund.paid").count() == 1
    assert balances(shop.demo.county)["Assets:Gateway"] == 0
    assert verify_ledger(shop.demo.county) == []


@pytest.mark.django_db(transaction=True)
def test_a_refund_the_gateway_refuses_for_good_fails_visibly(
    shop, chengdu_address, gateway_sandbox, live_server, gateway_pay, sandbox_client
):
    with gateway_at(gateway_sandbox.url, live_server.url):
        result = pay_and_receive(shop, chengdu_address, gateway_pay, "LT-ZC-500", 1)
        # Someone refunded the charge at the gateway's own console: nothing is left there.
        sandbox_client.refund(
            out_trade_no=result.payment.out_trade_no,
            out_refund_no="CONSOLE-1",
            amount_fen=result.payment.amount_fen,
        )
        services.cancel_order(result.orders[0], actor=shop.buyer(), reason="changed my mind")

    refund = Refund.objects.get()
    assert refund.status == "failed"
    assert "over_refund" in refund.last_error
    message = OutboxMessage.objects.get(subscriber="payments.send_gateway_refund")
    assert (message.status, message.attempts) == ("failed", 1)
    # Still owed to the buyer in the books, for an operator to settle.
    assert balances(shop.demo.county)["Liabilities:RefundsDue"] == -result.payment.amount_fen
    assert verify_ledger(shop.demo.county) == []
