"""The agent desk's work queue, the printable receipt, and how long cash is held."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from highland.catalog.models import Sku
from highland.core.models import CashHoldRule
from highland.network.hours import cash_held_until
from highland.orders import services
from highland.orders.models import GroupBuy, GroupBuyStatus, OrderStatus
from highland.orders.services import CheckoutLine, DeliveryDetails
from highland.payments.models import PaymentMethod

AGENT = "village_agent"


def cash_order(shop, lines=(("LT-CD-20K", 1),), point="LT-S01-V01"):
    """An order the village agent placed for the member, to be paid in cash at `point`."""
    member = shop.demo.user("member")
    return services.place_order(
        shop.demo.county,
        [CheckoutLine(Sku.objects.get(code=code).pk, quantity) for code, quantity in lines],
        buyer=member,
        actor=shop.demo.user(AGENT),
        delivery=DeliveryDetails(
            method="pickup", recipient_name=str(member), pickup_point=shop.demo.point(point)
        ),
        payment_method=PaymentMethod.CASH_AT_POINT,
    )


def collected(shop, result):
    services.collect_cash(
        result.payment,
        agent=shop.demo.user(AGENT),
        point=shop.demo.point("LT-S01-V01"),
    )
    return result.orders[0]


def seller_of(order):
    """Someone who packs for the order's seller: its organisation's staff, or the agent
    who represents a household."""
    from highland.core.models import Membership, Role

    seller = order.seller
    if seller.organisation_id:
        return (
            Membership.objects.filter(
                organisation_id=seller.organisation_id,
                active=True,
                role__in=[Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER],
            )
            .first()
            .user
        )
    return seller.represented_by


def until_text(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- the cash hold ------------------------------------------------------------------------------


def test_a_cash_order_is_held_until_the_point_closes_on_its_next_opening_day(shop):
    before = timezone.now()
    result = cash_order(shop)

    held = result.orders[0].reserved_until
    assert held == cash_held_until(shop.demo.point("LT-S01-V01"), before)
    local = timezone.localtime(held)
    assert (local.hour, local.minute) == (21, 0)  # village points close at 21:00


def test_the_county_may_hold_cash_orders_for_hours_instead(shop):
    county = shop.demo.county
    services_core = __import__("highland.core.services", fromlist=["set_cash_hold"])
    services_core.set_cash_hold(
        county, rule=CashHoldRule.HOURS, hours=3, actor=shop.demo.user("admin")
    )
    before = timezone.now()

    held = cash_order(shop).orders[0].reserved_until

    assert before + dt.timedelta(hours=3) <= held <= timezone.now() + dt.timedelta(hours=3)


@pytest.mark.parametrize(
    ("rule", "hours", "field"),
    [
        ("never", 3, "cash_hold_rule"),
        ("hours", 0, "cash_hold_hours"),
        ("hours", 241, "cash_hold_hours"),
    ],
)
def test_a_bad_cash_hold_setting_is_refused(shop, rule, hours, field):
    from highland.core.errors import ValidationFailed
    from highland.core.services import set_cash_hold

    with pytest.raises(ValidationFailed) as refusal:
        set_cash_hold(shop.demo.county, rule=rule, hours=hours, actor=shop.demo.user("admin"))

    assert list(refusal.value.errors) == [field]
    shop.demo.county.refresh_from_db()
    assert (shop.demo.county.cash_hold_rule, shop.demo.county.cash_hold_hours) == (
        "point_closing",
        24,
    )


def test_only_a_platform_admin_sets_the_cash_hold(shop):
    from highland.core.errors import PermissionDenied
    from highland.core.services import set_cash_hold

    with pytest.raises(PermissionDenied):
        set_cash_hold(shop.demo.county, rule="hours", hours=3, actor=shop.demo.user("operator"))


def test_the_order_payment_and_receipt_pages_say_until_when(shop, client_as):
    order = cash_order(shop).orders[0]
    client = client_as(shop.demo.user(AGENT))
    expected = f"Held until {until_text(order.reserved_until)}"

    for url in (
        f"/orders/{order.pk}/",
        f"/orders/payments/{order.payment_id}/",
        f"/orders/{order.pk}/receipt/",
        "/network/desk/",
    ):
        html = client.get(url).content.decode()
        assert expected in html or f"until {until_text(order.reserved_until)}" in html, url


def test_a_paid_order_says_nothing_about_a_hold(shop, client_as):
    order = collected(shop, cash_order(shop))

    html = client_as(shop.demo.user(AGENT)).get(f"/orders/{order.pk}/").content.decode()

    assert "Held until" not in html


# --- the receipt --------------------------------------------------------------------------------


def test_the_receipt_shows_villager_agent_point_time_lines_total_and_code(shop, client_as):
    order = cash_order(shop, [("LT-CD-20K", 2), ("LT-JM-W", 750)]).orders[0]
    order.refresh_from_db()

    response = client_as(shop.demo.user(AGENT)).get(f"/orders/{order.pk}/receipt/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "receipt-58mm" in html and "orders/receipt-58mm.css" in html
    for text in (
        str(shop.demo.user("member")),
        str(shop.demo.user(AGENT)),
        shop.demo.point("LT-S01-V01").name,
        timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M"),
        order.number,
        order.pickup_code,
    ):
        assert text in html
    assert response.context["show_pickup_code"] is True
    lines = {line.sku_label: line.quantity_text for line in response.context["lines"]}
    assert sorted(lines.values()) in (["× 2"], ["1.5 jin"], ["1.5 jin", "× 2"])


def test_the_receipt_prints_on_a4_too(shop, client_as):
    order = cash_order(shop).orders[0]

    response = client_as(shop.demo.user(AGENT)).get(f"/orders/{order.pk}/receipt/?format=a4")

    assert response.context["paper"] == "a4"
    assert "orders/receipt-a4.css" in response.content.decode()


def test_an_unknown_paper_falls_back_to_58mm(shop, client_as):
    order = cash_order(shop).orders[0]

    response = client_as(shop.demo.user(AGENT)).get(f"/orders/{order.pk}/receipt/?format=x")

    assert response.context["paper"] == "58mm"


def test_the_print_css_sets_the_page_size():
    from pathlib import Path

    import highland.orders

    static = Path(highland.orders.__file__).parent / "static" / "orders"
    assert "@page { size: 58mm auto;" in (static / "receipt-58mm.css").read_text()
    assert "@page { size: A4;" in (static / "receipt-a4.css").read_text()
    assert "@media print" in (static / "receipt.css").read_text()


def test_the_seller_sees_the_receipt_without_the_pickup_code(shop, client_as):
    order = cash_order(shop).orders[0]
    response = client_as(seller_of(order)).get(f"/orders/{order.pk}/receipt/")

    assert response.status_code == 200
    assert response.context["show_pickup_code"] is False
    assert order.pickup_code not in response.content.decode()


def test_the_receipt_is_hidden_from_anonymous_and_outsiders(shop, client_as, other_county):
    order = cash_order(shop).orders[0]
    url = f"/orders/{order.pk}/receipt/"

    anonymous = client_as(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert client_as(other_county.operator).get(url).status_code == 404
    assert client_as(shop.buyer()).get(url).status_code == 404


def test_the_payment_page_links_each_order_to_its_receipt(shop, client_as):
    result = cash_order(shop)

    html = (
        client_as(shop.demo.user(AGENT))
        .get(f"/orders/payments/{result.payment.pk}/")
        .content.decode()
    )

    assert f"/orders/{result.orders[0].pk}/receipt/" in html


# --- the desk's work queue ----------------------------------------------------------------------


def group_buy(shop, *, status, closes_in, collect_in):
    now = timezone.now()
    created = GroupBuy.objects.create(
        county=shop.demo.county,
        station=shop.demo.point("LT-S01"),
        organiser=shop.demo.user("agent"),
        title_zh="冬季团购",
        title_en="Winter group buy",
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + closes_in,
        collect_by=now + collect_in,
        status=status,
    )
    created.points.add(shop.demo.point("LT-S01-V01"))
    return created


def queue(client) -> dict[str, tuple[int, list[str]]]:
    cards = client.get("/network/desk/").context["queue"]
    return {card.key: (card.count, [item.url for item in card.items]) for card in cards}


def test_an_idle_desk_shows_every_card_empty(shop, client_as):
    cards = queue(client_as(shop.demo.user(AGENT)))

    assert {key: count for key, (count, _urls) in cards.items()} == {
        "orders.cash_to_collect": 0,
        "payments.refunds_to_hand_back": 0,
        "orders.parcels_waiting": 0,
        "orders.pickups_due": 0,
        "orders.group_buy_deadlines": 0,
        "payments.cash_to_count": 2,  # both of the agent's points, not yet counted today
    }


def make_work(shop):
    """One of each piece of work at the village agent's point LT-S01-V01."""
    unpaid = cash_order(shop)
    # Paid in cash, packed lighter than ordered: the allowance is a cash refund to hand back.
    weighed = collected(shop, cash_order(shop, [("LT-JM-W", 1000)]))
    line = weighed.lines.get()
    services.pack_order(weighed, {line.pk: 1000}, actor=seller_of(weighed))
    # Paid, packed, shipped: waiting for the villager.
    shipped = collected(shop, cash_order(shop, [("LT-ZC-500", 1)]))
    services.pack_order(shipped, {}, actor=seller_of(shipped))
    services.advance_order(shipped, OrderStatus.SHIPPED, actor=seller_of(shipped))
    due = group_buy(
        shop,
        status=GroupBuyStatus.DELIVERED,
        closes_in=-dt.timedelta(days=2),
        collect_in=dt.timedelta(minutes=1),
    )
    closing = group_buy(
        shop,
        status=GroupBuyStatus.OPEN,
        closes_in=dt.timedelta(hours=30),
        collect_in=dt.timedelta(days=5),
    )
    return unpaid, weighed, shipped, due, closing


