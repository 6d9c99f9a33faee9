"""Settlement pages and API: the accountant's flow through the buttons, the agent's cash
page, statements, the surplus report; who sees what; replays with an Idempotency-Key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from highland.coops.models import MemberPayout, PayoutStatus, SettlementRun, SettlementStatus
from highland.coops.services.payouts import pay_settlement
from highland.coops.services.settlement import (
    approve_settlement,
    draft_settlement,
    review_settlement,
)
from highland.coops.tests.settlement_setup import produce_lot, sell
from highland.ledger.invariants import verify_ledger
from highland.ledger.models import Entry

pytestmark = pytest.mark.django_db


def sold_lot(coop: Any, order_factory: Any) -> Any:
    lot = produce_lot(
        coop,
        [(coop.members[0], 2_000, "YAK-A", 100), (coop.members[1], 3_000, "YAK-B")],
        logistics_fen=300,
    )
    sell(coop, order_factory, [(lot.stock_lot, 10)])
    return lot


def paid_run(coop: Any, order_factory: Any) -> SettlementRun:
    run = draft_settlement(
        coop.cooperative, lots=[sold_lot(coop, order_factory)], actor=coop.accountant
    )
    review_settlement(run, actor=coop.accountant)
    approve_settlement(run, actor=coop.manager)
    return pay_settlement(run, actor=coop.accountant)


def test_the_accountant_drafts_reviews_and_the_manager_approves_and_pays_through_pages(
    coop: Any, order_factory: Any, client_as: Any
) -> None:
    lot = sold_lot(coop, order_factory)
    accountant, manager = client_as(coop.accountant), client_as(coop.manager)
    form = accountant.get(reverse("coops:settlement-draft"))
    assert form.status_code == 200 and lot.code in form.content.decode()
    assert b"novalidate" in form.content

    refused = accountant.post(reverse("coops:settlement-draft"), {})
    assert refused.status_code == 422 and b"at least one lot" in refused.content

    drafted = accountant.post(reverse("coops:settlement-draft"), {"lots": [lot.pk]})
    run = SettlementRun.objects.get()
    assert drafted.status_code == 302 and drafted["Location"] == reverse(
        "coops:settlement-detail", args=[run.pk]
    )
    detail = accountant.get(drafted["Location"]).content.decode()
    assert run.number in detail and "Mark reviewed" in detail

    def act(client: Any, action: str) -> None:
        client.post(reverse("coops:settlement-action", args=[run.pk, action]))

    act(accountant, "review")
    act(accountant, "approve")  # refused: drafted it
    run.refresh_from_db()
    assert run.status == SettlementStatus.REVIEWED
    act(manager, "approve")
    act(manager, "pay")
    run.refresh_from_db()
    assert run.status == SettlementStatus.PAID
    assert (
        "Pay the members"
        not in manager.get(reverse("coops:settlement-detail", args=[run.pk])).content.decode()
    )
    assert verify_ledger(coop.county) == []


def test_another_cooperative_sees_nothing(coop: Any, order_factory: Any, client_as: Any) -> None:
    run = paid_run(coop, order_factory)
    outsider = client_as(coop.other_manager)
    assert outsider.get(reverse("coops:settlement-detail", args=[run.pk])).status_code == 404
    share = run.shares.first()
    assert outsider.get(reverse("coops:member-statement", args=[share.pk])).status_code == 404
    assert (
        outsider.post(reverse("coops:settlement-action", args=[run.pk, "discard"])).status_code
        == 404
    )
    api = outsider.get(f"/api/v1/coops/{coop.cooperative.pk}/settlements/{run.pk}")
    assert api.status_code == 404
    assert outsider.get(f"/api/v1/coops/{coop.cooperative.pk}/settlements").status_code == 404
    assert client_as(coop.members[0].head).get(reverse("coops:settlement-list")).status_code == 404


def test_a_member_reads_only_their_own_statement(
    coop: Any, order_factory: Any, client_as: Any
) -> None:
    run = paid_run(coop, order_factory)
    mine = run.shares.get(member=coop.members[0])
    theirs = run.shares.get(member=coop.members[1])
    member = client_as(coop.members[0].head)
    page = member.get(reverse("coops:member-statement", args=[mine.pk]) + "?format=a4")
    text = page.content.decode()
    payout = MemberPayout.objects.get(share=mine)
    assert page.status_code == 200 and payout.pickup_code in text and "receipt-a4.css" in text
    assert member.get(reverse("coops:member-statement", args=[theirs.pk])).status_code == 404


def test_the_agent_hands_cash_over_on_their_page(
    coop: Any, order_factory: Any, client_as: Any
) -> None:
    paid_run(coop, order_factory)
    payout = MemberPayout.objects.get(status=PayoutStatus.WAITING)
    agent = client_as(order_factory.demo.user("village_agent"))
    page = agent.get(reverse("coops:cash-payouts")).content.decode()
    assert coop.members[0].household in page and payout.pickup_code not in page
    agent.post(reverse("coops:hand-over", args=[payout.pk]), {"pickup_code": "999999x"})
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.WAITING
    agent.post(reverse("coops:hand-over", args=[payout.pk]), {"pickup_code": payout.pickup_code})
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID
    station = client_as(order_factory.demo.user("agent"))
    assert "格桑家" not in station.get(reverse("coops:cash-payouts")).content.decode()


def test_the_api_drafts_moves_and_pays_once_per_key(
    coop: Any, order_factory: Any, client_as: Any
) -> None:
    lot = sold_lot(coop, order_factory)
    base = f"/api/v1/coops/{coop.cooperative.pk}/settlements"
    accountant, manager = client_as(coop.accountant), client_as(coop.manager)

    def post(client: Any, url: str, body: Any = None, **headers: str) -> Any:
        return client.post(
            url, json.dumps(body or {}), content_type="application/json", headers=headers
        )

    created = post(accountant, base, {"lots": [lot.pk]})
    assert created.status_code == 201, created.content
    run = created.json()
    assert sum(share["share_fen"] for share in run["shares"]) == run["net_fen"]
    assert post(accountant, f"{base}/{run['id']}/review").json()["status"] == "reviewed"
    refused = post(accountant, f"{base}/{run['id']}/approve")
    assert refused.status_code == 422 and refused.json()["code"] == "drafter_approves"
    assert post(manager, f"{base}/{run['id']}/approve").json()["status"] == "approved"
    assert post(manager, f"{base}/{run['id']}/pay").status_code == 422  # no key
    paid = post(manager, f"{base}/{run['id']}/pay", **{"Idempotency-Key": "pay-key-0001"})
    again = post(manager, f"{base}/{run['id']}/pay", **{"Idempotency-Key": "pay-key-0001"})
    assert paid.status_code == again.status_code == 200
    assert paid.json() == again.json()
    assert Entry.objects.filter(kind="coops.settlement.paid").count() == 1
    other_key = post(manager, f"{base}/{run['id']}/pay", **{"Idempotency-Key": "pay-key-0002"})
    assert other_key.status_code == 422 and other_key.json()["code"] == "already_paid"
    assert [item["id"] for item in accountant.get(base).json()] == [run["id"]]

    payout = MemberPayout.objects.get(status=PayoutStatus.WAITING)
    agent = client_as(order_factory.demo.user("village_agent"))
    url = f"/api/v1/coops/payouts/{payout.pk}/hand-over"
    body = {"pickup_code": payout.pickup_code}
    first = post(agent, url, body, **{"Idempotency-Key": "hand-key-0001"})
    replay = post(agent, url, body, **{"Idempotency-Key": "hand-key-0001"})
    assert first.status_code == replay.status_code == 200 and first.json() == replay.json()
    assert first.json()["status"] == "paid"
    twice = post(agent, url, body, **{"Idempotency-Key": "hand-key-0002"})
    assert twice.status_code == 422 and twice.json()["code"] == "already_handed_over"
    assert Entry.objects.filter(kind="coops.payout.handed_over").count() == 1


def test_surplus_pages_and_api(coop: Any, order_factory: Any, client_as: Any) -> None:
    run = paid_run(coop, order_factory)
    year = run.paid_at.year
    manager, accountant = client_as(coop.manager), client_as(coop.accountant)
    bad = manager.post(reverse("coops:surplus-list"), {"year": year, "distributable": "abc"})
    assert bad.status_code == 422
    made = manager.post(reverse("coops:surplus-list"), {"year": year, "distributable": "1.00"})
    assert made.status_code == 302
    report = manager.get(made["Location"]).content.decode()
    assert coop.members[0].household in report and "By patronage" in report
    base = f"/api/v1/coops/{coop.cooperative.pk}/surplus"
    listed = accountant.get(base).json()
    assert listed[0]["distributable_fen"] == 100
    url = f"{base}/{listed[0]['id']}/post"
    posted = accountant.post(
        url, content_type="application/json", headers={"Idempotency-Key": "surplus-0001"}
    )
    replay = accountant.post(
        url, content_type="application/json", headers={"Idempotency-Key": "surplus-0001"}
    )
    assert posted.status_code == replay.status_code == 200, posted.content
    assert posted.json()["status"] == "posted"
    assert Entry.objects.filter(kind="coops.surplus.posted").count() == 1
    assert client_as(coop.other_manager).get(base).status_code == 404
    assert verify_ledger(coop.county) == []


def test_admin_shows_settlement_read_only(coop: Any, order_factory: Any, client_as: Any) -> None:
    run = paid_run(coop, order_factory)
    admin = client_as(order_factory.demo.user("admin"))
    assert admin.get(reverse("admin:coops_settlementrun_changelist")).status_code == 200
    page = admin.get(reverse("admin:coops_settlementrun_change", args=[run.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin.get(reverse("admin:coops_settlementrun_add")).status_code == 403
    payout = MemberPayout.objects.get(status=PayoutStatus.WAITING)
    shown = admin.get(reverse("admin:coops_memberpayout_change", args=[payout.pk]))
    assert shown.status_code == 200 and payout.pickup_code.encode() not in shown.content
