"""Member settlement: proceeds from the ledger, costs, fee, shares, advances and debts,
the states and who may move them, and paying out."""

from __future__ import annotations

from typing import Any

import pytest

from highland.coops.models import (
    LotStatus,
    MemberPayout,
    MemberShare,
    PayoutStatus,
    SettledAllocation,
    SettlementRun,
    SettlementStatus,
)
from highland.coops.services.payouts import hand_over_member_cash, pay_settlement
from highland.coops.services.settlement import (
    approve_settlement,
    discard_settlement,
    draft_settlement,
    refunded_after_payment,
    review_settlement,
)
from highland.coops.tests.settlement_setup import (
    payable_owed,
    processing_run,
    produce_lot,
    refund,
    sell,
)
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord
from highland.ledger import accounts
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry
from highland.ledger.selectors import balance, balances
from highland.messaging.models import TextMessage
from highland.orders.models import Order
from highland.orders.seller_ledger import earned_fen, with_earned

pytestmark = pytest.mark.django_db


def earned(order: Order) -> int:
    return earned_fen(with_earned(Order.objects.filter(pk=order.pk)).get())


def approved(coop: Any, lots: list[Any], **options: Any) -> SettlementRun:
    run = draft_settlement(coop.cooperative, lots=lots, actor=coop.accountant, **options)
    review_settlement(run, actor=coop.accountant)
    return approve_settlement(run, actor=coop.manager)


def test_a_sold_lot_is_shared_by_weight_and_grade_exactly(coop: Any, order_factory: Any) -> None:
    first, second, third = coop.members
    lot = produce_lot(
        coop,
        [(first, 10_000, "YAK-A"), (second, 10_000, "YAK-B"), (third, 5_000, "YAK-C")],
        logistics_fen=1_000,
    )
    order = sell(coop, order_factory, [(lot.stock_lot, 10)])

    run = draft_settlement(coop.cooperative, lots=[lot.pk], actor=coop.accountant)

    proceeds = earned(order)
    assert run.proceeds_fen == proceeds > 0
    assert run.logistics_cost_fen == 1_000
    base = proceeds - 1_000
    assert run.fee_fen == (base * 300 + 5_000) // 10_000
    assert run.net_fen == base - run.fee_fen
    shares = {share.member_id: share for share in run.shares.all()}
    assert sum(share.share_fen for share in shares.values()) == run.net_fen
    # Weighted: 10 kg × 1.2, 10 kg × 1.0, 5 kg × 0.8.
    assert [shares[m.pk].weighted for m in coop.members] == [
        120_000_000,
        100_000_000,
        40_000_000,
    ]
    assert shares[first.pk].share_fen > shares[second.pk].share_fen > shares[third.pk].share_fen
    assert run.status == SettlementStatus.DRAFT
    assert AuditRecord.objects.filter(action="coops.settlement.drafted").count() == 1


def test_advances_and_debt_are_recovered_and_a_short_share_carries_debt(
    coop: Any, order_factory: Any
) -> None:
    first, second, _third = coop.members
    # An advance on an intake of an older lot, not in this run: debt brought forward.
    produce_lot(coop, [(first, 2_000, "YAK-B", 500)], status=LotStatus.CLOSED, stocked=None)
    lot = produce_lot(coop, [(first, 1_000, "YAK-A", 300), (second, 99_000, "YAK-A", 100)])
    sell(coop, order_factory, [(lot.stock_lot, 10)])

    run = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)

    small = run.shares.get(member=first)
    assert small.advances_fen == 300 and small.debt_brought_fen == 500
    assert small.share_fen < 800
    assert small.payable_fen == 0
    assert small.debt_carried_fen == 800 - small.share_fen
    big = run.shares.get(member=second)
    assert (big.advances_fen, big.payable_fen, big.debt_carried_fen) == (
        100,
        big.share_fen - 100,
        0,
    )

    review_settlement(run, actor=coop.accountant)
    approve_settlement(run, actor=coop.manager)
    pay_settlement(run, actor=coop.accountant)

    county = coop.county
    assert balance(county, accounts.member_advance(first.pk)) == small.debt_carried_fen
    assert balance(county, accounts.member_advance(second.pk)) == 0
    assert verify_ledger(county) == []


