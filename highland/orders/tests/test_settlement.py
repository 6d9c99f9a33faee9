"""Settlement: due orders are paid out once, minus commission, and the ledger agrees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.core.errors import PermissionDenied
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.orders.models import Order, Payout
from highland.orders.settlement import seller_statement, settle_sellers
from highland.testing import OrderFactory


def delivered_order(shop, address, code, quantity, *, days_ago):
    return OrderFactory(shop.demo).delivered(
        ((code, quantity),), days_ago=days_ago, delivery=address
    )


def test_orders_delivered_a_week_ago_are_paid_out_once(shop, chengdu_address):
    due = delivered_order(shop, chengdu_address, "LT-ZC-500", 2, days_ago=8)
    not_yet = delivered_order(shop, chengdu_address, "LT-ZC-500", 1, days_ago=6)

    run = settle_sellers(shop.demo.county, actor=shop.demo.user("operator"))

    assert len(run.payouts) == 1
    payout = run.payouts[0]
    assert payout.amount_fen == due.items_fen - due.commission_fen == 9600 - 576
    assert Order.objects.get(pk=due.pk).payout == payout
    assert Order.objects.get(pk=not_yet.pk).payout is None
    totals = balances(shop.demo.county)
    assert totals[f"Liabilities:SellerPayable:S{due.seller_id}"] == -(
        not_yet.items_fen - not_yet.commission_fen
    )
    assert verify_ledger(shop.demo.county) == []
    assert settle_sellers(shop.demo.county, actor=None).payouts == []
    assert Payout.objects.count() == 1


def test_only_operators_run_settlement(shop, chengdu_address):
    delivered_order(shop, chengdu_address, "LT-ZC-500", 1, days_ago=9)

    with pytest.raises(PermissionDenied):
        settle_sellers(shop.demo.county, actor=shop.demo.user("seller"))

    assert Payout.objects.count() == 0


def test_statement_adds_up(shop, chengdu_address):
    order = delivered_order(shop, chengdu_address, "LT-ZC-500", 3, days_ago=10)
    settle_sellers(shop.demo.county, actor=None)
    today = timezone.localdate()

    statement = seller_statement(
        shop.demo.county, order.seller_id, start=today - dt.timedelta(days=30), end=today
    )

    assert statement["goods_fen"] == 14400
    assert statement["commission_fen"] == 864
    assert statement["earned_fen"] == statement["paid_out_fen"] == 14400 - 864


def test_statement_page_and_settlement_page(shop, chengdu_address, client_as):
    order = delivered_order(shop, chengdu_address, "LT-ZC-500", 1, days_ago=10)
    operator = client_as(shop.demo.user("operator"))

    assert operator.get("/orders/settlements/").status_code == 200
    response = operator.post("/orders/settlements/")
    assert response.status_code == 302
    assert Payout.objects.count() == 1
    page = client_as(shop.demo.user("seller")).get(f"/orders/statements/{order.seller_id}/")
    assert page.status_code == 200
    assert "¥45.12" in page.content.decode()
    assert (
        client_as(shop.demo.user("coop_manager"))
        .get(f"/orders/statements/{order.seller_id}/")
        .status_code
        == 404
    )
    assert client_as(shop.demo.user("seller")).get("/orders/settlements/").status_code == 403


def test_statement_takes_after_sale_refunds_out_as_the_payout_does(shop, chengdu_address):
    from highland.orders import aftersales
    from highland.orders.tests.test_aftersales import delivered, open_request

    order = delivered(shop, chengdu_address, lines=(("LT-ZC-500", 3),))
    aftersale = open_request(shop, order, amount_fen=4800)
    aftersales.accept_aftersale(aftersale, actor=shop.demo.user("seller"))
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - dt.timedelta(days=10))
    run = settle_sellers(shop.demo.county, actor=None)
    today = timezone.localdate()

    statement = seller_statement(
        shop.demo.county, order.seller_id, start=today - dt.timedelta(days=30), end=today
    )

    assert statement["refunds_fen"] == 4800
    assert statement["earned_fen"] == 14400 - 864 - 4800
    assert [payout.amount_fen for payout in run.payouts] == [statement["earned_fen"]]
    assert statement["paid_out_fen"] == statement["earned_fen"]
    (listed,) = statement["orders"]
    assert (listed.aftersale_refunds_fen, listed.earned_fen) == (4800, 14400 - 864 - 4800)


def test_statement_api_for_the_sellers_people_only(shop, chengdu_address, client_as):
    order = delivered_order(shop, chengdu_address, "LT-ZC-500", 2, days_ago=10)
    settle_sellers(shop.demo.county, actor=None)
    path = f"/api/v1/orders/statements/{order.seller_id}"

    answer = client_as(shop.demo.user("seller")).get(path)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["goods_fen"], body["commission_fen"], body["refunds_fen"]) == (9600, 576, 0)
    assert body["earned_fen"] == body["paid_out_fen"] == 9600 - 576
    assert [line["number"] for line in body["orders"]] == [order.number]
    assert body["payouts"][0]["order_count"] == 1
    assert client_as(shop.demo.user("operator")).get(path).status_code == 200
    assert client_as(shop.demo.user("coop_manager")).get(path).status_code == 404
    assert (
        client_as(shop.demo.user("seller")).get("/api/v1/orders/statements/999999").status_code
        == 404
    )
    backwards = client_as(shop.demo.user("seller")).get(
        path, {"start": "2026-11-20", "end": "2026-11-01"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"]["start"]
    assert client_as(shop.demo.user("seller")).get(path, {"start": "20-11-2026"}).status_code == 422


def test_statement_page_lists_after_sale_refunds(shop, chengdu_address, client_as):
    from highland.orders import aftersales
    from highland.orders.tests.test_aftersales import delivered, open_request

    order = delivered(shop, chengdu_address, lines=(("LT-ZC-500", 1),))
    aftersales.accept_aftersale(
        open_request(shop, order, amount_fen=1234), actor=shop.demo.user("seller")
    )

    page = client_as(shop.demo.user("seller")).get(f"/orders/statements/{order.seller_id}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Refunded after sale" in html
    assert "¥12.34" in html
    assert "¥" + f"{(4800 - 288 - 1234) / 100:.2f}" in html
    bad = client_as(shop.demo.user("seller")).get(
        f"/orders/statements/{order.seller_id}/", {"start": "soon"}
    )
    assert bad.status_code == 422
