"""A payout the bank sends back: the seller is owed it again and is paid at the next run."""

from __future__ import annotations

import json

import pytest

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.ledger import accounts
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balance
from highland.orders.models import Order, Payout, PayoutStatus
from highland.orders.settlement import return_payout, settle_sellers
from highland.testing import OrderFactory


@pytest.fixture
def paid_out(demo):
    """A seller paid out for one brick of tea delivered eight days ago (¥48.00 − ¥2.88)."""
    order = OrderFactory(demo).delivered(days_ago=8)
    run = settle_sellers(demo.county, actor=demo.user("operator"))
    assert [payout.amount_fen for payout in run.payouts] == [4800 - 288]
    return run.payouts[0], order


def state(payout):
    payout.refresh_from_db()
    return (
        payout.status,
        list(Order.objects.filter(payout=payout).values_list("pk", flat=True)),
        balance(payout.county, accounts.seller_payable(payout.seller_id)),
        balance(payout.county, accounts.BANK),
    )


def test_a_returned_payout_is_owed_again_and_paid_at_the_next_run(demo, paid_out):
    payout, order = paid_out
    operator = demo.user("operator")
    bank_before = balance(demo.county, accounts.BANK)

    return_payout(payout, actor=operator, reason="账户已注销")

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.RETURNED
    assert payout.returned_at is not None
    assert payout.return_reason == "账户已注销"
    assert Order.objects.get(pk=order.pk).payout is None
    assert balance(demo.county, accounts.seller_payable(payout.seller_id)) == -4512
    assert balance(demo.county, accounts.BANK) == bank_before + 4512
    assert verify_ledger(demo.county) == []
    record = AuditRecord.objects.filter(action="orders.payout.returned").get()
    assert record.changes["orders"] == [order.number]

    again = settle_sellers(demo.county, actor=operator)

    assert [p.amount_fen for p in again.payouts] == [4512]
    assert Order.objects.get(pk=order.pk).payout == again.payouts[0]
    assert balance(demo.county, accounts.seller_payable(payout.seller_id)) == 0
    assert verify_ledger(demo.county) == []


def test_a_payout_is_returned_once(demo, paid_out):
    payout, _order = paid_out
    operator = demo.user("operator")
    return_payout(payout, actor=operator, reason="户名不符")
    before = state(payout)

    with pytest.raises(ValidationFailed) as refusal:
        return_payout(payout, actor=operator, reason="户名不符")

    assert refusal.value.code == "bad_transition"
    assert state(payout) == before
    assert verify_ledger(demo.county) == []


@pytest.mark.parametrize("username", ["seller", "agent", "official", "buyer"])
def test_only_operators_record_a_returned_payout(demo, paid_out, username):
    payout, _order = paid_out
    before = state(payout)

    with pytest.raises(PermissionDenied):
        return_payout(payout, actor=demo.user(username), reason="?")

    assert state(payout) == before


def test_a_returned_payout_needs_a_reason(demo, paid_out):
    payout, _order = paid_out
    before = state(payout)

    with pytest.raises(ValidationFailed) as refusal:
        return_payout(payout, actor=demo.user("operator"), reason="   ")

    assert refusal.value.errors == {"reason": ["Say why the bank returned the payout."]}
    assert state(payout) == before


def test_the_api_records_a_returned_payout_for_operators_only(
    demo, paid_out, other_county, client_as
):
    payout, _order = paid_out
    url = f"/api/v1/orders/payouts/{payout.pk}/returned"
    body = json.dumps({"reason": "账户冻结"})

    assert client_as(demo.user("seller")).post(url, body, "application/json").status_code == 404
    foreign = client_as(other_county.operator).post(url, body, "application/json")
    assert foreign.status_code == 404
    blank = client_as(demo.user("operator")).post(url, '{"reason": ""}', "application/json")
    assert blank.status_code == 422
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.PAID

    answer = client_as(demo.user("operator")).post(url, body, "application/json")

    assert answer.status_code == 200
    assert answer.json()["status"] == "returned"
    assert answer.json()["return_reason"] == "账户冻结"


def test_the_settlement_page_records_a_returned_payout(demo, paid_out, client_as):
    payout, _order = paid_out
    client = client_as(demo.user("operator"))
    page = client.get("/orders/settlements/")
    assert f"/orders/settlements/payouts/{payout.pk}/returned/" in page.content.decode()

    answer = client.post(
        f"/orders/settlements/payouts/{payout.pk}/returned/", {"reason": "账户已注销"}
    )

    assert answer.status_code == 302
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.RETURNED
    assert "Returned by the bank" in client.get("/orders/settlements/").content.decode()