def test_paying_moves_shares_to_members_transfers_and_cash(coop: Any, order_factory: Any) -> None:
    cash, bank, mobile = coop.members
    lot = produce_lot(
        coop, [(cash, 3_000, "YAK-A"), (bank, 3_000, "YAK-B"), (mobile, 3_000, "YAK-C")]
    )
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = approved(coop, [lot])
    owed_before = payable_owed(coop)
    bank_before = balance(coop.county, accounts.BANK)

    pay_settlement(run, actor=coop.accountant)

    run.refresh_from_db()
    assert run.status == SettlementStatus.PAID and run.paid_by == coop.accountant
    shares = {share.member_id: share for share in run.shares.all()}
    assert payable_owed(coop) == owed_before - run.net_fen
    transferred = shares[bank.pk].payable_fen + shares[mobile.pk].payable_fen
    assert balance(coop.county, accounts.BANK) == bank_before - transferred
    assert balance(coop.county, accounts.member_payable(bank.pk)) == 0
    assert balance(coop.county, accounts.member_payable(cash.pk)) == -shares[cash.pk].payable_fen
    waiting = MemberPayout.objects.get(member=cash)
    assert waiting.status == PayoutStatus.WAITING and len(waiting.pickup_code) == 6
    assert waiting.point == cash.point
    assert MemberPayout.objects.get(member=bank).status == PayoutStatus.PAID
    # One statement per member: the cash member (no phone) through their point's agent.
    texts = TextMessage.objects.filter(kind__startswith="coops.statement")
    assert texts.count() == 3
    assert texts.get(kind="coops.statement_cash").phone == "13800000004"  # village_agent
    assert texts.get(kind="coops.statement_transfer", phone=bank.phone).body.endswith("¥0.00。")
    assert verify_ledger(coop.county) == []

    agent = order_factory.demo.user("village_agent")
    with pytest.raises(ValidationFailed, match="pickup code does not match"):
        hand_over_member_cash(waiting, pickup_code="000000x", actor=agent)
    hand_over_member_cash(waiting, pickup_code=waiting.pickup_code, actor=agent)
    waiting.refresh_from_db()
    assert waiting.status == PayoutStatus.PAID and waiting.paid_by == agent
    assert balance(coop.county, accounts.member_payable(cash.pk)) == 0
    with pytest.raises(ValidationFailed, match="already handed over"):
        hand_over_member_cash(waiting, pickup_code=waiting.pickup_code, actor=agent)
    assert TextMessage.objects.filter(kind="coops.cash_handed_over").count() == 1
    assert verify_ledger(coop.county) == []


def test_only_the_points_agent_hands_cash_over(coop: Any, order_factory: Any) -> None:
    cash = coop.members[0]
    lot = produce_lot(coop, [(cash, 3_000, "YAK-A")])
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    pay_settlement(approved(coop, [lot]), actor=coop.accountant)
    payout = MemberPayout.objects.get(member=cash)
    for outsider in (order_factory.demo.user("agent"), coop.manager, cash.head):
        with pytest.raises(PermissionDenied):
            hand_over_member_cash(payout, pickup_code=payout.pickup_code, actor=outsider)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.WAITING


def test_drafting_refuses_bad_lots_and_saves_nothing(coop: Any, order_factory: Any) -> None:
    first = coop.members[0]
    unsold = produce_lot(coop, [(first, 1_000, "YAK-A")])
    open_lot = produce_lot(coop, [(first, 1_000, "YAK-A")], status=LotStatus.OPEN, stocked=None)
    closed = produce_lot(coop, [(first, 1_000, "YAK-A")], status=LotStatus.CLOSED, stocked=None)
    other = produce_lot(coop, [(first, 1_000, "YAK-A")])
    type(other).objects.filter(pk=other.pk).update(cooperative=coop.other_cooperative)
    before = SettlementRun.objects.count()

    cases = [
        ([unsold.pk], "still has stock unsold"),
        ([open_lot.pk], "still open"),
        ([closed.pk], "not in stock yet"),
        ([other.pk], "another cooperative"),
        ([], "at least one lot"),
        ([999_999], "does not exist"),
    ]
    for lots, message in cases:
        with pytest.raises(ValidationFailed, match=message):
            draft_settlement(coop.cooperative, lots=lots, actor=coop.accountant)
    assert SettlementRun.objects.count() == before
    # Partial settles what sold so far of a lot with stock left.
    sell(coop, order_factory, [(unsold.stock_lot, 4)])
    run = draft_settlement(coop.cooperative, lots=[unsold], partial=True, actor=coop.accountant)
    assert run.partial and run.proceeds_fen > 0
    with pytest.raises(ValidationFailed, match="already in run"):
        draft_settlement(coop.cooperative, lots=[unsold], partial=True, actor=coop.accountant)


