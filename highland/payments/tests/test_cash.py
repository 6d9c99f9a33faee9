"""End-of-day cash: counted against the ledger, differences posted, cash handed to the bank."""

from __future__ import annotations

import pytest

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.payments.cash import expected_cash, reconcile_cash
from highland.payments.models import CashReconciliation


def test_exact_count_hands_the_cash_to_the_bank(demo, cash_sale):
    point = demo.point("LT-S01-V01")
    assert expected_cash(point) == cash_sale.amount_fen

    record = reconcile_cash(
        point,
        actor=demo.user("village_agent"),
        counted_fen=cash_sale.amount_fen,
        handed_over_fen=cash_sale.amount_fen,
    )

    assert record.difference_fen == 0
    totals = balances(demo.county)
    assert totals["Assets:Cash:Point:LT-S01-V01"] == 0
    assert totals["Assets:Bank"] == cash_sale.amount_fen
    assert verify_ledger(demo.county) == []


def test_a_shortage_needs_a_note_and_is_posted(demo, cash_sale):
    point, agent = demo.point("LT-S01-V01"), demo.user("village_agent")

    with pytest.raises(ValidationFailed) as refusal:
        reconcile_cash(
            point, actor=agent, counted_fen=cash_sale.amount_fen - 500, handed_over_fen=0
        )
    assert list(refusal.value.errors) == ["note"]
    assert not CashReconciliation.objects.exists()

    reconcile_cash(
        point,
        actor=agent,
        counted_fen=cash_sale.amount_fen - 500,
        handed_over_fen=0,
        note="找零算错了",
    )
    totals = balances(demo.county)
    assert totals["Expenses:CashShortage"] == 500
    assert totals["Assets:Cash:Point:LT-S01-V01"] == cash_sale.amount_fen - 500


def test_counting_twice_a_day_is_refused(demo, cash_sale):
    point, agent = demo.point("LT-S01-V01"), demo.user("village_agent")
    reconcile_cash(point, actor=agent, counted_fen=cash_sale.amount_fen, handed_over_fen=0)

    with pytest.raises(ValidationFailed) as refusal:
        reconcile_cash(point, actor=agent, counted_fen=cash_sale.amount_fen, handed_over_fen=0)

    assert refusal.value.code == "already_counted"


@pytest.mark.parametrize(
    ("counted", "handed", "field"), [(-1, 0, "counted_fen"), (100, 200, "handed_over_fen")]
)
def test_bad_counts_are_refused(demo, cash_sale, counted, handed, field):
    with pytest.raises(ValidationFailed) as refusal:
        reconcile_cash(
            demo.point("LT-S01-V01"),
            actor=demo.user("village_agent"),
            counted_fen=counted,
            handed_over_fen=handed,
            note="x",
        )
    assert field in refusal.value.errors
    assert not CashReconciliation.objects.exists()


def test_agent_of_another_point_cannot_count(demo, cash_sale):
    with pytest.raises(PermissionDenied):
        reconcile_cash(
            demo.point("LT-S01-V01"), actor=demo.user("agent"), counted_fen=0, handed_over_fen=0
        )
    assert not CashReconciliation.objects.exists()


def test_cash_page(demo, cash_sale, client_as):
    client = client_as(demo.user("village_agent"))
    point = demo.point("LT-S01-V01")

    page = client.get(f"/payments/cash/{point.pk}/")
    assert page.status_code == 200
    assert "¥" in page.content.decode()
    response = client.post(
        f"/payments/cash/{point.pk}/",
        {"counted": f"{cash_sale.amount_fen / 100:.2f}", "handed_over": "0.00", "note": ""},
    )
    assert response.status_code == 302
    assert CashReconciliation.objects.get().counted_fen == cash_sale.amount_fen
    assert client_as(demo.user("agent")).get(f"/payments/cash/{point.pk}/").status_code == 403
