"""Gateway money reaches the bank in the books: a real checkout paid through the sandbox,
its settlement report imported and reconciled, and payouts leaving from the bank only."""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
import time
from datetime import timedelta, timezone

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone as django_timezone

from highland.core.models import AuditRecord
from highland.ledger import accounts
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry
from highland.ledger.selectors import balance
from highland.orders import services
from highland.orders.models import Order, OrderStatus, Payout
from highland.orders.settlement import settle_sellers
from highland.payments.gateway import GatewayClient, sign
from highland.payments.gateway_settlement import (
    SettlementReportUnavailable,
    import_gateway_settlements,
)
from highland.payments.models import (
    DiscrepancyKind,
    GatewaySettlement,
    Payment,
    PaymentStatus,
    SettlementDiscrepancy,
)
from highland.payments.tests.conftest import GATEWAY_MERCHANTS, _signed_for_path
from highland.testing import OrderFactory, wait_until

NOTIFY_PATH = "/api/v1/payments/gateway/notify"
CHINA = timezone(timedelta(hours=8))
TEA = "LT-ZC-500"


def checkout_online(shop, address, quantity=2):
    return OrderFactory(shop.demo).place(((TEA, quantity),), delivery=address, method="gateway")


def pay_online(shop, result, gateway_pay):
    """The buyer opens the gateway's cashier and pays; the notification reaches us."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(shop.buyer())
    started = client.post(f"/api/v1/payments/{result.payment.pk}/pay-online")
    assert started.status_code == 200, started.content
    gateway_pay(started.json()["pay_url"].rstrip("/").rsplit("/", 1)[-1])
    assert wait_until(
        lambda: Payment.objects.get(pk=result.payment.pk).status == PaymentStatus.PAID
    )
    return Payment.objects.get(pk=result.payment.pk)


def deliver_a_week_ago(shop, order):
    seller, operator = shop.demo.user("seller"), shop.demo.user("operator")
    services.pack_order(order, {}, actor=seller)
    services.advance_order(order, OrderStatus.SHIPPED, actor=seller)
    services.advance_order(order, OrderStatus.DELIVERED, actor=operator)
    Order.objects.filter(pk=order.pk).update(
        delivered_at=django_timezone.now() - dt.timedelta(days=8)
    )


def close_gateway_day(gateway_send):
    status, data = gateway_send(
        "POST", "/v1/test/settlements/close", _signed_for_path({}, {}, "demo")
    )
    assert status == 200, data
    return data["batches"]


def gateway_today():
    return dt.datetime.now(CHINA).date()


def fee_of(amount_fen):
    return (amount_fen * 60 + 5000) // 10000


@pytest.mark.django_db(transaction=True)
def test_gateway_money_reaches_the_bank_and_then_pays_the_seller(
    shop, chengdu_address, gateway_settings, gateway_pay, gateway_send
):
    county, operator = shop.demo.county, shop.demo.user("operator")
    result = checkout_online(shop, chengdu_address)
    payment = pay_online(shop, result, gateway_pay)
    deliver_a_week_ago(shop, result.orders[0])
    assert balance(county, accounts.GATEWAY) == payment.amount_fen

    # The money is still with the gateway: the bank cannot pay the seller.
    run = settle_sellers(county, actor=None)
    assert run.payouts == []
    assert [held.message for held in run.held] == [
        f"The payout of ¥90.24 to seller S{result.orders[0].seller_id} is held: "
        "the bank account holds ¥0.00."
    ]
    # The gateway has not closed the day: nothing to import, nothing flagged.
    nothing = import_gateway_settlements(gateway_today(), actor=operator, county=county)
    assert (nothing.settlements, nothing.discrepancies) == ([], [])

    (batch,) = close_gateway_day(gateway_send)
    imported = import_gateway_settlements(gateway_today(), actor=operator, county=county)

    fee = fee_of(payment.amount_fen)
    (settlement,) = imported.settlements
    assert imported.discrepancies == []
    assert (settlement.batch_id, settlement.settle_date) == (batch["batch_id"], gateway_today())
    assert (settlement.gross_fen, settlement.fee_fen, settlement.refund_fen) == (
        payment.amount_fen,
        fee,
        0,
    )
    assert settlement.net_fen == batch["net_fen"] == payment.amount_fen - fee
    assert [item.out_trade_no for item in settlement.items.all()] == [payment.out_trade_no]
    assert balance(county, accounts.GATEWAY) == 0
    assert balance(county, accounts.BANK) == payment.amount_fen - fee
    assert balance(county, accounts.GATEWAY_FEES) == fee
    assert AuditRecord.objects.filter(action="payments.gateway_settlement.imported").count() == 1

    # Importing again changes nothing.
    entries = Entry.objects.count()
    again = import_gateway_settlements(gateway_today(), actor=operator, county=county)
    assert (again.settlements, again.discrepancies) == ([], [])
    assert Entry.objects.count() == entries
    assert GatewaySettlement.objects.count() == 1

    (payout,) = settle_sellers(county, actor=None).payouts
    assert payout.amount_fen == 9600 - 576
    assert balance(county, accounts.BANK) == payment.amount_fen - fee - payout.amount_fen
    assert verify_ledger(county) == []


def found_one():
    return SettlementDiscrepancy.objects.order_by("pk").first()


def forged_notification(payment):
    """A correctly signed charge notification the gateway never sent (a leaked secret)."""
    body = {
        "event": "charge.succeeded",
        "notify_id": "N" + secrets.token_hex(16),
        "merchant_id": "demo",
        "out_trade_no": payment.out_trade_no,
        "gateway_trade_no": "GTFORGED",
        "amount_fen": payment.amount_fen,
        "paid_at": dt.datetime.now(CHINA).isoformat(timespec="seconds"),
        "timestamp": int(time.time()),
        "nonce": secrets.token_hex(8),
        "sign_type": "HMAC-SHA256",
    }
    body["sign"] = sign(body, GATEWAY_MERCHANTS["demo"])
    return json.dumps(body)


@pytest.mark.django_db(transaction=True)
def test_the_report_is_reconciled_against_the_ledger(
    shop,
    chengdu_address,
    gateway_settings,
    gateway_sandbox,
    gateway_pay,
    gateway_send,
    gateway_receiver,
    client_as,
    django_assert_max_num_queries,
):
    county, operator = shop.demo.county, shop.demo.user("operator")
    client = GatewayClient(gateway_sandbox.url, "demo", GATEWAY_MERCHANTS["demo"])
    settled = pay_online(shop, checkout_online(shop, chengdu_address), gateway_pay)
    # Paid at the gateway, but its notification went elsewhere: the ledger never saw it.
    unseen = checkout_online(shop, chengdu_address, quantity=1).payment
    charge = client.create_charge(
        out_trade_no=unseen.out_trade_no,
        amount_fen=unseen.amount_fen,
        subject="tea",
        notify_url=gateway_receiver.url,
        return_url="http://127.0.0.1:9/return",
    )
    gateway_pay(charge.gateway_trade_no)
    # A charge of no payment here.
    stranger = client.create_charge(
        out_trade_no="NOT-OURS-1",
        amount_fen=777,
        subject="?",
        notify_url=gateway_receiver.url,
        return_url="http://127.0.0.1:9/return",
    )
    gateway_pay(stranger.gateway_trade_no)
    # In the ledger through a signed notification the gateway never sent.
    forged = checkout_online(shop, chengdu_address, quantity=3).payment
    answer = Client().post(
        NOTIFY_PATH, data=forged_notification(forged), content_type="application/json"
    )
    assert answer.content == b"success"
    (batch,) = close_gateway_day(gateway_send)

    result = import_gateway_settlements(gateway_today(), actor=None)

    found = {
        (row.kind, row.county_id, row.out_trade_no, row.gateway_fen, row.ledger_fen)
        for row in SettlementDiscrepancy.objects.all()
    }
    assert found == {
        (DiscrepancyKind.NOT_IN_LEDGER, county.pk, unseen.out_trade_no, unseen.amount_fen, 0),
        (DiscrepancyKind.UNKNOWN_TRADE, None, "NOT-OURS-1", 777, None),
        (DiscrepancyKind.NOT_SETTLED, county.pk, forged.out_trade_no, None, forged.amount_fen),
    }
    assert len(result.discrepancies) == 3
    (settlement,) = result.settlements
    # Posted as the gateway paid it: the bank got the money, whatever the ledger knew.
    gross = settled.amount_fen + unseen.amount_fen
    assert settlement.gross_fen == gross
    assert balance(county, accounts.BANK) == gross - fee_of(settled.amount_fen) - fee_of(
        unseen.amount_fen
    )
    assert batch["gross_fen"] == gross + 777
    # Found once: importing again adds none.
    assert import_gateway_settlements(gateway_today(), actor=None).discrepancies == []
    assert SettlementDiscrepancy.objects.count() == 3

    operator_client = client_as(operator)
    with django_assert_max_num_queries(12):
        page = operator_client.get("/payments/gateway-settlements/")
    html = page.content.decode()
    assert page.status_code == 200
    assert unseen.out_trade_no in html
    assert forged.out_trade_no in html
    assert "Settled by the gateway, not in the ledger" in html
    assert "NOT-OURS-1" not in html  # no county's: for the platform's admin
    admin = client_as(shop.demo.user("admin"))
    listed = admin.get("/admin/payments/settlementdiscrepancy/").content.decode()
    assert "NOT-OURS-1" in listed
    assert (
        admin.get(f"/admin/payments/gatewaysettlement/{settlement.pk}/change/").status_code == 200
    )
    assert (
        admin.post(f"/admin/payments/settlementdiscrepancy/{found_one().pk}/delete/").status_code
        == 403
    )
    assert SettlementDiscrepancy.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_operators_import_from_the_page_and_others_may_not(
    shop, chengdu_address, gateway_settings, gateway_pay, gateway_send, client_as
):
    payment = pay_online(shop, checkout_online(shop, chengdu_address), gateway_pay)
    close_gateway_day(gateway_send)
    day = {"settle_date": gateway_today().isoformat()}

    refused = client_as(shop.demo.user("seller")).post("/payments/gateway-settlements/", day)
    assert refused.status_code == 403
    assert GatewaySettlement.objects.count() == 0
    assert Entry.objects.filter(kind="payments.gateway.settled").count() == 0

    done = client_as(shop.demo.user("operator")).post("/payments/gateway-settlements/", day)

    assert done.status_code == 302
    assert GatewaySettlement.objects.get().gross_fen == payment.amount_fen
    assert Entry.objects.filter(kind="payments.gateway.settled").count() == 1
    # The scheduled job's command finds it imported already.
    output = io.StringIO()
    call_command("import_gateway_settlements", "--date", day["settle_date"], stdout=output)
    assert output.getvalue().splitlines()[-1] == (
        "0 settlement(s) imported, 0 new discrepancy(ies)."
    )
    assert Entry.objects.filter(kind="payments.gateway.settled").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_command_imports_every_county(
    shop, chengdu_address, gateway_settings, gateway_pay, gateway_send
):
    payment = pay_online(shop, checkout_online(shop, chengdu_address), gateway_pay)
    (batch,) = close_gateway_day(gateway_send)
    output = io.StringIO()

    call_command("import_gateway_settlements", "--date", gateway_today().isoformat(), stdout=output)

    assert output.getvalue().splitlines() == [
        f"{shop.demo.county.code} {batch['batch_id']}: net {batch['net_fen']} fen",
        "1 settlement(s) imported, 0 new discrepancy(ies).",
    ]
    assert balance(shop.demo.county, accounts.BANK) == payment.amount_fen - fee_of(
        payment.amount_fen
    )


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_gateway_imports_nothing_and_says_so(shop, client_as):
    operator = shop.demo.user("operator")
    with override_settings(PAYMENT_GATEWAY_URL="http://127.0.0.1:9"):
        with pytest.raises(SettlementReportUnavailable):
            import_gateway_settlements(gateway_today(), actor=operator, county=shop.demo.county)
        page = client_as(operator).post(
            "/payments/gateway-settlements/", {"settle_date": gateway_today().isoformat()}
        )
        with pytest.raises(CommandError):
            call_command("import_gateway_settlements", "--days", "1")

    assert page.status_code == 200
    assert "The payment gateway did not send its settlement report" in page.content.decode()
    assert GatewaySettlement.objects.count() == 0
    assert Payout.objects.count() == 0


def test_the_report_is_never_fetched_inside_a_transaction(shop):
    # pytest-django runs this test inside a transaction, as a caller's atomic block would.
    assert transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError):
        import_gateway_settlements(gateway_today(), actor=None)


@pytest.mark.django_db(transaction=True)
def test_a_refund_through_the_gateway_is_settled_out_of_the_batch(
    shop, chengdu_address, gateway_settings, gateway_pay, gateway_send
):
    county = shop.demo.county
    kept = pay_online(shop, checkout_online(shop, chengdu_address), gateway_pay)
    cancelled = checkout_online(shop, chengdu_address, quantity=1)
    refunded = pay_online(shop, cancelled, gateway_pay)
    services.cancel_order(cancelled.orders[0], actor=shop.buyer(), reason="买错了")
    assert balance(county, accounts.GATEWAY) == kept.amount_fen
    (batch,) = close_gateway_day(gateway_send)

    result = import_gateway_settlements(gateway_today(), actor=None)

    (settlement,) = result.settlements
    fees = fee_of(kept.amount_fen) + fee_of(refunded.amount_fen)
    assert result.discrepancies == []
    assert (settlement.gross_fen, settlement.fee_fen, settlement.refund_fen) == (
        kept.amount_fen + refunded.amount_fen,
        fees,
        refunded.amount_fen,
    )
    assert sorted(settlement.items.values_list("kind", flat=True)) == [
        "charge",
        "charge",
        "refund",
    ]
    # The refund left the gateway account when it was paid; the batch takes the rest.
    assert balance(county, accounts.GATEWAY) == 0
    assert balance(county, accounts.BANK) == batch["net_fen"] == kept.amount_fen - fees
    assert balance(county, accounts.GATEWAY_FEES) == fees
