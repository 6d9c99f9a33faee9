"""The settlement API: a seller's statements and payouts, the operator's payouts and runs."""

from __future__ import annotations

import pytest

from highland.core.models import AuditRecord
from highland.orders.models import Payout
from highland.testing import OrderFactory

RUN = "/api/v1/settlements/run"


def delivered(shop, address, quantity=1, *, days_ago=10):
    return OrderFactory(shop.demo).delivered(
        (("LT-ZC-500", quantity),), days_ago=days_ago, delivery=address
    )


def run(client, key="run-2026-12-03-a"):
    return client.post(RUN, HTTP_IDEMPOTENCY_KEY=key)


def test_an_operator_runs_settlement_once_per_key(shop, chengdu_address, client_as):
    # given an order delivered ten days ago (2 bricks: ¥96.00, 6 % commission)
    order = delivered(shop, chengdu_address, 2)
    operator = client_as(shop.demo.user("operator"))

    # when the operator runs settlement, and the device sends the same request again
    first = run(operator)
    again = run(operator)

    # then one payout, answered twice
    payout = Payout.objects.get()
    assert first.status_code == 201, first.content
    assert first.json() == {
        "created": True,
        "total_fen": 9600 - 576,
        "payouts": [
            {
                "id": payout.pk,
                "seller_id": order.seller_id,
                "seller_name": "Litang Plateau Specialities Co., Ltd.",
                "created_at": first.json()["payouts"][0]["created_at"],
                "status": "paid",
                "amount_fen": 9024,
                "goods_fen": 9600,
                "commission_fen": 576,
                "adjustment_fen": 0,
                "refunds_fen": 0,
                "debt_recovered_fen": 0,
                "order_count": 1,
                "returned_at": None,
                "return_reason": "",
            }
        ],
        "held": [],
    }
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": False}
    assert Payout.objects.count() == 1
    assert AuditRecord.objects.filter(action="orders.payout.paid").count() == 1


def test_a_run_with_nothing_due_pays_nothing(shop, client_as):
    response = run(client_as(shop.demo.user("operator")))

    assert response.status_code == 201
    assert response.json() == {"created": True, "total_fen": 0, "payouts": [], "held": []}


def test_a_run_needs_a_good_idempotency_key(shop, chengdu_address, client_as):
    delivered(shop, chengdu_address)
    operator = client_as(shop.demo.user("operator"))

    missing = operator.post(RUN)
    bad = run(operator, key="short")

    assert missing.status_code == 422
    assert bad.status_code == 422
    assert bad.json()["code"] == "bad_idempotency_key"
    assert not Payout.objects.exists()


@pytest.mark.parametrize(
    ("username", "status"), [("seller", 403), ("official", 403), ("agent", 403), ("buyer", 403)]
)
def test_only_operators_run_settlement(shop, chengdu_address, client_as, username, status):
    delivered(shop, chengdu_address)

    response = run(client_as(shop.demo.user(username)))

    assert response.status_code == status
    assert response.json()["code"] == "permission_denied"
    assert not Payout.objects.exists()


def test_strangers_cannot_run_settlement(shop, chengdu_address, client_as, other_county):
    delivered(shop, chengdu_address)

    anonymous = run(client_as(None))
    outsider = run(client_as(other_county.operator))

    assert anonymous.status_code == 401
    # Hongyuan's operator runs Hongyuan's settlement, where nothing is due.
    assert outsider.status_code == 201
    assert outsider.json()["payouts"] == []
    assert not Payout.objects.exists()


def test_the_operator_lists_payouts_with_filters(
    shop, chengdu_address, client_as, django_assert_num_queries
):
    order = delivered(shop, chengdu_address)
    delivered(shop, chengdu_address, days_ago=2)  # not due yet
    operator = client_as(shop.demo.user("operator"))
    run(operator)
    payout = Payout.objects.get()

    with django_assert_num_queries(7):
        listed = operator.get("/api/v1/settlements/")
    by_seller = operator.get(f"/api/v1/settlements/?seller_id={order.seller_id}")
    returned = operator.get("/api/v1/settlements/?status=returned")
    paged = operator.get("/api/v1/settlements/?offset=1")

    assert listed.status_code == 200
    body = listed.json()
    assert body["due_order_count"] == 0
    assert [row["id"] for row in body["payouts"]] == [payout.pk]
    assert body["payouts"][0]["amount_fen"] == 4512
    assert [row["id"] for row in by_seller.json()["payouts"]] == [payout.pk]
    assert returned.json()["payouts"] == []
    assert paged.json()["payouts"] == []


