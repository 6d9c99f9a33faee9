"""Racing register changes: member numbers stay unique, a contribution sent twice at once
with one Idempotency-Key is recorded once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.coops.models import CapitalContribution, Member
from highland.coops.services.members import record_capital_contribution, register_member
from highland.coops.tests.memberdata import resident_id
from highland.core.idempotency import IdempotentRequest
from highland.testing import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_registrations_at_once_take_different_numbers(coop, demo):
    point = demo.point("LT-S01-V01")

    def register(serial: int) -> Member:
        return register_member(
            coop.cooperative,
            household=f"并发{serial}家",
            head_name=f"户主{serial}",
            national_id=resident_id(serial),
            point=point,
            joined_on=dt.date(2026, 2, 1),
            actor=coop.manager,
        )

    results = run_concurrently(register, [(1,), (2,)])

    assert all(isinstance(result, Member) for result in results), results
    assert sorted(result.number for result in results) == ["0004", "0005"]


def test_one_contribution_sent_twice_at_once_is_recorded_once(coop):
    member = coop.members[0]
    once = IdempotentRequest.of("race-capital-1", {"amount_fen": 5000})

    def contribute() -> CapitalContribution:
        return record_capital_contribution(
            member,
            amount_fen=5000,
            occurred_on=timezone.localdate(),
            actor=coop.accountant,
            idempotent_request=once,
        )

    results = run_concurrently(contribute, 2)

    assert all(isinstance(result, CapitalContribution) for result in results), results
    assert results[0].pk == results[1].pk
    assert CapitalContribution.objects.filter(member=member).count() == 1
