"""The annual surplus: reserve withheld, at least the patronage share by the year's
settled shares, the rest by capital; posted once, balanced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from highland.coops.models import (
    CapitalContribution,
    MemberPayout,
    PayoutStatus,
    SurplusDistribution,
    SurplusStatus,
)
from highland.coops.services.payouts import pay_settlement
from highland.coops.services.settlement import (
    approve_settlement,
    draft_settlement,
    review_settlement,
)
from highland.coops.services.surplus import (
    draft_surplus_distribution,
    how_shared,
    post_surplus_distribution,
)
from highland.coops.tests.settlement_setup import payable_owed, produce_lot, sell
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.ledger import accounts
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balance
from highland.messaging.models import TextMessage

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def paid_run(coop: Any, order_factory: Any, weights: list[int]) -> Any:
    rows = [
        (member, grams, "YAK-B")
        for member, grams in zip(coop.members, weights, strict=False)
        if grams
    ]
    lot = produce_lot(coop, rows)
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    review_settlement(run, actor=coop.accountant)
    approve_settlement(run, actor=coop.manager)
    return pay_settlement(run, actor=coop.accountant)


def contribute(coop: Any, member: Any, amount: int, on: dt.date | None = None) -> None:
    CapitalContribution.objects.create(
        county=coop.county,
        member=member,
        amount_fen=amount,
        occurred_on=on or dt.date(YEAR, 1, 2),
        recorded_by=coop.manager,
    )


def test_reserve_patronage_by_volume_and_the_rest_by_capital(coop: Any, order_factory: Any) -> None:
    first, second, third = coop.members
    run = paid_run(coop, order_factory, [3_000, 1_000, 0])
    contribute(coop, first, 100_000)
    contribute(coop, third, 300_000)
    contribute(coop, third, 500_000, on=dt.date(YEAR + 1, 1, 1))  # after the year: not counted

    distribution = draft_surplus_distribution(
        coop.cooperative, year=YEAR, distributable_fen=1_001, actor=coop.manager
    )

    assert distribution.reserve_fen == 100  # 10 % of 1,001 = 100.1, half up
    assert distribution.patronage_fen == 541  # 60 % of 901 = 540.6, rounded up: at least
    assert distribution.capital_fen == 360
    shares = {share.member_id: share for share in distribution.shares.all()}
    volumes = {s.member_id: s.share_fen for s in run.shares.all()}
    assert shares[first.pk].volume_fen == volumes[first.pk]
    assert shares[third.pk].volume_fen == 0 and shares[third.pk].patronage_part_fen == 0
    assert shares[third.pk].capital_fen == 300_000
    assert shares[third.pk].capital_part_fen == 270 and shares[first.pk].capital_part_fen == 90
    assert shares[second.pk].capital_part_fen == 0
    assert sum(s.patronage_part_fen for s in shares.values()) == 541
    assert how_shared(distribution) == []

    owed = payable_owed(coop)
    first_owed = balance(coop.county, accounts.member_payable(first.pk))
    post_surplus_distribution(distribution, actor=coop.accountant)

    distribution.refresh_from_db()
    assert distribution.status == SurplusStatus.POSTED
    assert payable_owed(coop) == owed - 901  # the reserve stays with the cooperative
    cash = MemberPayout.objects.get(surplus_share__member=first)
    assert cash.status == PayoutStatus.WAITING and cash.amount_fen == (
        shares[first.pk].patronage_part_fen + 90
    )
    assert balance(coop.county, accounts.member_payable(first.pk)) == first_owed - cash.amount_fen
    assert TextMessage.objects.filter(kind__startswith="coops.surplus").count() == 3
    assert verify_ledger(coop.county) == []
    with pytest.raises(ValidationFailed, match="already posted"):
        post_surplus_distribution(distribution, actor=coop.accountant)
    with pytest.raises(ValidationFailed, match="already posted"):
        draft_surplus_distribution(
            coop.cooperative, year=YEAR, distributable_fen=1, actor=coop.manager
        )


def test_without_capital_the_capital_part_goes_by_volume_too(coop: Any, order_factory: Any) -> None:
    paid_run(coop, order_factory, [1_000, 1_000, 0])
    distribution = draft_surplus_distribution(
        coop.cooperative, year=YEAR, distributable_fen=1_000, actor=coop.manager
    )
    parts = {
        s.member_id: s.patronage_part_fen + s.capital_part_fen for s in distribution.shares.all()
    }
    assert sum(parts.values()) == 900
    assert how_shared(distribution) == [
        "No member holds capital: the capital part was shared by volume too."
    ]


def test_a_redraft_replaces_the_draft(coop: Any, order_factory: Any) -> None:
    paid_run(coop, order_factory, [1_000, 0, 0])
    draft_surplus_distribution(
        coop.cooperative, year=YEAR, distributable_fen=500, actor=coop.manager
    )
    again = draft_surplus_distribution(
        coop.cooperative, year=YEAR, distributable_fen=800, actor=coop.manager
    )
    assert list(SurplusDistribution.objects.values_list("pk", "distributable_fen")) == [
        (again.pk, 800)
    ]


def test_bad_input_and_other_people_are_refused(coop: Any, order_factory: Any) -> None:
    with pytest.raises(ValidationFailed, match="nobody to return"):
        draft_surplus_distribution(
            coop.cooperative, year=YEAR, distributable_fen=1_000, actor=coop.manager
        )
    with pytest.raises(ValidationFailed, match="cannot be negative"):
        draft_surplus_distribution(
            coop.cooperative, year=YEAR, distributable_fen=-1, actor=coop.manager
        )
    with pytest.raises(ValidationFailed, match="year"):
        draft_surplus_distribution(
            coop.cooperative, year=YEAR + 1, distributable_fen=1, actor=coop.manager
        )
    for outsider in (coop.other_manager, coop.members[0].head):
        with pytest.raises(PermissionDenied):
            draft_surplus_distribution(
                coop.cooperative, year=YEAR, distributable_fen=1, actor=outsider
            )
    assert not SurplusDistribution.objects.exists()
    paid_run(coop, order_factory, [1_000, 0, 0])
    distribution = draft_surplus_distribution(
        coop.cooperative, year=YEAR, distributable_fen=100, actor=coop.manager
    )
    with pytest.raises(PermissionDenied):
        post_surplus_distribution(distribution, actor=coop.other_manager)
    distribution.refresh_from_db()
    assert distribution.status == SurplusStatus.DRAFT
