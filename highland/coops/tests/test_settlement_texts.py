"""Statements and payout notices by text message, in the member's language, to the
member's phone or their point's agent; realistic texts fit in two SMS segments in
Chinese and in Tibetan (amounts in the tens of thousands of yuan, the longest village
name of the demo points)."""

from __future__ import annotations

from typing import Any

import pytest

from highland.coops.models import Member, MemberPayout, PayoutStatus
from highland.coops.services import payouts
from highland.coops.services.payouts import pay_settlement
from highland.coops.services.settlement import (
    approve_settlement,
    draft_settlement,
    review_settlement,
)
from highland.coops.tests.settlement_setup import produce_lot, sell
from highland.messaging.kinds import message_kinds, render
from highland.messaging.models import TextMessage
from highland.messaging.segments import count_sms_segments
from highland.network.models import ServicePoint

pytestmark = pytest.mark.django_db

KINDS = [
    payouts.STATEMENT_CASH,
    payouts.STATEMENT_TRANSFER,
    payouts.CASH_HANDED_OVER,
    payouts.SURPLUS_CASH,
    payouts.SURPLUS_TRANSFER,
]


def longest_village(language: str) -> str:
    names = [
        payouts.point_name(point, language) for point in ServicePoint.objects.exclude(village_zh="")
    ]
    return max(names, key=len)


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_text_fits_two_segments_in_chinese_and_tibetan(
    demo: Any, kind: str, language: str
) -> None:
    params = {
        "run": "JS12-261231-123",
        "share": "¥12,345.67",
        "deducted": "¥1,234.56",
        "payable": "¥11,111.11",
        "debt": "¥1,234.56",
        "point": longest_village(language),
        "code": "123456",
        "account": "0001",
        "payout": "123456",
        "amount": "¥11,111.11",
        "year": "2026",
        "patronage": "¥12,345.67",
        "capital": "¥1,234.56",
    }
    message_kind = message_kinds.get(kind)
    text = render(message_kind, params, language)
    english = render(message_kind, params, "en")
    assert text != english, f"{kind} has no {language} translation yet"
    assert count_sms_segments(text) <= 2, (len(text), text)


def test_statements_go_in_the_members_language_to_their_phone_or_their_agent(
    coop: Any, order_factory: Any
) -> None:
    cash, bank, mobile = coop.members
    Member.objects.filter(pk=bank.pk).update(language="bo")
    lot = produce_lot(coop, [(cash, 2_000, "YAK-A"), (bank, 2_000, "YAK-B"), (mobile, 1, "YAK-C")])
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    run = draft_settlement(coop.cooperative, lots=[lot], actor=coop.accountant)
    review_settlement(run, actor=coop.accountant)
    approve_settlement(run, actor=coop.manager)
    pay_settlement(run, actor=coop.accountant)

    texts = {
        message.phone: message
        for message in TextMessage.objects.filter(kind__startswith="coops.statement")
    }
    assert texts["13900000002"].language == "bo"
    assert texts["13800000004"].kind == payouts.STATEMENT_CASH  # the village agent's phone
    assert texts["13800000004"].language == "zh-hans"
    waiting = MemberPayout.objects.get(member=cash, status=PayoutStatus.WAITING)
    assert waiting.pickup_code in texts["13800000004"].body
    assert all(message.segments <= 2 for message in texts.values())
