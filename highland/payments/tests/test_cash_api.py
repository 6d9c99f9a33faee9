"""The point cash API: what the point holds, its counts, and a count with its handover."""

from __future__ import annotations

import json

import pytest

from highland.core.models import AuditRecord
from highland.ledger.selectors import balances
from highland.payments.models import CashReconciliation


def post_count(client, point, payload, key="count-2026-12-03-a"):
    return client.post(
        f"/api/v1/payments/points/{point.pk}/cash-counts",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_an_agent_counts_and_hands_over_once_per_key(demo, cash_sale, client_as):
    # given ¥ of a cash sale at LT-S01-V01
    point = demo.point("LT-S01-V01")
    agent = client_as(demo.user("village_agent"))
    amount = cash_sale.amount_fen
    payload = {"counted_fen": amount, "handed_over_fen": amount}

    # when the agent's device sends the count twice
    first = post_count(agent, point, payload)
    again = post_count(agent, point, payload)

    # then one count, the cash in the bank, and the same answer twice
    record = CashReconciliation.objects.get()
    assert first.status_code == 201, first.content
    assert first.json() == {
        "id": record.pk,
        "point_id": point.pk,
        "business_date": record.business_date.isoformat(),
        "expected_fen": amount,
        "counted_fen": amount,
        "handed_over_fen": amount,
        "difference_fen": 0,
        "note": "",
        "counted_by_id": demo.user("village_agent").pk,
        "counted_by_name": "拉姆 (扎嘎村)",
        "created_at": first.json()["created_at"],
    }
    assert again.status_code == 200
    assert again.json() == first.json()
    assert balances(demo.county)["Assets:Bank"] == amount
    assert AuditRecord.objects.filter(action="payments.cash.reconciled").count() == 1


def test_the_same_key_for_another_count_is_a_conflict(demo, cash_sale, client_as):
    point = demo.point("LT-S01-V01")
    agent = client_as(demo.user("village_agent"))
    amount = cash_sale.amount_fen
    post_count(agent, point, {"counted_fen": amount, "handed_over_fen": 0})

    response = post_count(agent, point, {"counted_fen": amount, "handed_over_fen": amount})

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert CashReconciliation.objects.get().handed_over_fen == 0


def test_a_second_count_the_same_day_is_refused(demo, cash_sale, client_as):
    point = demo.point("LT-S01-V01")
    agent = client_as(demo.user("village_agent"))
    amount = cash_sale.amount_fen
    post_count(agent, point, {"counted_fen": amount, "handed_over_fen": 0})

    response = post_count(
        agent, point, {"counted_fen": amount, "handed_over_fen": 0}, key="k-2nd-count"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "already_counted"
    assert CashReconciliation.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"counted_fen": -1, "handed_over_fen": 0}, "counted_fen"),
        ({"counted_fen": "12", "handed_over_fen": 0}, "counted_fen"),
        ({"counted_fen": 1.5, "handed_over_fen": 0}, "counted_fen"),
        ({"counted_fen": 100, "handed_over_fen": 200}, "handed_over_fen"),
        ({"counted_fen": 100, "handed_over_fen": 0}, "note"),
        ({"counted_fen": 2**63, "handed_over_fen": 0}, "counted_fen"),
        ({"handed_over_fen": 0}, "counted_fen"),
    ],
)
def test_bad_counts_are_refused_and_nothing_is_written(demo, cash_sale, client_as, payload, field):
    response = post_count(client_as(demo.user("village_agent")), demo.point("LT-S01-V01"), payload)

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not CashReconciliation.objects.exists()


def test_a_count_needs_an_idempotency_key(demo, cash_sale, client_as):
    point = demo.point("LT-S01-V01")
    response = client_as(demo.user("village_agent")).post(
        f"/api/v1/payments/points/{point.pk}/cash-counts",
        data=json.dumps({"counted_fen": 0, "handed_over_fen": 0}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert not CashReconciliation.objects.exists()


@pytest.mark.parametrize(("username", "status"), [("agent", 403), ("buyer", 403), ("seller", 403)])
def test_only_the_points_agents_and_operators_count(demo, cash_sale, client_as, username, status):
    point = demo.point("LT-S01-V01")
    client = client_as(demo.user(username))
    payload = {"counted_fen": cash_sale.amount_fen, "handed_over_fen": 0}

    created = post_count(client, point, payload)
    listed = client.get(f"/api/v1/payments/points/{point.pk}/cash")

    assert created.status_code == listed.status_code == status
    assert not CashReconciliation.objects.exists()


def test_strangers_get_401_and_404(demo, cash_sale, client_as, other_county):
    point = demo.point("LT-S01-V01")
    payload = {"counted_fen": cash_sale.amount_fen, "handed_over_fen": 0}

    assert post_count(client_as(None), point, payload).status_code == 401
    assert client_as(None).get(f"/api/v1/payments/points/{point.pk}/cash").status_code == 401
    outsider = client_as(other_county.operator)
    assert post_count(outsider, point, payload).status_code == 404
    assert outsider.get(f"/api/v1/payments/points/{point.pk}/cash").status_code == 404
    assert not CashReconciliation.objects.exists()


def test_the_point_cash_lists_counts_newest_first(
    demo, cash_sale, client_as, django_assert_num_queries
):
    point = demo.point("LT-S01-V01")
    agent = client_as(demo.user("village_agent"))
    operator = client_as(demo.user("operator"))
    before = agent.get(f"/api/v1/payments/points/{point.pk}/cash")
    post_count(
        agent,
        point,
        {"counted_fen": cash_sale.amount_fen - 100, "handed_over_fen": 1000, "note": "少了一元"},
    )

    with django_assert_num_queries(7):
        after = operator.get(f"/api/v1/payments/points/{point.pk}/cash")

    assert before.json() == {
        "point_id": point.pk,
        "expected_fen": cash_sale.amount_fen,
        "counts": [],
    }
    body = after.json()
    assert body["expected_fen"] == cash_sale.amount_fen - 100 - 1000
    assert [
        (row["counted_fen"], row["handed_over_fen"], row["difference_fen"], row["note"])
        for row in body["counts"]
    ] == [(cash_sale.amount_fen - 100, 1000, -100, "少了一元")]
    assert operator.get(f"/api/v1/payments/points/{point.pk}/cash?offset=1").json()["counts"] == []


def test_a_station_device_counts_with_its_token(demo, cash_sale, client_as):
    # given a device token of the village point's agent, issued by the operator
    from highland.core.services import issue_api_token

    issued = issue_api_token(
        demo.user("village_agent"), actor=demo.user("operator"), name="扎嘎村 tablet"
    )
    device = client_as(None)
    point = demo.point("LT-S01-V01")

    response = device.post(
        f"/api/v1/payments/points/{point.pk}/cash-counts",
        data=json.dumps({"counted_fen": cash_sale.amount_fen, "handed_over_fen": 0}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="tablet-0001",
        HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}",
    )

    assert response.status_code == 201
    assert CashReconciliation.objects.get().counted_by == demo.user("village_agent")