def test_the_settlement_list_is_for_operators(shop, client_as, other_county):
    url = "/api/v1/settlements/"

    assert client_as(None).get(url).status_code == 401
    assert client_as(shop.demo.user("seller")).get(url).status_code == 403
    assert client_as(shop.demo.user("official")).get(url).status_code == 403
    outsider = client_as(other_county.operator).get(url)
    assert outsider.status_code == 200
    assert outsider.json()["payouts"] == []


@pytest.mark.parametrize("query", ["status=lost", "seller_id=0", "limit=0", "offset=-1"])
def test_bad_settlement_filters_are_refused(shop, client_as, query):
    response = client_as(shop.demo.user("operator")).get(f"/api/v1/settlements/?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


# --- a seller's statements and payouts ---------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "sees"),
    [("seller", True), ("operator", True), ("coop_manager", False), ("official", False)],
)
def test_a_seller_statement_and_payouts_for_its_people_and_operators(
    shop, chengdu_address, client_as, username, sees
):
    order = delivered(shop, chengdu_address)
    run(client_as(shop.demo.user("operator")))
    payout = Payout.objects.get()
    client = client_as(shop.demo.user(username))

    statement = client.get(f"/api/v1/sellers/{order.seller_id}/statements")
    payouts = client.get(f"/api/v1/sellers/{order.seller_id}/payouts")

    if sees:
        assert statement.status_code == 200
        body = statement.json()
        assert body["seller_name"] == "Litang Plateau Specialities Co., Ltd."
        assert (body["goods_fen"], body["commission_fen"], body["earned_fen"]) == (4800, 288, 4512)
        assert body["paid_out_fen"] == 4512
        assert [row["number"] for row in body["orders"]] == [order.number]
        assert payouts.status_code == 200
        assert [(row["id"], row["amount_fen"], row["status"]) for row in payouts.json()] == [
            (payout.pk, 4512, "paid")
        ]
    else:
        assert statement.status_code == payouts.status_code == 404
        assert (
            statement.json()
            == payouts.json()
            == {
                "code": "not_found",
                "detail": "No such seller.",
                "errors": {"seller_id": ["No such seller."]},
            }
        )


def test_seller_money_is_hidden_from_strangers(shop, chengdu_address, client_as, other_county):
    order = delivered(shop, chengdu_address)
    url = f"/api/v1/sellers/{order.seller_id}/payouts"

    assert client_as(None).get(url).status_code == 401
    assert client_as(other_county.operator).get(url).status_code == 404
    assert (
        client_as(shop.demo.user("operator")).get("/api/v1/sellers/999999/payouts").status_code
        == 404
    )


def test_seller_names_follow_the_reader(shop, chengdu_address, client_as):
    order = delivered(shop, chengdu_address)
    client = client_as(shop.demo.user("seller"))

    chinese = client.get(
        f"/api/v1/sellers/{order.seller_id}/statements", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert chinese.json()["seller_name"] == "理塘县高原特产有限公司"


@pytest.mark.parametrize(
    "query", ["start=2026-13-01", "start=1999-01-01", "start=2026-12-02&end=2026-12-01"]
)
def test_bad_statement_periods_are_refused(shop, chengdu_address, client_as, query):
    order = delivered(shop, chengdu_address)

    response = client_as(shop.demo.user("seller")).get(
        f"/api/v1/sellers/{order.seller_id}/statements?{query}"
    )

    assert response.status_code == 422


def test_seller_payouts_list_has_a_query_budget(
    shop, chengdu_address, client_as, django_assert_max_num_queries
):
    order = delivered(shop, chengdu_address)
    run(client_as(shop.demo.user("operator")))
    client = client_as(shop.demo.user("seller"))

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/sellers/{order.seller_id}/payouts?status=paid&limit=5")

    assert len(response.json()) == 1


@pytest.mark.django_db(transaction=True)
def test_racing_identical_settlement_runs_pay_once(shop, chengdu_address):
    """Real threads: the twins' claims wait on the first run's and then replay it."""
    import time

    from django.db import transaction

    from highland.core.idempotency import IdempotentRequest
    from highland.orders.settlement import settle_sellers
    from highland.testing import run_concurrently

    delivered(shop, chengdu_address)
    operator = shop.demo.user("operator")
    request = IdempotentRequest.of("race-run-0001", {"action": "run"})

    def settle() -> tuple[list[int], bool]:
        with transaction.atomic():
            result = settle_sellers(shop.demo.county, actor=operator, idempotent_request=request)
            time.sleep(0.3)  # the twins arrive before this commits
        return [payout.pk for payout in result.payouts], result.created

    results = run_concurrently(settle, 3)

    assert [result for result in results if isinstance(result, BaseException)] == []
    payout = Payout.objects.get()
    assert sorted(results, key=lambda result: not result[1]) == [
        ([payout.pk], True),
        ([payout.pk], False),
        ([payout.pk], False),
    ]
