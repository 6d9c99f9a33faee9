"""Cash refunds are a task for the point's agent: listed, handed back, then posted."""

from __future__ import annotations

import pytest

from highland.core.models import AuditRecord
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balance
from highland.orders import services
from highland.payments.models import Refund, RefundStatus

POINT_CASH = "Assets:Cash:Point:LT-S01-V01"


@pytest.fixture
def refund_to_hand_back(demo, cash_sale):
    order = cash_sale.orders.get()
    services.cancel_order(order, actor=demo.user("village_agent"), reason="家里有了")
    return Refund.objects.get(payment=cash_sale)


def test_cancelling_a_cash_order_leaves_the_cash_in_the_drawer_until_it_is_handed_back(
    demo,
    cash_sale,
    refund_to_hand_back,
):
    refund = refund_to_hand_back
    assert (refund.method, refund.status, refund.point) == (
        "cash_at_point",
        RefundStatus.REQUESTED,
        demo.point("LT-S01-V01"),
    )
    assert refund.amount_fen == cash_sale.amount_fen
    assert balance(demo.county, POINT_CASH) == cash_sale.amount_fen
    assert balance(demo.county, "Liabilities:RefundsDue") == -cash_sale.amount_fen
    assert verify_ledger(demo.county) == []


def test_the_agent_sees_the_task_on_the_cash_page_and_confirms_it(
    demo,
    client_as,
    cash_sale,
    refund_to_hand_back,
):
    refund = refund_to_hand_back
    agent = client_as(demo.user("village_agent"))
    point = demo.point("LT-S01-V01")

    page = agent.get(f"/payments/cash/{point.pk}/")
    assert page.status_code == 200
    assert refund.out_refund_no in page.content.decode()
    listed = agent.get(f"/api/v1/payments/points/{point.pk}/refunds-to-hand-back")
    assert [item["out_refund_no"] for item in listed.json()] == [refund.out_refund_no]

    response = agent.post(f"/payments/refunds/{refund.pk}/handed-back/")

    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.paid_by) == (RefundStatus.PAID, demo.user("village_agent"))
    assert balance(demo.county, POINT_CASH) == 0
    assert balance(demo.county, "Liabilities:RefundsDue") == 0
    assert AuditRecord.objects.filter(action="payments.refund.paid").count() == 1
    assert agent.get(f"/api/v1/payments/points/{point.pk}/refunds-to-hand-back").json() == []
    assert verify_ledger(demo.county) == []

    # Confirming twice moves no more cash.
    again = agent.post(f"/api/v1/payments/refunds/{refund.pk}/paid", {}, "application/json")
    assert again.status_code == 422
    assert balance(demo.county, POINT_CASH) == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 404), ("agent", 404), ("driver", 404), (None, 401)],
)
def test_only_the_points_agent_or_the_centre_confirms_a_cash_refund(
    demo,
    client_as,
    cash_sale,
    refund_to_hand_back,
    who,
    status,
):
    refund = refund_to_hand_back
    client = client_as(demo.user(who) if who else None)

    response = client.post(f"/api/v1/payments/refunds/{refund.pk}/paid", {}, "application/json")

    assert response.status_code == status
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED
    assert balance(demo.county, POINT_CASH) == cash_sale.amount_fen


def test_another_counties_operator_cannot_see_the_task(
    demo, other_county, client_as, refund_to_hand_back
):
    client = client_as(other_county.operator)

    response = client.post(
        f"/api/v1/payments/refunds/{refund_to_hand_back.pk}/paid", {}, "application/json"
    )
    listed = client.get(
        f"/api/v1/payments/points/{demo.point('LT-S01-V01').pk}/refunds-to-hand-back"
    )

    assert (response.status_code, listed.status_code) == (404, 404)
    refund_to_hand_back.refresh_from_db()
    assert refund_to_hand_back.status == RefundStatus.REQUESTED
