"""Whatever the members, weights, grades, factors, costs and advances: the shares sum
exactly to the net, none is negative (debts are carried instead), the order of intakes
changes nothing, and paying and the annual surplus post balanced entries that
`verify_ledger` accepts. The surplus's parts sum exactly."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.coops.models import BASIS_POINTS
from highland.coops.services.payouts import pay_settlement
from highland.coops.services.settlement import (
    approve_settlement,
    draft_settlement,
    review_settlement,
    split_net,
)
from highland.coops.services.surplus import (
    draft_surplus_distribution,
    post_surplus_distribution,
    split_surplus,
)
from highland.coops.tests.settlement_setup import produce_lot, sell
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry

rows_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10_000_000),  # net g
        st.integers(min_value=1, max_value=100_000),  # factor bp
        st.integers(min_value=0, max_value=5_000_000),  # advances fen
        st.integers(min_value=0, max_value=5_000_000),  # older debt fen
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    net=st.integers(min_value=0, max_value=10**12),
    rows=rows_strategy,
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_shares_sum_to_the_net_none_negative_whatever_the_order(
    net: int, rows: list[tuple[int, int, int, int]], seed: int
) -> None:
    members = [
        (member_id, net_g, net_g * factor, advances)
        for member_id, (net_g, factor, advances, _debt) in enumerate(rows, start=1)
    ]
    owed = {
        member_id: advances + debt
        for member_id, (_net, _factor, advances, debt) in enumerate(rows, start=1)
    }
    splits = split_net(net, members, owed)
    shuffled = list(members)
    random.Random(seed).shuffle(shuffled)
    assert split_net(net, shuffled, owed) == splits
    assert sum(split.share_fen for split in splits) == net
    for split in splits:
        assert min(split.share_fen, split.payable_fen, split.debt_carried_fen) >= 0
        assert split.advances_fen + split.debt_brought_fen == owed[split.member_id]
        recovered = split.share_fen - split.payable_fen
        assert recovered == min(split.share_fen, owed[split.member_id])
        assert split.debt_carried_fen == owed[split.member_id] - recovered


@settings(max_examples=300, deadline=None)
@given(
    distributable=st.integers(min_value=0, max_value=10**11),
    reserve_bp=st.integers(min_value=0, max_value=BASIS_POINTS),
    patronage_bp=st.integers(min_value=6_000, max_value=BASIS_POINTS),
    volumes=st.dictionaries(st.integers(1, 50), st.integers(0, 10**9), max_size=20),
    capitals=st.dictionaries(st.integers(1, 50), st.integers(-(10**6), 10**9), max_size=20),
)
def test_surplus_parts_sum_exactly(
    distributable: int,
    reserve_bp: int,
    patronage_bp: int,
    volumes: dict[int, int],
    capitals: dict[int, int],
) -> None:
    if not any(v > 0 for v in volumes.values()) and not any(c > 0 for c in capitals.values()):
        return  # refused: nobody to return it to (tested in test_surplus)
    split = split_surplus(
        distributable,
        reserve_bp=reserve_bp,
        patronage_bp=patronage_bp,
        volumes=volumes,
        capitals=capitals,
    )
    assert split.reserve_fen + split.patronage_fen + split.capital_fen == distributable
    remainder = distributable - split.reserve_fen
    assert split.patronage_fen * BASIS_POINTS >= patronage_bp * remainder  # at least
    parts = split.parts.values()
    assert sum(p for _v, _c, p, _k in parts) == split.patronage_fen
    assert sum(k for _v, _c, _p, k in parts) == split.capital_fen
    assert all(p >= 0 and k >= 0 for _v, _c, p, k in parts)
    if not split.patronage_by_capital:
        assert all(p == 0 for v, _c, p, _k in parts if v == 0)


intake_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # member
        st.integers(min_value=1, max_value=200_000),  # net g
        st.sampled_from(["YAK-A", "YAK-B", "YAK-C"]),
        st.integers(min_value=0, max_value=30_000),  # advance
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    intakes=intake_strategy,
    logistics=st.integers(min_value=0, max_value=60_000),
    sold=st.integers(min_value=1, max_value=10),
)
def test_drafted_and_paid_runs_are_exact_and_the_ledger_verifies(
    coop: Any, order_factory: Any, intakes: list[Any], logistics: int, sold: int
) -> None:
    results = []
    for ordering in (intakes, list(reversed(intakes))):
        with transaction.atomic():
            rows = [(coop.members[m], net, grade, adv) for m, net, grade, adv in ordering]
            lot = produce_lot(coop, rows, logistics_fen=logistics, stocked=sold)
            sell(coop, order_factory, [(lot.stock_lot, sold)])
            run = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
            shares = list(run.shares.order_by("member_id"))
            assert sum(share.share_fen for share in shares) == run.net_fen >= 0
            assert all(share.payable_fen >= 0 and share.debt_carried_fen >= 0 for share in shares)
            results.append(
                [(s.member_id, s.share_fen, s.payable_fen, s.debt_carried_fen) for s in shares]
            )
            review_settlement(run, actor=coop.accountant)
            approve_settlement(run, actor=coop.manager)
            pay_settlement(run, actor=coop.accountant)
            assert verify_ledger(coop.county) == []
            distribution = draft_surplus_distribution(
                coop.cooperative,
                year=timezone.localdate().year,
                distributable_fen=run.fee_fen,
                actor=coop.manager,
            )
            post_surplus_distribution(distribution, actor=coop.accountant)
            assert verify_ledger(coop.county) == []
            for entry in Entry.objects.filter(kind__startswith="coops."):
                assert sum(p.amount_fen for p in entry.postings.all()) == 0
            transaction.set_rollback(True)
    assert results[0] == results[1]
