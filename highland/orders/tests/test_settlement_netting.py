"""Payouts from ledger balances: refunds after a payout are recovered from the next payouts,
payouts never exceed what the ledger owes or what the bank holds, and `verify_ledger` reads
the ledger to say so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.catalog.tests.test_stock import run_concurrently
from highland.core.models import County
from highland.ledger import accounts
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry
from highland.ledger.selectors import balance
from highland.ledger.services import post_entry
from highland.orders import aftersales
from highland.orders.models import Order, Payout
from highland.orders.settlement import SettlementRun, seller_statement, settle_sellers
from highland.orders.tests.test_aftersales import TEA, aged, delivered, open_request

EARNED_ON_TWO = 9600 - 576  # two tea bricks at ¥48.00, 6 % commission
EARNED_ON_ONE = 4800 - 288


def payable(shop, seller_id: int) -> int:
    """The seller's payable balance: negative is owed to the seller, positive owed by them."""
    return balance(shop.demo.county, accounts.seller_payable(seller_id))


def refund_after_sale(shop, order, amount_fen: int) -> None:
    aftersales.accept_aftersale(
        open_request(shop, order, amount_fen=amount_fen), actor=shop.demo.user("seller")
    )


def statement_now(shop, seller_id: int) -> dict[str, object]:
    today = timezone.localdate()
    return seller_statement(
        shop.demo.county, seller_id, start=today - dt.timedelta(days=30), end=today
    )


def problems_of(county, *names: str) -> list[str]:
    return [problem for problem in verify_ledger(county) if problem.split(":")[0] in names]


def test_the_next_payout_recovers_a_refund_made_after_a_payout(shop, chengdu_address):
    first = aged(delivered(shop, chengdu_address))
    settle_sellers(shop.demo.county, actor=None)
    refund_after_sale(shop, first, 3000)
    assert payable(shop, first.seller_id) == 3000  # the seller owes it back
    second = aged(delivered(shop, chengdu_address, [(TEA, 1)]))

    run = settle_sellers(shop.demo.county, actor=None)

    (payout,) = run.payouts
    assert payout.amount_fen == EARNED_ON_ONE - 3000 == 1512
    assert payout.debt_recovered_fen == 3000
    assert (payout.goods_fen, payout.commission_fen, payout.order_count) == (4800, 288, 1)
    assert Order.objects.get(pk=second.pk).payout == payout
    assert payable(shop, first.seller_id) == 0
    assert verify_ledger(shop.demo.county) == []
    statement = statement_now(shop, first.seller_id)
    assert statement["debt_recovered_fen"] == 3000
    assert statement["debt_carried_fen"] == 0
    assert statement["paid_out_fen"] == EARNED_ON_TWO + 1512


def test_a_debt_larger_than_what_is_due_pays_nothing_and_carries(shop, chengdu_address, client_as):
    first = aged(delivered(shop, chengdu_address))
    settle_sellers(shop.demo.county, actor=None)
    refund_after_sale(shop, first, 6000)
    second = aged(delivered(shop, chengdu_address, [(TEA, 1)]))
    entries_before = Entry.objects.count()

    run = settle_sellers(shop.demo.county, actor=None)

    assert run.payouts == []
    (held,) = run.held
    assert (held.seller_id, held.amount_fen, held.reason) == (first.seller_id, 0, "debt")
    assert held.message == (
        f"Seller S{first.seller_id} owes ¥60.00 and ¥45.12 is now due: "
        "nothing is paid and ¥14.88 carries to the next payout."
    )
    assert Order.objects.get(pk=second.pk).payout is None
    assert Payout.objects.count() == 1
    assert Entry.objects.count() == entries_before
    assert payable(shop, first.seller_id) == 6000 - EARNED_ON_ONE == 1488
    # The statement shows the debt itself; the unpaid order is listed as earned.
    assert statement_now(shop, first.seller_id)["debt_carried_fen"] == 6000
    api = client_as(shop.demo.user("seller")).get(f"/api/v1/orders/statements/{first.seller_id}")
    assert (api.json()["debt_carried_fen"], api.json()["debt_recovered_fen"]) == (6000, 0)
    page = client_as(shop.demo.user("seller")).get(f"/orders/statements/{first.seller_id}/")
    assert "Owed by the seller, recovered from the next payouts" in page.content.decode()
    assert "¥60.00" in page.content.decode()
    assert verify_ledger(shop.demo.county) == []

    third = aged(delivered(shop, chengdu_address, [(TEA, 1)]))
    run = settle_sellers(shop.demo.county, actor=None)

    (payout,) = run.payouts
    assert payout.amount_fen == 2 * EARNED_ON_ONE - 6000 == 3024
    assert (payout.debt_recovered_fen, payout.order_count) == (6000, 2)
    assert set(Order.objects.filter(payout=payout).values_list("pk", flat=True)) == {
        second.pk,
        third.pk,
    }
    assert payable(shop, first.seller_id) == 0
    assert statement_now(shop, first.seller_id)["debt_carried_fen"] == 0
    assert verify_ledger(shop.demo.county) == []


