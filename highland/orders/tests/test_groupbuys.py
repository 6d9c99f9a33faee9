"""Group buys: a station pools its villages' orders, orders once per supplier, hands out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from highland.catalog.models import Sku
from highland.core.errors import NotFound, PermissionDenied, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import AuditRecord
from highland.ledger.invariants import verify_ledger
from highland.ledger.selectors import balances
from highland.orders import groupbuys, services
from highland.orders.groupbuys import GroupBuyTerms, ItemTerms
from highland.orders.models import (
    ConsolidatedPurchase,
    GroupBuy,
    GroupBuyItem,
    GroupBuyOrder,
    GroupBuyStatus,
    ItemOutcome,
    Order,
    OrderLine,
    OrderStatus,
)
from highland.orders.services import CheckoutLine
from highland.orders.stock_invariants import verify_stock
from highland.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from highland.payments.refunds import confirm_refund_paid
from highland.testing import run_concurrently

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def terms(shop, items: list[tuple[str, int | None, int | None]], **changes: Any) -> GroupBuyTerms:
    now = timezone.now()
    values: dict[str, Any] = {
        "title_zh": "奔戈乡冬季团购",
        "title_en": "Benge winter group buy",
        "opens_at": now - HOUR,
        "closes_at": now + 24 * HOUR,
        "collect_by": now + 24 * 15 * HOUR,
        "items": [ItemTerms(shop.sku(code).pk, price, minimum) for code, price, minimum in items],
    }
    values.update(changes)
    return GroupBuyTerms(**values)


def open_window(shop, items=None, **changes: Any) -> GroupBuy:
    agent = shop.demo.user("agent")
    items = items or [("LT-CD-20K", 11900, None), ("LT-BW-2L", None, None), ("LT-HF-50", None, 3)]
    group_buy = groupbuys.create_group_buy(
        shop.demo.point("LT-S01"), terms(shop, items, **changes), actor=agent
    )
    return groupbuys.open_group_buy(group_buy, actor=agent)


def join(shop, group_buy, villager, point_code, lines, *, actor="village_agent", key=""):
    checkout_lines = [CheckoutLine(shop.sku(code).pk, quantity) for code, quantity in lines]
    point = shop.demo.point(point_code)
    return groupbuys.join_group_buy(
        group_buy,
        checkout_lines,
        villager=villager,
        point=point,
        actor=shop.demo.user(actor),
        idempotent_request=IdempotentRequest.of(
            key,
            {"group_buy": group_buy, "villager": villager, "point": point, "lines": checkout_lines},
        )
        if key
        else None,
    )


def stock(shop, *codes: str) -> dict[str, int]:
    return {code: shop.sku(code).stock for code in codes}


def state() -> tuple[Any, ...]:
    """What a group-buy action could change, to assert a refusal changed nothing."""
    return (
        sorted(Sku.objects.values_list("code", "stock")),
        sorted(GroupBuy.objects.values_list("pk", "status", "closes_at", "title_zh")),
        GroupBuyItem.objects.count(),
        GroupBuyOrder.objects.count(),
        sorted(Order.objects.values_list("pk", "status")),
        Payment.objects.count(),
        ConsolidatedPurchase.objects.count(),
        AuditRecord.objects.count(),
    )


def test_three_villagers_at_two_points_from_window_to_pickup(shop):
    # given a window with a group price, an item with a minimum, and a second supplier
    group_buy = open_window(
        shop,
        [
            ("LT-CD-20K", 11900, None),
            ("LT-BW-2L", None, None),
            ("LT-HF-50", None, 3),
            ("LT-YJ-100", None, None),
        ],
    )
    before = stock(shop, "LT-CD-20K", "LT-BW-2L", "LT-HF-50", "LT-YJ-100")
    gesang, dolma, tashi = (
        shop.demo.user("member"),
        shop.villager("dolma"),
        shop.villager("tashi", "LT-S01-V02"),
    )
    agent, village_agent = shop.demo.user("agent"), shop.demo.user("village_agent")

    # when three villagers join at two points; Gesang pays at the desk straight away
    first = join(shop, group_buy, gesang, "LT-S01-V01", [("LT-CD-20K", 2), ("LT-BW-2L", 1)])
    services.collect_cash(first.payment, agent=village_agent, point=shop.demo.point("LT-S01-V01"))
    second = join(shop, group_buy, dolma, "LT-S01-V01", [("LT-CD-20K", 1), ("LT-HF-50", 2)])
    third = join(
        shop,
        group_buy,
        tashi,
        "LT-S01-V02",
        [("LT-BW-2L", 3), ("LT-HF-50", 1), ("LT-YJ-100", 2)],
        actor="agent",
    )

    # then each join is a normal order at the group price, stock reserved until collect_by
    assert [order.items_fen for order in first.orders] == [2 * 11900 + 8900]
    assert first.payment.amount_fen == first.orders[0].total_fen
    assert [len(result.orders) for result in (first, second, third)] == [1, 1, 2]
    assert stock(shop, *before) == {
        "LT-CD-20K": before["LT-CD-20K"] - 3,
        "LT-BW-2L": before["LT-BW-2L"] - 4,
        "LT-HF-50": before["LT-HF-50"] - 3,
        "LT-YJ-100": before["LT-YJ-100"] - 2,
    }
    held = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT)
    assert {order.reserved_until for order in held} == {group_buy.collect_by}
    assert services.expire_reservations(now=timezone.now() + 2 * HOUR) == 0

    # when the cut-off passes and the scheduled run closes the window
    closed = groupbuys.close_due_group_buys(now=group_buy.closes_at + MINUTE)

    # then one purchase per supplier with exact quantities, and nobody was dropped
    assert closed == 1
    group_buy.refresh_from_db()
    assert group_buy.status == GroupBuyStatus.CLOSED
    purchases = {
        purchase.seller.name_zh: [
            (line.sku.code, line.quantity, line.amount_fen) for line in purchase.lines.all()
        ]
        for purchase in group_buy.purchases.select_related("seller")
    }
    enterprise = shop.sku("LT-CD-20K").product.seller.name_zh
    coop = shop.sku("LT-YJ-100").product.seller.name_zh
    assert purchases == {
        enterprise: sorted(
            [
                ("LT-CD-20K", 3, 3 * 11900),
                ("LT-BW-2L", 4, 4 * 8900),
                ("LT-HF-50", 3, 3 * 16800),
            ],
            key=lambda line: shop.sku(line[0]).pk,
        ),
        coop: [("LT-YJ-100", 2, 2 * 3980)],
    }
    assert dict(group_buy.items.values_list("sku__code", "outcome")) == {
        "LT-CD-20K": ItemOutcome.GOING_AHEAD,
        "LT-BW-2L": ItemOutcome.GOING_AHEAD,
        "LT-HF-50": ItemOutcome.GOING_AHEAD,
        "LT-YJ-100": ItemOutcome.GOING_AHEAD,
    }

    # and a pick list per village point says who gets what
    lists = {
        pick_list.point.code: [
            (
                row.villager,
                row.to_collect_fen,
                [(line.sku_id, line.quantity) for line in row.lines],
            )
            for row in pick_list.rows
        ]
        for pick_list in groupbuys.pick_lists(group_buy)
    }
    sku = {code: shop.sku(code).pk for code in before}
    coop_seller = shop.sku("LT-YJ-100").product.seller_id
    tashi_coop = next(order for order in third.orders if order.seller_id == coop_seller)
    tashi_household = next(order for order in third.orders if order.seller_id != coop_seller)
    assert lists == {
        "LT-S01-V01": [
            ("dolma", second.orders[0].total_fen, [(sku["LT-CD-20K"], 1), (sku["LT-HF-50"], 2)]),
            (str(gesang), 0, [(sku["LT-CD-20K"], 2), (sku["LT-BW-2L"], 1)]),
        ],
        "LT-S01-V02": [
            ("tashi", tashi_coop.total_fen, [(sku["LT-YJ-100"], 2)]),
            (
                "tashi",
                tashi_household.total_fen,
                [(sku["LT-BW-2L"], 3), (sku["LT-HF-50"], 1)],
            ),
        ],
    }

    # when the organiser orders, and the enterprise's delivery comes in first
    groupbuys.order_from_suppliers(group_buy, actor=agent)
    by_seller = {purchase.seller_id: purchase for purchase in group_buy.purchases.all()}
    groupbuys.receive_purchase(by_seller[first.orders[0].seller_id], actor=agent)

    # then the paid order is ready for pickup and the unpaid ones wait for their cash
    assert Order.objects.get(pk=first.orders[0].pk).status == OrderStatus.SHIPPED
    assert Order.objects.get(pk=second.orders[0].pk).status == OrderStatus.PENDING_PAYMENT
    with pytest.raises(ValidationFailed) as too_early:
        groupbuys.hand_over(tashi_coop, agent=village_agent, pickup_code=tashi_coop.pickup_code)
    assert too_early.value.code == "not_arrived"

    # when the coop's delivery arrives too, and everyone collects with their code
    groupbuys.receive_purchase(by_seller[coop_seller], actor=agent)
    group_buy.refresh_from_db()
    assert group_buy.status == GroupBuyStatus.DELIVERED
    for result in (first, second, third):
        for order in sorted(result.orders, key=lambda order: order.pk):
            groupbuys.hand_over(order, agent=village_agent, pickup_code=order.pickup_code)

    # then every order is delivered, cash sits at the points and the ledger balances
    assert set(
        Order.objects.filter(group_buy_link__group_buy=group_buy).values_list("status", flat=True)
    ) == {OrderStatus.DELIVERED}
    totals = balances(shop.demo.county)
    assert totals["Assets:Cash:Point:LT-S01-V01"] == (
        first.payment.amount_fen + second.payment.amount_fen
    )
    assert totals["Assets:Cash:Point:LT-S01-V02"] == third.payment.amount_fen
    assert totals["Liabilities:BuyerClearing"] == 0
    assert verify_ledger(shop.demo.county) == []
    # and the goods came out of stock lots when they arrived (ADR 0010)
    assert verify_stock(shop.demo.county) == []
    assert not OrderLine.objects.filter(
        order__group_buy_link__group_buy=group_buy, lot_allocations__isnull=True
    ).exists()


# --- minimums and the cut-off --------------------------------------------------------------


def test_minimum_not_reached_cancels_its_orders_refunds_and_releases_stock(shop):
    # given power banks need 5 in total, flasks have no minimum
    group_buy = open_window(shop, [("LT-CD-20K", None, 5), ("LT-BW-2L", None, None)])
    before = stock(shop, "LT-CD-20K", "LT-BW-2L")
    village_agent = shop.demo.user("village_agent")
    both = join(
        shop, group_buy, shop.villager("dolma"), "LT-S01-V01", [("LT-CD-20K", 2), ("LT-BW-2L", 1)]
    )
    flask = join(
        shop, group_buy, shop.villager("tashi", "LT-S01-V02"), "LT-S01-V02", [("LT-BW-2L", 2)]
    )
    paid = join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-CD-20K", 1)])
    services.collect_cash(paid.payment, agent=village_agent, point=shop.demo.point("LT-S01-V01"))

    # when the organiser closes now
    result = groupbuys.close_group_buy(group_buy, actor=shop.demo.user("agent"))

    # then the orders holding power banks are cancelled with the reason, the paid one
    # refunded, their stock given back; the flask order goes ahead alone
    reason = "太阳能充电宝 did not reach the group buy's minimum of 5 (3 ordered)."
    assert result.cancelled == {both.orders[0].number: reason, paid.orders[0].number: reason}
    assert set(
        GroupBuyOrder.objects.filter(order__status=OrderStatus.CANCELLED).values_list(
            "dropped_reason", flat=True
        )
    ) == {reason}
    assert Order.objects.get(pk=flask.orders[0].pk).status == OrderStatus.PENDING_PAYMENT
    assert stock(shop, *before) == {
        "LT-CD-20K": before["LT-CD-20K"],
        "LT-BW-2L": before["LT-BW-2L"] - 2,
    }
    assert Payment.objects.get(pk=both.payment.pk).status == PaymentStatus.CANCELLED
    assert Payment.objects.get(pk=paid.payment.pk).status == PaymentStatus.REFUNDED
    assert dict(group_buy.items.values_list("sku__code", "outcome")) == {
        "LT-CD-20K": ItemOutcome.BELOW_MINIMUM,
        "LT-BW-2L": ItemOutcome.GOING_AHEAD,
    }
    assert [
        [(line.sku.code, line.quantity, line.amount_fen) for line in purchase.lines.all()]
        for purchase in result.purchases
    ] == [[("LT-BW-2L", 2, 2 * 8900)]]
    # The villager's cash is handed back over the counter, and the agent says so.
    refund = Refund.objects.get(payment=paid.payment)
    assert refund.status == RefundStatus.REQUESTED
    assert balances(shop.demo.county)["Assets:Cash:Point:LT-S01-V01"] == refund.amount_fen
    confirm_refund_paid(refund, actor=village_agent)
    assert balances(shop.demo.county)["Assets:Cash:Point:LT-S01-V01"] == 0
    assert verify_ledger(shop.demo.county) == []


def test_dropping_orders_repeats_until_every_item_left_reached_its_minimum(shop):
    # given flasks need 3 and power banks 2; one order holds both
    group_buy = open_window(shop, [("LT-BW-2L", None, 3), ("LT-CD-20K", None, 2)])
    mixed = join(
        shop, group_buy, shop.villager("dolma"), "LT-S01-V01", [("LT-BW-2L", 1), ("LT-CD-20K", 1)]
    )
    join(shop, group_buy, shop.villager("tashi"), "LT-S01-V01", [("LT-BW-2L", 1)])
    lone = join(
        shop, group_buy, shop.villager("pema", "LT-S01-V02"), "LT-S01-V02", [("LT-CD-20K", 1)]
    )

    # when it closes: flasks fall short (2 of 3), which takes a power bank with them
    result = groupbuys.close_group_buy(group_buy, actor=shop.demo.user("agent"))

    # then the remaining power bank is below its minimum too, and nothing is ordered
    assert result.cancelled[mixed.orders[0].number] == (
        "保温壶 did not reach the group buy's minimum of 3 (2 ordered)."
    )
    assert result.cancelled[lone.orders[0].number] == (
        "太阳能充电宝 did not reach the group buy's minimum of 2 (1 ordered)."
    )
    assert len(result.cancelled) == 3
    assert result.purchases == []
    assert set(group_buy.items.values_list("outcome", flat=True)) == {ItemOutcome.BELOW_MINIMUM}
    with pytest.raises(ValidationFailed) as refusal:
        groupbuys.order_from_suppliers(group_buy, actor=shop.demo.user("agent"))
    assert refusal.value.code == "nothing_to_order"


def test_when_payment_is_due_by_the_cutoff_unpaid_orders_are_cancelled(shop):
    group_buy = open_window(shop, [("LT-BW-2L", None, None)], pay_on_pickup=False)
    before = stock(shop, "LT-BW-2L")
    paid = join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])
    services.collect_cash(
        paid.payment, agent=shop.demo.user("village_agent"), point=shop.demo.point("LT-S01-V01")
    )
    unpaid = join(shop, group_buy, shop.villager("dolma"), "LT-S01-V01", [("LT-BW-2L", 2)])
    assert unpaid.orders[0].reserved_until == group_buy.closes_at + groupbuys.CLOSE_GRACE

    closed = groupbuys.close_due_group_buys(now=group_buy.closes_at)

    assert closed == 1
    assert Order.objects.get(pk=unpaid.orders[0].pk).status == OrderStatus.CANCELLED
    assert GroupBuyOrder.objects.get(order=unpaid.orders[0]).dropped_reason == (
        "Not paid by the group buy's cut-off."
    )
    assert stock(shop, *before) == {"LT-BW-2L": before["LT-BW-2L"] - 1}
    assert [line.quantity for line in ConsolidatedPurchase.objects.get().lines.all()] == [1]


def test_the_scheduled_run_closes_only_windows_past_their_cutoff(shop):
    due = open_window(shop)
    later = open_window(shop, closes_at=timezone.now() + 48 * HOUR)

    assert groupbuys.close_due_group_buys(now=due.closes_at + HOUR) == 1

    assert GroupBuy.objects.get(pk=due.pk).status == GroupBuyStatus.CLOSED
    assert GroupBuy.objects.get(pk=later.pk).status == GroupBuyStatus.OPEN
    assert AuditRecord.objects.get(action="orders.group_buy.closed").actor is None
    with pytest.raises(ValidationFailed) as refusal:
        groupbuys.close_group_buy(later, actor=None)
    assert refusal.value.code == "not_due"


def test_the_task_and_the_command_close_due_windows(shop):
    from django.core.management import call_command

    from highland.orders import tasks

    first = open_window(shop)
    second = open_window(shop)
    GroupBuy.objects.filter(pk=first.pk).update(closes_at=timezone.now() - HOUR)
    assert tasks.close_group_buys() == 1
    GroupBuy.objects.filter(pk=second.pk).update(closes_at=timezone.now() - HOUR)

    call_command("close_group_buys")

    assert set(GroupBuy.objects.values_list("status", flat=True)) == {GroupBuyStatus.CLOSED}


# --- joining --------------------------------------------------------------------------------


def test_joining_outside_the_window_is_refused_and_changes_nothing(shop):
    group_buy = open_window(shop, opens_at=timezone.now() + HOUR)
    villager = shop.demo.user("member")
    lines = [CheckoutLine(shop.sku("LT-BW-2L").pk, 1)]
    point = shop.demo.point("LT-S01-V01")
    agent = shop.demo.user("village_agent")
    before = state()

    with pytest.raises(ValidationFailed) as early:
        groupbuys.join_group_buy(group_buy, lines, villager=villager, point=point, actor=agent)
    with pytest.raises(ValidationFailed) as late:
        groupbuys.join_group_buy(
            group_buy,
            lines,
            villager=villager,
            point=point,
            actor=agent,
            now=group_buy.closes_at,
        )

    assert early.value.code == "not_open"
    assert late.value.code == "group_buy_closed"
    cutoff = timezone.localtime(group_buy.closes_at).strftime("%Y-%m-%d %H:%M")
    assert late.value.message == (f"This group buy closed at {cutoff}; no more orders can join.")
    assert state() == before


def test_joining_a_closed_window_is_refused(shop):
    group_buy = open_window(shop)
    groupbuys.close_group_buy(group_buy, actor=shop.demo.user("agent"))
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])

    assert refusal.value.code == "group_buy_closed"
    assert state() == before


@pytest.mark.parametrize(
    ("lines", "point", "actor", "field"),
    [
        ([("LT-BW-2L", 0)], "LT-S01-V01", "village_agent", "quantity"),
        ([("LT-BW-2L", -2)], "LT-S01-V01", "village_agent", "quantity"),
        ([], "LT-S01-V01", "village_agent", "lines"),
        ([("LT-YJ-100", 1)], "LT-S01-V01", "village_agent", "lines"),  # not offered
        ([("LT-BW-2L", 1)], "LT-S01-V02", "village_agent", "point"),  # not served
        ([("LT-BW-2L", 1)], "LT-S02-V01", "operator", "point"),  # another station's
        ([("LT-BW-2L", 26)], "LT-S01-V01", "village_agent", "quantity"),  # 25 in stock
    ],
)
def test_bad_joins_are_refused_and_change_nothing(shop, lines, point, actor, field):
    group_buy = open_window(
        shop,
        [("LT-BW-2L", None, None)],
        point_ids=[shop.demo.point("LT-S01-V01").pk],
    )
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        join(shop, group_buy, shop.demo.user("member"), point, lines, actor=actor)

    assert field in refusal.value.errors
    assert state() == before


def test_a_sku_of_another_county_cannot_join(shop, foreign_sku):
    group_buy = open_window(shop)
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        groupbuys.join_group_buy(
            group_buy,
            [CheckoutLine(foreign_sku.pk, 1)],
            villager=shop.demo.user("member"),
            point=shop.demo.point("LT-S01-V01"),
            actor=shop.demo.user("village_agent"),
        )

    assert refusal.value.code == "not_offered"
    assert state() == before


def test_repeating_a_join_with_its_key_returns_the_first_order(shop):
    group_buy = open_window(shop)
    villager = shop.demo.user("member")
    first = join(shop, group_buy, villager, "LT-S01-V01", [("LT-BW-2L", 1)], key="join-0001")

    again = join(shop, group_buy, villager, "LT-S01-V01", [("LT-BW-2L", 1)], key="join-0001")

    assert again.created is False
    assert again.payment == first.payment
    assert [order.pk for order in again.orders] == [order.pk for order in first.orders]
    assert GroupBuyOrder.objects.count() == 1


def test_many_villagers_cannot_oversell_a_window(shop):
    # given only three power banks are left
    Sku.objects.filter(code="LT-CD-20K").update(stock=3)
    group_buy = open_window(shop)
    outcomes = []

    # when five villagers each ask for one, then one more asks for two
    for index in range(5):
        try:
            join(
                shop,
                group_buy,
                shop.villager(f"herder{index}"),
                "LT-S01-V01",
                [("LT-CD-20K", 1)],
            )
            outcomes.append("sold")
        except ValidationFailed as refusal:
            outcomes.append(refusal.code)

    # then three are sold, two refused, and nothing below zero
    assert outcomes == ["sold", "sold", "sold", "out_of_stock", "out_of_stock"]
    assert shop.sku("LT-CD-20K").stock == 0
    assert GroupBuyOrder.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_villagers_racing_for_the_last_units_get_exactly_the_stock(shop):
    """Real threads on the real database (SQLite file or PostgreSQL, whichever runs)."""
    Sku.objects.filter(code="LT-CD-20K").update(stock=4)
    group_buy = open_window(shop)
    villagers = [shop.villager(f"racer{index:02d}") for index in range(12)]

    def buy(villager):
        try:
            join(shop, group_buy, villager, "LT-S01-V01", [("LT-CD-20K", 1)])
        except ValidationFailed as refusal:
            return refusal.code
        return "sold"

    outcomes = run_concurrently(buy, [(villager,) for villager in villagers])

    assert outcomes.count("sold") == 4
    assert outcomes.count("out_of_stock") == 8
    assert shop.sku("LT-CD-20K").stock == 0
    assert GroupBuyOrder.objects.filter(group_buy=group_buy).count() == 4


# --- organising -----------------------------------------------------------------------------


@pytest.fixture
def foreign_sku(other_county_catalogue):
    return other_county_catalogue


def test_a_new_group_buy_serves_the_stations_active_village_points(shop):
    group_buy = groupbuys.create_group_buy(
        shop.demo.point("LT-S01"),
        terms(shop, [("LT-CD-20K", 11900, 10)]),
        actor=shop.demo.user("agent"),
    )

    assert group_buy.status == GroupBuyStatus.DRAFT
    assert group_buy.organiser == shop.demo.user("agent")
    assert sorted(group_buy.points.values_list("code", flat=True)) == [
        "LT-S01-V01",
        "LT-S01-V02",
        "LT-S01-V03",
        "LT-S01-V04",
        "LT-S01-V05",
    ]
    assert list(group_buy.items.values_list("sku__code", "group_price_fen", "min_quantity")) == [
        ("LT-CD-20K", 11900, 10)
    ]
    assert AuditRecord.objects.filter(action="orders.group_buy.created").count() == 1


@pytest.mark.parametrize(
    ("items", "changes", "field"),
    [
        (None, {"closes_at": "past"}, "closes_at"),
        (None, {"closes_at": "before_open"}, "closes_at"),
        (None, {"collect_by": "before_cutoff"}, "collect_by"),
        (None, {"title_zh": " "}, "title_zh"),
        (None, {"point_ids": "other_station"}, "points"),
        (None, {"point_ids": []}, "points"),
        ([], {}, "items"),
        ([("LT-CD-20K", 13000, None)], {}, "items"),  # above the SKU's price
        ([("LT-CD-20K", 0, None)], {}, "items"),
        ([("LT-CD-20K", None, 0)], {}, "items"),
        ([("LT-SR-W", None, None)], {}, "items"),  # sold by weight
        ([("LT-CD-20K", None, None), ("LT-CD-20K", None, None)], {}, "items"),
    ],
)
def test_bad_terms_are_refused_and_change_nothing(shop, items, changes, field):
    now = timezone.now()
    moments = {
        "past": now - HOUR,
        "before_open": now - 2 * HOUR,
        "before_cutoff": now + HOUR,
        "other_station": [shop.demo.point("LT-S02-V01").pk],
    }
    values = {
        name: moments.get(value, value) if isinstance(value, str) else value
        for name, value in changes.items()
    }
    bad = terms(shop, [("LT-CD-20K", None, None)] if items is None else items, **values)
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        groupbuys.create_group_buy(shop.demo.point("LT-S01"), bad, actor=shop.demo.user("agent"))

    assert field in refusal.value.errors
    assert state() == before


def test_a_sku_of_another_county_cannot_be_offered(shop, foreign_sku):
    bad = GroupBuyTerms(**{**terms(shop, []).__dict__, "items": [ItemTerms(foreign_sku.pk)]})
    before = state()

    with pytest.raises(NotFound):
        groupbuys.create_group_buy(shop.demo.point("LT-S01"), bad, actor=shop.demo.user("agent"))

    assert state() == before


def test_only_a_township_station_runs_a_group_buy(shop):
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        groupbuys.create_group_buy(
            shop.demo.point("LT-S01-V01"),
            terms(shop, [("LT-CD-20K", None, None)]),
            actor=shop.demo.user("operator"),
        )

    assert list(refusal.value.errors) == ["station"]
    assert state() == before


def test_an_open_window_keeps_its_items_but_its_cutoff_can_move(shop):
    group_buy = open_window(shop, pay_on_pickup=False)
    order = join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])
    agent = shop.demo.user("agent")
    current = groupbuys.GroupBuyTerms(
        title_zh=group_buy.title_zh,
        title_en=group_buy.title_en,
        opens_at=group_buy.opens_at,
        closes_at=group_buy.closes_at,
        collect_by=group_buy.collect_by,
        pay_on_pickup=False,
        items=groupbuys.item_terms_of(group_buy),
    )
    before = state()

    with pytest.raises(ValidationFailed) as refusal:
        groupbuys.update_group_buy(
            group_buy,
            GroupBuyTerms(
                **{**current.__dict__, "items": current.items[:1], "pay_on_pickup": True}
            ),
            actor=agent,
        )
    assert refusal.value.errors == {
        "pay_on_pickup": ["This cannot change once the group buy is Open for orders."],
        "items": ["This cannot change once the group buy is Open for orders."],
    }
    assert state() == before

    later = group_buy.closes_at + 24 * HOUR
    groupbuys.update_group_buy(
        group_buy,
        GroupBuyTerms(**{**current.__dict__, "closes_at": later, "collect_by": later + HOUR}),
        actor=agent,
    )

    group_buy.refresh_from_db()
    assert group_buy.closes_at == later
    assert Order.objects.get(pk=order.orders[0].pk).reserved_until == (
        later + groupbuys.CLOSE_GRACE
    )
    assert AuditRecord.objects.get(action="orders.group_buy.updated").changes == {
        "closes_at": {"from": current.closes_at.isoformat(), "to": later.isoformat()},
        "collect_by": {"from": current.collect_by.isoformat(), "to": (later + HOUR).isoformat()},
    }


def test_cancelling_a_window_cancels_its_orders_refunds_and_releases_stock(shop):
    group_buy = open_window(shop)
    before = stock(shop, "LT-CD-20K", "LT-BW-2L")
    paid = join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-CD-20K", 1)])
    services.collect_cash(
        paid.payment, agent=shop.demo.user("village_agent"), point=shop.demo.point("LT-S01-V01")
    )
    unpaid = join(
        shop, group_buy, shop.villager("dolma", "LT-S01-V02"), "LT-S01-V02", [("LT-BW-2L", 2)]
    )

    groupbuys.cancel_group_buy(group_buy, actor=shop.demo.user("agent"), reason="supplier out")

    assert GroupBuy.objects.get(pk=group_buy.pk).status == GroupBuyStatus.CANCELLED
    assert {Order.objects.get(pk=result.orders[0].pk).status for result in (paid, unpaid)} == {
        OrderStatus.CANCELLED
    }
    assert stock(shop, *before) == before
    assert Payment.objects.get(pk=paid.payment.pk).status == PaymentStatus.REFUNDED
    assert verify_ledger(shop.demo.county) == []


# --- permissions ----------------------------------------------------------------------------


def test_after_the_cutoff_only_the_centre_cancels_a_group_buy_order(shop):
    group_buy = open_window(shop)
    villager = shop.demo.user("member")
    result = join(shop, group_buy, villager, "LT-S01-V01", [("LT-BW-2L", 1)])
    order = result.orders[0]
    groupbuys.close_group_buy(group_buy, actor=shop.demo.user("agent"))

    for person in (villager, shop.demo.user("village_agent"), shop.demo.user("seller")):
        with pytest.raises(PermissionDenied):
            services.cancel_order(order, actor=person, reason="changed my mind")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT

    services.cancel_order(order, actor=shop.demo.user("operator"), reason="villager moved away")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("who", "allowed_to"),
    [
        ("village_agent", {"view", "lists", "join"}),
        ("agent", {"view", "lists", "join", "manage"}),
        ("operator", {"view", "lists", "join", "manage", "organise"}),
        ("official", {"view", "lists"}),
        ("member", {"view"}),  # joined
        ("buyer", set()),
        ("seller", set()),  # until the purchases are sent
        ("driver", set()),
    ],
)
def test_who_may_do_what_with_a_group_buy(shop, who, allowed_to):
    from highland.core.permissions import allowed

    group_buy = open_window(shop)
    join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])
    user = shop.demo.user(who)
    checks = {
        "view": ("orders.view_group_buy", group_buy),
        "lists": ("orders.view_group_buy_lists", group_buy),
        "join": ("orders.join_group_buy", shop.demo.point("LT-S01-V02")),
        "manage": ("orders.manage_group_buy", group_buy),
        "organise": ("orders.organise_group_buy", shop.demo.point("LT-S02")),
    }

    assert {name for name, (rule, obj) in checks.items() if allowed(user, rule, obj)} == (
        allowed_to
    )


def test_the_seller_sees_its_own_purchase_once_ordered(shop):
    group_buy = open_window(shop, [("LT-BW-2L", None, None), ("LT-YJ-100", None, None)])
    join(
        shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1), ("LT-YJ-100", 1)]
    )
    groupbuys.close_group_buy(group_buy, actor=shop.demo.user("agent"))
    seller = shop.demo.user("seller")
    purchases = {purchase.seller_id: purchase for purchase in group_buy.purchases.all()}
    own = purchases[shop.sku("LT-BW-2L").product.seller_id]
    other = purchases[shop.sku("LT-YJ-100").product.seller_id]
    with pytest.raises(NotFound):
        groupbuys.access_purchase(seller, own.pk)

    groupbuys.order_from_suppliers(group_buy, actor=shop.demo.user("agent"))

    assert groupbuys.access_purchase(seller, own.pk) == own
    with pytest.raises(NotFound):
        groupbuys.access_purchase(seller, other.pk)
    with pytest.raises(PermissionDenied):
        groupbuys.receive_purchase(own, actor=seller)
    assert ConsolidatedPurchase.objects.get(pk=own.pk).delivered_at is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_county", 404),
        ("village_agent", 403),
        ("member", 403),
        ("agent", 200),
    ],
)
def test_closing_through_the_api_needs_the_organiser(shop, other_county, client_as, who, status):
    group_buy = open_window(shop)
    join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])
    user = (
        None
        if who == "anonymous"
        else (other_county.operator if who == "other_county" else shop.demo.user(who))
    )
    before = state()

    response = client_as(user).post(f"/api/v1/orders/group-buys/{group_buy.pk}/close")

    assert response.status_code == status, response.content
    if status != 200:
        assert state() == before
    else:
        assert response.json()["status"] == "closed"
