"""Two people approving or paying the same run at once: one wins, the other is refused,
and the ledger has one entry. Also replays of the same Idempotency-Key."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from highland.coops.models import MemberPayout, SettlementRun, SettlementStatus
from highland.coops.services.payouts import pay_settlement
from highland.coops.services.settlement import (
    approve_settlement,
    draft_settlement,
    review_settlement,
)
from highland.coops.tests.settlement_setup import produce_lot, sell
from highland.core.errors import DomainError
from highland.core.idempotency import IdempotentRequest
from highland.core.models import Membership, Role, User
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry
from highland.testing import run_concurrently


def second_accountant(coop: Any) -> User:
    user = User.objects.create(username="coop_accountant_2", county=coop.county)
    Membership.objects.create(
        county=coop.county,
        user=user,
        organisation=coop.cooperative,
        role=Role.COOPERATIVE_ACCOUNTANT,
    )
    return user


def reviewed_run(coop: Any, order_factory: Any) -> SettlementRun:
    lot = produce_lot(coop, [(coop.members[0], 2_000, "YAK-A"), (coop.members[1], 3_000, "YAK-B")])
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    return review_settlement(run, actor=coop.accountant)


@pytest.mark.django_db(transaction=True)
@override_settings(PAYMENT_GATEWAY_URL="http://127.0.0.1:9")
def test_two_approvers_then_two_payers_at_once(coop: Any, order_factory: Any) -> None:
    run = reviewed_run(coop, order_factory)
    other = second_accountant(coop)

    def approve(actor: User) -> str:
        try:
            approve_settlement(SettlementRun.objects.get(pk=run.pk), actor=actor)
            return "done"
        except DomainError as refusal:
            return refusal.code

    approvals = run_concurrently(approve, [(coop.manager,), (other,)])
    assert sorted(approvals) == ["bad_transition", "done"], approvals

    def pay(actor: User) -> str:
        try:
            pay_settlement(SettlementRun.objects.get(pk=run.pk), actor=actor)
            return "done"
        except DomainError as refusal:
            return refusal.code

    payments = run_concurrently(pay, [(coop.manager,), (other,)])
    assert sorted(payments) == ["already_paid", "done"], payments
    run.refresh_from_db()
    assert run.status == SettlementStatus.PAID
    assert Entry.objects.filter(kind="coops.settlement.paid").count() == 1
    assert MemberPayout.objects.count() == 2
    assert verify_ledger(coop.county) == []


@pytest.mark.django_db
def test_paying_again_with_the_same_key_answers_with_the_paid_run(
    coop: Any, order_factory: Any
) -> None:
    run = approve_settlement(reviewed_run(coop, order_factory), actor=coop.manager)
    once = IdempotentRequest.of("pay-run-0001", {"run": run.pk})
    first = pay_settlement(run, actor=coop.accountant, idempotent_request=once)
    again = pay_settlement(run, actor=coop.accountant, idempotent_request=once)
    assert first.pk == again.pk and again.status == SettlementStatus.PAID
    assert Entry.objects.filter(kind="coops.settlement.paid").count() == 1
    assert MemberPayout.objects.count() == 2
