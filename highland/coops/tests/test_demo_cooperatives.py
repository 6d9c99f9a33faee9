"""The demo county's cooperatives load through the services, and what they show is right:
30 households, a season of intakes, a processed and sold lot, a paid settlement run, a
ledger and stock that verify, texts that fit two SMS segments in Chinese and Tibetan."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum

from highland.coops.demo import load_demo_cooperatives
from highland.coops.models import (
    Intake,
    LotStatus,
    Member,
    MemberShare,
    ProduceLot,
    SettlementRun,
    SettlementStatus,
)
from highland.core.models import Organisation, OrganisationType
from highland.demo import DEMO_PASSWORD
from highland.ledger.invariants import verify_ledger
from highland.messaging.models import TextMessage
from highland.messaging.segments import count_sms_segments
from highland.orders.stock_invariants import verify_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(demo: Any) -> Any:
    load_demo_cooperatives(demo.county, password=DEMO_PASSWORD)
    return demo


def test_two_cooperatives_with_thirty_households_and_a_season(loaded: Any) -> None:
    county = loaded.county
    cooperatives = Organisation.objects.filter(county=county, type=OrganisationType.COOPERATIVE)
    assert cooperatives.count() == 2
    assert Member.objects.filter(county=county).count() >= 29
    for cooperative in cooperatives:
        assert Intake.objects.filter(cooperative=cooperative).count() >= 10
    assert ProduceLot.objects.filter(county=county, status=LotStatus.STOCKED).exists()


def test_one_lot_processed_sold_and_settled_to_the_fen(loaded: Any) -> None:
    run = SettlementRun.objects.get(county=loaded.county)
    assert run.status == SettlementStatus.PAID
    processed = ProduceLot.objects.get(county=loaded.county, status=LotStatus.PROCESSED)
    assert run.lots.get().lot == processed
    shares = MemberShare.objects.filter(run=run)
    assert shares.count() == 3
    assert shares.aggregate(total=Sum("share_fen"))["total"] == run.net_fen > 0
    assert run.approved_by != run.drafted_by


def test_the_demo_ledger_and_stock_verify(loaded: Any) -> None:
    assert verify_ledger(loaded.county) == []
    assert verify_stock(loaded.county) == []


def test_loading_twice_adds_nothing(loaded: Any) -> None:
    before = Intake.objects.count()
    assert load_demo_cooperatives(loaded.county, password=DEMO_PASSWORD)["intakes"] == 0
    assert Intake.objects.count() == before


def test_receipts_and_statements_fit_two_segments_in_chinese_and_tibetan(loaded: Any) -> None:
    texts = TextMessage.objects.filter(kind__startswith="coops.")
    kinds = set(texts.values_list("kind", flat=True))
    assert "coops.intake_receipt" in kinds
    assert len(kinds) >= 2, kinds
    languages = set()
    for message in texts:
        languages.add(message.language)
        assert count_sms_segments(message.body) <= 2, (message.kind, message.body)
    assert {"zh-hans", "bo"} <= languages