def test_a_payout_beyond_the_bank_balance_is_held(shop, chengdu_address, client_as):
    order = aged(delivered(shop, chengdu_address))
    county = shop.demo.county
    in_bank = balance(county, accounts.BANK)
    # Leave ¥50.00 in the bank: less than the ¥90.24 the seller is owed.
    post_entry(
        county,
        kind="tests.bank.withdrawn",
        description="test: money taken out of the bank",
        lines=[(accounts.GATEWAY_FEES, in_bank - 5000), (accounts.BANK, -(in_bank - 5000))],
        actor=None,
    )
    entries_before = Entry.objects.count()

    run = settle_sellers(county, actor=None)

    assert run.payouts == []
    (held,) = run.held
    assert (held.seller_id, held.amount_fen, held.reason) == (
        order.seller_id,
        EARNED_ON_TWO,
        "bank",
    )
    assert held.message == (
        f"The payout of ¥90.24 to seller S{order.seller_id} is held: the bank account holds ¥50.00."
    )
    assert Payout.objects.count() == 0
    assert Order.objects.get(pk=order.pk).payout is None
    assert Entry.objects.count() == entries_before
    assert balance(county, accounts.BANK) == 5000

    page = client_as(shop.demo.user("operator")).post("/orders/settlements/", follow=True)
    assert (
        f"The payout of ¥90.24 to seller S{order.seller_id} is held: the bank account holds "
        "¥50.00." in page.content.decode()
    )
    assert Payout.objects.count() == 0

    post_entry(
        county,
        kind="tests.bank.deposited",
        description="test: money back in the bank",
        lines=[(accounts.BANK, 5000), (accounts.GATEWAY_FEES, -5000)],
        actor=None,
    )
    (payout,) = settle_sellers(county, actor=None).payouts
    assert payout.amount_fen == EARNED_ON_TWO
    assert balance(county, accounts.BANK) == 10000 - EARNED_ON_TWO


def test_verify_ledger_sees_a_payout_beyond_what_the_ledger_owes(shop, chengdu_address):
    # A payout as the old formula made it after a refund: ¥100.00 paid on ¥90.24 owed.
    order = aged(delivered(shop, chengdu_address))
    county = shop.demo.county
    payout = Payout.objects.create(
        county=county,
        seller_id=order.seller_id,
        amount_fen=10000,
        goods_fen=10000,
        commission_fen=0,
        adjustment_fen=0,
        order_count=1,
        due_before=timezone.now(),
    )
    Order.objects.filter(pk=order.pk).update(payout=payout)
    post_entry(
        county,
        kind="orders.settlement.paid",
        description="an overpayment",
        lines=[(accounts.seller_payable(order.seller_id), 10000), (accounts.BANK, -10000)],
        actor=None,
        reference=payout,
    )

    problems = problems_of(
        county, "orders.payouts_within_credits", "orders.payables_never_paid_below_zero"
    )

    assert problems == [
        f"orders.payouts_within_credits: Seller S{order.seller_id} was paid out ¥100.00, "
        "more than the ¥90.24 ever credited to their payable.",
        f"orders.payables_never_paid_below_zero: Payout #{payout.pk} paid seller "
        f"S{order.seller_id} ¥100.00 when the ledger owed them ¥90.24.",
    ]


def test_verify_ledger_compares_each_orders_entries_with_its_statement(shop, chengdu_address):
    order = delivered(shop, chengdu_address)
    Order.objects.filter(pk=order.pk).update(commission_fen=0)

    problems = problems_of(shop.demo.county, "orders.order_entries_match_statement")

    assert problems == [
        f"orders.order_entries_match_statement: Order {order.number}: the ledger credits "
        "its seller ¥90.24 but the statement says ¥96.00."
    ]


def test_verify_ledger_sees_a_negative_bank_balance(shop, chengdu_address):
    county = shop.demo.county
    post_entry(
        county,
        kind="tests.bank.overdrawn",
        description="test: more paid from the bank than it held",
        lines=[(accounts.GATEWAY_FEES, 123), (accounts.BANK, -123)],
        actor=None,
    )

    assert problems_of(county, "orders.bank_not_negative") == [
        "orders.bank_not_negative: The bank account's balance is -¥1.23; "
        "more was paid from it than it holds."
    ]


@pytest.mark.django_db(transaction=True)
def test_racing_settlement_runs_pay_once(shop, chengdu_address):
    """Real threads: runs started together lock the due orders; one pays, the others find
    nothing due and the bank is drawn once."""
    aged(delivered(shop, chengdu_address))
    aged(delivered(shop, chengdu_address, [(TEA, 1)]))
    county_id = shop.demo.county.pk
    bank_before = balance(shop.demo.county, accounts.BANK)

    runs = run_concurrently(lambda: settle_sellers(County.objects.get(pk=county_id), actor=None), 3)

    assert [type(run) for run in runs] == [SettlementRun] * 3, runs
    assert sorted(len(run.payouts) for run in runs) == [0, 0, 1]
    (payout,) = Payout.objects.all()
    assert payout.amount_fen == EARNED_ON_TWO + EARNED_ON_ONE
    assert balance(shop.demo.county, accounts.BANK) == bank_before - payout.amount_fen
    assert verify_ledger(shop.demo.county) == []


def test_an_order_refunded_in_full_is_netted_against_the_next_one(shop, chengdu_address):
    # The whole ¥96.00 came out of the seller's payable, which held ¥90.24 for the order.
    refunded = aged(delivered(shop, chengdu_address))
    refund_after_sale(shop, refunded, 9600)

    run = settle_sellers(shop.demo.county, actor=None)

    assert (run.payouts, run.held) == ([], [])
    assert Order.objects.get(pk=refunded.pk).payout is None
    kept = aged(delivered(shop, chengdu_address, [(TEA, 1)]))
    (payout,) = settle_sellers(shop.demo.county, actor=None).payouts
    assert payout.amount_fen == EARNED_ON_ONE - 576 == 3936
    assert (payout.refunds_fen, payout.debt_recovered_fen, payout.order_count) == (9600, 0, 2)
    assert {refunded.pk, kept.pk} == set(
        Order.objects.filter(payout=payout).values_list("pk", flat=True)
    )
    assert payable(shop, refunded.seller_id) == 0
    assert verify_ledger(shop.demo.county) == []