def test_the_desk_lists_each_piece_of_work_one_tap_away(shop, client_as):
    unpaid, _weighed, shipped, due, closing = make_work(shop)

    cards = queue(client_as(shop.demo.user(AGENT)))

    point = shop.demo.point("LT-S01-V01")
    assert cards["orders.cash_to_collect"] == (1, [f"/orders/payments/{unpaid.payment.pk}/"])
    assert cards["payments.refunds_to_hand_back"] == (1, [f"/payments/cash/{point.pk}/"])
    assert cards["orders.parcels_waiting"] == (1, [f"/orders/{shipped.pk}/"])
    assert cards["orders.pickups_due"] == (1, [f"/orders/group-buys/{due.pk}/"])
    assert cards["orders.group_buy_deadlines"] == (1, [f"/orders/group-buys/{closing.pk}/"])


def test_group_buys_closing_after_48_hours_are_not_listed_yet(shop, client_as):
    group_buy(
        shop,
        status=GroupBuyStatus.OPEN,
        closes_in=dt.timedelta(hours=49),
        collect_in=dt.timedelta(days=5),
    )

    assert queue(client_as(shop.demo.user(AGENT)))["orders.group_buy_deadlines"] == (0, [])


def test_another_agents_work_is_not_on_the_desk(shop, client_as):
    make_work(shop)
    operator_desk = client_as(shop.demo.user("operator")).get("/network/desk/")

    assert operator_desk.context["queue"] == []


def test_the_desk_costs_the_same_queries_however_much_work_there_is(
    shop, client_as, django_assert_num_queries
):
    client = client_as(shop.demo.user(AGENT))
    client.get("/network/desk/")
    # 12 for the page and its queue, 3 for the header: the cart count and the badges of
    # the seller's menu entries (an agent may represent household sellers).
    with django_assert_num_queries(15):
        client.get("/network/desk/")

    make_work(shop)
    with django_assert_num_queries(15):
        client.get("/network/desk/")