def test_undelivered_orders_are_not_counted_and_keep_a_lot_from_final_settlement(
    coop: Any, order_factory: Any
) -> None:
    lot = produce_lot(coop, [(coop.members[0], 1_000, "YAK-A")])
    delivered = sell(coop, order_factory, [(lot.stock_lot, 6)])
    sell(coop, order_factory, [(lot.stock_lot, 4)], deliver=False)
    with pytest.raises(ValidationFailed, match="orders not yet delivered"):
        draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    run = draft_settlement(coop.cooperative, lots=[lot], partial=True, actor=coop.accountant)
    assert run.proceeds_fen == earned(delivered)


def test_a_partial_run_then_the_rest_counts_each_sale_once(coop: Any, order_factory: Any) -> None:
    lot = produce_lot(coop, [(coop.members[1], 2_000, "YAK-A")], logistics_fen=500)
    first_order = sell(coop, order_factory, [(lot.stock_lot, 6)])
    first = approved(coop, [lot], partial=True)
    pay_settlement(first, actor=coop.accountant)
    assert first.logistics_cost_fen == 500

    second_order = sell(coop, order_factory, [(lot.stock_lot, 4)])
    second = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)

    assert first.proceeds_fen == earned(first_order)
    assert second.proceeds_fen == earned(second_order)
    assert second.logistics_cost_fen == 0  # charged once
    assert SettledAllocation.objects.filter(settlement_lot__run=second).count() == 1
    review_settlement(second, actor=coop.accountant)
    pay_settlement(approve_settlement(second, actor=coop.manager), actor=coop.accountant)
    with pytest.raises(ValidationFailed, match="settled in full"):
        draft_settlement(coop.cooperative, lots=[lot], partial=True, actor=coop.accountant)


def test_processing_shares_proceeds_and_cost_back_to_input_lots_by_grams(
    coop: Any, order_factory: Any
) -> None:
    first, second, _third = coop.members
    lot_a = produce_lot(coop, [(first, 6_000, "YAK-A")], stocked=None)
    lot_b = produce_lot(coop, [(second, 4_000, "YAK-A")], stocked=None)
    _run, packs = processing_run(coop, [(lot_a, 6_000), (lot_b, 3_000)], outputs=10, cost_fen=901)
    order = sell(coop, order_factory, [(packs, 10)])

    run_a = draft_settlement(coop.cooperative, lots=[lot_a], actor=coop.accountant)
    run_b = draft_settlement(coop.cooperative, lots=[lot_b], actor=coop.accountant)

    assert run_a.proceeds_fen + run_b.proceeds_fen == earned(order)
    assert run_a.proceeds_fen == -(-earned(order) * 2 // 3) or run_a.proceeds_fen == (
        earned(order) * 2 // 3
    )
    assert run_a.processing_cost_fen + run_b.processing_cost_fen == 901
    assert run_a.processing_cost_fen == 601


def test_costs_beyond_proceeds_leave_net_zero_and_report_the_shortfall(
    coop: Any, order_factory: Any
) -> None:
    lot = produce_lot(coop, [(coop.members[0], 1_000, "YAK-A")], logistics_fen=10_000_000)
    order = sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    assert run.net_fen == 0 and run.fee_fen == 0
    assert run.logistics_cost_fen == earned(order)
    assert run.shortfall_fen == 10_000_000 - earned(order)
    assert all(share.share_fen == 0 for share in run.shares.all())


def test_states_and_who_moves_them(coop: Any, order_factory: Any) -> None:
    lot = produce_lot(coop, [(coop.members[0], 1_000, "YAK-A")])
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    with pytest.raises(PermissionDenied):
        draft_settlement(coop.cooperative, lots=[lot], actor=coop.other_manager)
    with pytest.raises(PermissionDenied):
        draft_settlement(coop.cooperative, lots=[lot], actor=coop.members[0].head)
    run = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    with pytest.raises(ValidationFailed, match="cannot become"):
        approve_settlement(run, actor=coop.manager)  # not reviewed yet
    with pytest.raises(PermissionDenied):
        review_settlement(run, actor=coop.other_manager)
    review_settlement(run, actor=coop.accountant)
    with pytest.raises(ValidationFailed, match="drafted a run cannot approve it"):
        approve_settlement(run, actor=coop.accountant)
    with pytest.raises(ValidationFailed, match="cannot become"):
        pay_settlement(run, actor=coop.manager)
    with pytest.raises(PermissionDenied):
        approve_settlement(run, actor=coop.other_manager)
    approve_settlement(run, actor=coop.manager)
    with pytest.raises(ValidationFailed, match="cannot become"):
        discard_settlement(run, actor=coop.accountant)
    with pytest.raises(PermissionDenied):
        pay_settlement(run, actor=coop.other_manager)
    pay_settlement(run, actor=coop.accountant)
    with pytest.raises(ValidationFailed, match="already paid"):
        pay_settlement(run, actor=coop.manager)
    assert list(
        AuditRecord.objects.filter(object_type="coops.settlementrun", object_id=str(run.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "coops.settlement.drafted",
        "coops.settlement.reviewed",
        "coops.settlement.approved",
        "coops.settlement.paid",
    ]
    assert Entry.objects.filter(kind="coops.settlement.paid").count() == 1


def test_a_discarded_run_counts_nothing_and_its_lot_can_be_drafted_again(
    coop: Any, order_factory: Any
) -> None:
    lot = produce_lot(coop, [(coop.members[0], 1_000, "YAK-A")], logistics_fen=100)
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    first = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    discard_settlement(first, actor=coop.accountant)
    again = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    assert (again.proceeds_fen, again.logistics_cost_fen) == (first.proceeds_fen, 100)


def test_a_refund_between_approval_and_payment_refuses_payment(
    coop: Any, order_factory: Any
) -> None:
    lot = produce_lot(coop, [(coop.members[1], 1_000, "YAK-A")])
    order = sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = approved(coop, [lot])
    entries = Entry.objects.count()

    refund(coop, order, 1_000)

    entries = Entry.objects.count()
    with pytest.raises(ValidationFailed, match=r"Discard run .* and draft it again"):
        pay_settlement(run, actor=coop.accountant)
    run.refresh_from_db()
    assert run.status == SettlementStatus.APPROVED
    assert Entry.objects.count() == entries
    assert not MemberPayout.objects.exists()


def test_a_refund_after_payment_is_reported_and_the_ledger_stays_balanced(
    coop: Any, order_factory: Any
) -> None:
    lot = produce_lot(coop, [(coop.members[1], 1_000, "YAK-A")])
    order = sell(coop, order_factory, [(lot.stock_lot, 6)])
    run = approved(coop, [lot], partial=True)
    pay_settlement(run, actor=coop.accountant)
    owed = payable_owed(coop)

    refund(coop, order, 1_000)

    run.refresh_from_db()
    assert payable_owed(coop) == owed - 1_000
    assert refunded_after_payment(run) == 1_000
    assert MemberShare.objects.get(run=run).share_fen == run.net_fen  # stays paid
    assert verify_ledger(coop.county) == []
    # The next run of the lot takes the refund back from what sold since.
    later = sell(coop, order_factory, [(lot.stock_lot, 4)])
    following = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    assert following.proceeds_fen == earned(later) - 1_000


def test_paying_refuses_when_the_cooperative_is_owed_less_than_the_shares(
    coop: Any, order_factory: Any
) -> None:
    lot = produce_lot(coop, [(coop.members[1], 1_000, "YAK-A")])
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = approved(coop, [lot])
    from highland.ledger.services import post_entry

    post_entry(
        coop.county,
        kind="coops.test.drained",
        description="the cooperative was paid out elsewhere",
        lines=[
            (accounts.seller_payable(coop.seller.pk), payable_owed(coop)),
            (accounts.BANK, -payable_owed(coop)),
        ],
        actor=coop.manager,
        reference=run,
    )
    with pytest.raises(ValidationFailed, match="less than the"):
        pay_settlement(run, actor=coop.accountant)
    run.refresh_from_db()
    assert run.status == SettlementStatus.APPROVED


def test_nothing_is_half_done_when_paying_fails_after_posting(
    coop: Any, order_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    lot = produce_lot(coop, [(coop.members[0], 1_000, "YAK-A"), (coop.members[1], 1_000, "YAK-A")])
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = approved(coop, [lot])
    before = (Entry.objects.count(), MemberPayout.objects.count(), TextMessage.objects.count())
    balances_before = balances(coop.county)

    from highland.coops.services import payouts

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the process died")

    monkeypatch.setattr(payouts.audit, "record", crash)
    with pytest.raises(RuntimeError):
        pay_settlement(run, actor=coop.accountant)
    run.refresh_from_db()
    assert run.status == SettlementStatus.APPROVED
    assert (
        Entry.objects.count(),
        MemberPayout.objects.count(),
        TextMessage.objects.count(),
    ) == before
    assert balances(coop.county) == balances_before
