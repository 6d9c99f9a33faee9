"""Group buys through the API and the pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from highland.core.errors import PermissionDenied
from highland.core.models import AuditRecord
from highland.ledger.invariants import verify_ledger
from highland.orders import services
from highland.orders.models import (
    ConsolidatedPurchase,
    GroupBuy,
    GroupBuyOrder,
    GroupBuyStatus,
    Order,
    OrderStatus,
)
from highland.orders.tests.test_groupbuys import (
    HOUR,
    join,
    open_window,
    state,
)
from highland.payments.models import Payment, PaymentStatus

# --- API --------------------------------------------------------------------------------------


def api_post(client, url, payload=None, **headers):
    import json

    return client.post(
        url, data=json.dumps(payload or {}), content_type="application/json", **headers
    )


def api_terms(shop, **changes: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "station_id": shop.demo.point("LT-S01").pk,
        "title_zh": "奔戈乡春耕团购",
        "opens_at": now.isoformat(),
        "closes_at": (now + 24 * HOUR).isoformat(),
        "collect_by": (now + 240 * HOUR).isoformat(),
        "items": [{"sku_id": shop.sku("LT-HF-50").pk, "group_price_fen": 15800, "min_quantity": 2}],
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_county", 404),
        ("member", 403),
        ("seller", 403),
        ("village_agent", 403),
        ("agent", 201),
        ("operator", 201),
    ],
)
def test_creating_through_the_api_needs_the_station(shop, other_county, client_as, who, status):
    user = {"anonymous": None, "other_county": other_county.operator}.get(who) or (
        shop.demo.user(who) if who not in ("anonymous", "other_county") else None
    )
    before = state()

    response = api_post(client_as(user), "/api/v1/orders/group-buys", api_terms(shop))

    assert response.status_code == status, response.content
    if status == 201:
        body = response.json()
        assert body["status"] == "draft"
        assert body["items"][0]["unit_price_fen"] == 15800
        assert body["items"][0]["min_quantity"] == 2
        assert len(body["point_ids"]) == 5
    else:
        assert state() == before


def test_bad_terms_through_the_api_are_422_with_the_field(shop, client_as):
    client = client_as(shop.demo.user("agent"))
    before = state()

    past = api_post(
        client,
        "/api/v1/orders/group-buys",
        api_terms(shop, closes_at=(timezone.now() - HOUR).isoformat()),
    )
    far_point = api_post(
        client,
        "/api/v1/orders/group-buys",
        api_terms(shop, point_ids=[shop.demo.point("LT-S02-V01").pk]),
    )
    unknown_sku = api_post(
        client, "/api/v1/orders/group-buys", api_terms(shop, items=[{"sku_id": 999999}])
    )

    assert past.status_code == 422
    assert past.json()["errors"] == {"closes_at": ["The cut-off must be in the future."]}
    assert far_point.status_code == 422
    assert list(far_point.json()["errors"]) == ["points"]
    assert unknown_sku.status_code == 404
    assert state() == before


def test_the_whole_flow_through_the_api(shop, client_as):
    organiser = client_as(shop.demo.user("agent"))
    desk = client_as(shop.demo.user("village_agent"))
    created = api_post(organiser, "/api/v1/orders/group-buys", api_terms(shop)).json()
    base = f"/api/v1/orders/group-buys/{created['id']}"
    assert api_post(organiser, f"{base}/open").json()["status"] == "open"
    villagers = [shop.demo.user("member"), shop.villager("dolma")]

    joined = [
        api_post(
            desk,
            f"{base}/join",
            {
                "villager_id": villager.pk,
                "point_id": shop.demo.point(point).pk,
                "lines": [{"sku_id": shop.sku("LT-HF-50").pk, "quantity": quantity}],
            },
            HTTP_IDEMPOTENCY_KEY=f"join-key-{index}",
        )
        for index, (villager, point, quantity) in enumerate(
            [(villagers[0], "LT-S01-V01", 1), (villagers[1], "LT-S01-V02", 2)]
        )
    ]
    replay = api_post(
        desk,
        f"{base}/join",
        {
            "villager_id": villagers[0].pk,
            "point_id": shop.demo.point("LT-S01-V01").pk,
            "lines": [{"sku_id": shop.sku("LT-HF-50").pk, "quantity": 1}],
        },
        HTTP_IDEMPOTENCY_KEY="join-key-0",
    )

    assert [response.status_code for response in joined] == [201, 201]
    assert replay.status_code == 200
    assert replay.json()["payment_id"] == joined[0].json()["payment_id"]
    assert joined[0].json()["orders"][0]["items_fen"] == 15800
    assert organiser.get(base).json()["items"][0]["ordered_quantity"] == 3

    assert api_post(organiser, f"{base}/close").json()["status"] == "closed"
    purchases = organiser.get(f"{base}/purchases").json()
    assert [
        [(line["quantity"], line["amount_fen"]) for line in purchase["lines"]]
        for purchase in purchases
    ] == [[(3, 3 * 15800)]]
    pick_lists = desk.get(f"{base}/pick-lists").json()
    assert [
        (
            pick_list["point_code"],
            [(row["villager"], row["lines"][0]["quantity"]) for row in pick_list["rows"]],
        )
        for pick_list in pick_lists
    ] == [("LT-S01-V01", [(str(villagers[0]), 1)]), ("LT-S01-V02", [("dolma", 2)])]
    assert client_as(villagers[0]).get(f"{base}/pick-lists").status_code == 403
    assert client_as(villagers[0]).get(base).status_code == 200
    assert client_as(shop.new_buyer("stranger")).get(base).status_code == 404

    assert api_post(organiser, f"{base}/order").json()["status"] == "ordered"
    received = api_post(
        organiser, f"/api/v1/orders/group-buys/purchases/{purchases[0]['id']}/receive"
    )
    assert received.status_code == 200
    assert organiser.get(base).json()["status"] == "delivered"
    order = Order.objects.get(pk=joined[1].json()["orders"][0]["id"])
    wrong = api_post(
        desk,
        f"/api/v1/orders/group-buys/orders/{order.pk}/hand-over",
        {"pickup_code": "000000" if order.pickup_code != "000000" else "111111"},
    )
    handed = api_post(
        desk,
        f"/api/v1/orders/group-buys/orders/{order.pk}/hand-over",
        {"pickup_code": order.pickup_code},
    )

    assert wrong.status_code == 422
    assert handed.status_code == 200, handed.content
    assert handed.json()["status"] == "delivered"
    assert Payment.objects.get(pk=order.payment_id).status == PaymentStatus.PAID
    assert verify_ledger(shop.demo.county) == []


def test_joining_through_the_api_after_the_cutoff_is_refused(shop, client_as):
    group_buy = open_window(shop)
    GroupBuy.objects.filter(pk=group_buy.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    before = state()

    response = api_post(
        client_as(shop.demo.user("village_agent")),
        f"/api/v1/orders/group-buys/{group_buy.pk}/join",
        {
            "villager_id": shop.demo.user("member").pk,
            "point_id": shop.demo.point("LT-S01-V01").pk,
            "lines": [{"sku_id": shop.sku("LT-BW-2L").pk, "quantity": 1}],
        },
        HTTP_IDEMPOTENCY_KEY="late-join-1",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "group_buy_closed"
    assert state() == before


def api_join(client, group_buy, body, key):
    return api_post(
        client, f"/api/v1/orders/group-buys/{group_buy.pk}/join", body, HTTP_IDEMPOTENCY_KEY=key
    )


def join_body(shop, quantity=1, point="LT-S01-V01"):
    return {
        "villager_id": shop.demo.user("member").pk,
        "point_id": shop.demo.point(point).pk,
        "lines": [{"sku_id": shop.sku("LT-BW-2L").pk, "quantity": quantity}],
    }


def test_a_join_replayed_after_the_agent_left_the_point_is_refused(shop, client_as):
    # given the village agent joined a villager through the API
    group_buy = open_window(shop)
    agent = shop.demo.user("village_agent")
    first = api_join(client_as(agent), group_buy, join_body(shop), "join-replay-01")
    assert first.status_code == 201, first.content
    # when the agent no longer serves that point and the same request comes again
    shop.demo.point("LT-S01-V01").agents.remove(agent)
    before = state()

    again = api_join(client_as(agent), group_buy, join_body(shop), "join-replay-01")

    # then the first result is not handed out
    assert again.status_code == 403
    assert again.json()["code"] == "permission_denied"
    assert state() == before


def test_a_join_with_a_used_key_and_a_different_body_is_a_409(shop, client_as):
    group_buy = open_window(shop)
    client = client_as(shop.demo.user("village_agent"))
    first = api_join(client, group_buy, join_body(shop, 1), "join-reuse-001")
    assert first.status_code == 201, first.content
    before = state()

    other = api_join(client, group_buy, join_body(shop, 2), "join-reuse-001")

    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert state() == before


def test_the_same_key_in_a_checkout_and_a_join_is_two_requests(shop, client_as):
    # Scopes are independent: a join's key never answers with a checkout.
    group_buy = open_window(shop)
    client = client_as(shop.demo.user("village_agent"))
    checkout = api_post(
        client,
        "/api/v1/orders/checkout",
        {
            "delivery": {
                "method": "pickup",
                "recipient_name": "格桑",
                "pickup_point_id": shop.demo.point("LT-S01-V01").pk,
            },
            "payment_method": "cash_at_point",
            "lines": [{"sku_id": shop.sku("LT-BW-2L").pk, "quantity": 1}],
            "buyer_id": shop.demo.user("member").pk,
        },
        HTTP_IDEMPOTENCY_KEY="shared-key-001",
    )

    joined = api_join(client, group_buy, join_body(shop), "shared-key-001")

    assert (checkout.status_code, joined.status_code) == (201, 201)
    assert joined.json()["payment_id"] != checkout.json()["payment_id"]
    assert GroupBuyOrder.objects.get().order.payment_id == joined.json()["payment_id"]


# --- pages ------------------------------------------------------------------------------------


def formset(rows: list[dict[str, Any]], *, total: int = 4, initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "items-TOTAL_FORMS": str(total),
        "items-INITIAL_FORMS": str(initial),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{name}": value for name, value in row.items()})
    return data


def page_terms(shop, **changes: Any) -> dict[str, Any]:
    now = timezone.localtime()
    data = {
        "station": shop.demo.point("LT-S01").pk,
        "title_zh": "奔戈乡冬季团购",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + 24 * HOUR).strftime("%Y-%m-%dT%H:%M"),
        "collect_by": (now + 240 * HOUR).strftime("%Y-%m-%dT%H:%M"),
        "pay_on_pickup": "on",
        "points": [shop.demo.point("LT-S01-V01").pk, shop.demo.point("LT-S01-V02").pk],
        **formset(
            [
                {"sku": shop.sku("LT-CD-20K").pk, "group_price": "119.00", "min_quantity": ""},
                {"sku": shop.sku("LT-BW-2L").pk, "group_price": "", "min_quantity": "2"},
            ]
        ),
    }
    data.update(changes)
    return data


def test_the_agent_drafts_opens_and_fills_a_window_on_its_pages(shop, client_as):
    agent = client_as(shop.demo.user("agent"))
    assert agent.get("/orders/group-buys/create/").status_code == 200

    created = agent.post("/orders/group-buys/create/", page_terms(shop))

    assert created.status_code == 302, created.content
    group_buy = GroupBuy.objects.get()
    assert list(group_buy.items.values_list("sku__code", "group_price_fen", "min_quantity")) == [
        ("LT-CD-20K", 11900, None),
        ("LT-BW-2L", None, 2),
    ]
    assert sorted(group_buy.points.values_list("code", flat=True)) == ["LT-S01-V01", "LT-S01-V02"]
    agent.post(f"/orders/group-buys/{group_buy.pk}/open/")
    assert GroupBuy.objects.get().status == GroupBuyStatus.OPEN

    desk = client_as(shop.demo.user("village_agent"))
    page = desk.get(f"/orders/group-buys/{group_buy.pk}/join/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    items = {item.sku.code: item.pk for item in group_buy.items.select_related("sku")}
    joined = desk.post(
        f"/orders/group-buys/{group_buy.pk}/join/",
        {
            "villager": shop.demo.user("member").pk,
            "point": shop.demo.point("LT-S01-V02").pk,
            "idempotency_key": key,
            f"quantity_{items['LT-CD-20K']}": "2",
            f"quantity_{items['LT-BW-2L']}": "",
        },
    )

    assert joined.status_code == 302, joined.content
    order = Order.objects.get()
    assert order.items_fen == 2 * 11900
    assert order.pickup_code in desk.get(joined["Location"]).content.decode()
    detail = agent.get(f"/orders/group-buys/{group_buy.pk}/").content.decode()
    assert order.number in detail


def test_a_cutoff_in_the_past_is_a_field_error_on_the_page(shop, client_as):
    before = state()
    past = (timezone.localtime() - HOUR).strftime("%Y-%m-%dT%H:%M")

    response = client_as(shop.demo.user("agent")).post(
        "/orders/group-buys/create/", page_terms(shop, closes_at=past)
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"closes_at": ["The cut-off must be in the future."]}
    assert state() == before


def test_an_unknown_product_is_marked_on_its_row(shop, client_as, other_county_catalogue):
    before = state()

    response = client_as(shop.demo.user("agent")).post(
        "/orders/group-buys/create/",
        page_terms(
            shop,
            **formset([{"sku": other_county_catalogue.pk, "group_price": "", "min_quantity": ""}]),
        ),
    )

    assert response.context["items"].forms[0].errors == {"__all__": ["Unknown product variant."]}
    assert state() == before


def test_joining_after_the_cutoff_on_the_page_shows_why(shop, client_as):
    group_buy = open_window(shop)
    GroupBuy.objects.filter(pk=group_buy.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    item = group_buy.items.get(sku__code="LT-BW-2L")
    before = state()

    response = client_as(shop.demo.user("village_agent")).post(
        f"/orders/group-buys/{group_buy.pk}/join/",
        {
            "villager": shop.demo.user("member").pk,
            "point": shop.demo.point("LT-S01-V01").pk,
            "idempotency_key": "page-join-0001",
            f"quantity_{item.pk}": "1",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()[0].startswith("This group buy closed at")
    assert state() == before


def test_close_purchases_pick_lists_and_hand_out_on_the_pages(shop, client_as):
    group_buy = open_window(shop)
    villager = shop.demo.user("member")
    result = join(shop, group_buy, villager, "LT-S01-V01", [("LT-HF-50", 3), ("LT-BW-2L", 1)])
    order = result.orders[0]
    agent, desk = client_as(shop.demo.user("agent")), client_as(shop.demo.user("village_agent"))

    agent.post(f"/orders/group-buys/{group_buy.pk}/close/")
    agent.post(f"/orders/group-buys/{group_buy.pk}/order/")
    purchase = ConsolidatedPurchase.objects.get()
    purchases_page = agent.get(f"/orders/group-buys/{group_buy.pk}/purchases/").content.decode()
    pick_page = desk.get(f"/orders/group-buys/{group_buy.pk}/pick-lists/").content.decode()
    agent.post(f"/orders/group-buys/purchases/{purchase.pk}/receive/")
    desk_page = desk.get(f"/orders/group-buys/{group_buy.pk}/pickup/").content.decode()
    handed = desk.post(
        f"/orders/group-buys/orders/{order.pk}/hand-over/", {"pickup_code": order.pickup_code}
    )

    assert GroupBuy.objects.get().status == GroupBuyStatus.DELIVERED
    assert purchase.number in purchases_page
    assert "¥504.00" in purchases_page  # 3 fertiliser bags at ¥168.00
    assert "¥593.00" in purchases_page  # and a ¥89.00 flask
    assert str(villager) in pick_page and order.number in pick_page
    assert f"/orders/group-buys/orders/{order.pk}/hand-over/" in desk_page
    assert handed.status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("buyer", "/orders/group-buys/create/", 403),
        ("village_agent", "/orders/group-buys/create/", 403),
        ("driver", "/orders/group-buys/{id}/", 404),
        ("member", "/orders/group-buys/{id}/pick-lists/", 403),
        ("member", "/orders/group-buys/{id}/", 200),
        ("village_agent", "/orders/group-buys/{id}/edit/", 403),
        ("agent", "/orders/group-buys/{id}/edit/", 200),
        ("official", "/orders/group-buys/{id}/pick-lists/", 200),
    ],
)
def test_pages_answer_by_role(shop, client_as, who, url, status):
    group_buy = open_window(shop)
    join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])

    response = client_as(shop.demo.user(who)).get(url.format(id=group_buy.pk))

    assert response.status_code == status


def test_a_denied_page_action_changes_nothing(shop, client_as):
    group_buy = open_window(shop)
    join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])
    before = state()

    closing = client_as(shop.demo.user("village_agent")).post(
        f"/orders/group-buys/{group_buy.pk}/close/"
    )
    cancelling = client_as(shop.demo.user("member")).post(
        f"/orders/group-buys/{group_buy.pk}/cancel/", {"reason": "no"}
    )

    assert (closing.status_code, cancelling.status_code) == (403, 403)
    assert state() == before


def test_group_buy_pages_query_budget(shop, client_as, django_assert_max_num_queries):
    villagers = [shop.demo.user("member"), shop.villager("dolma")]
    for _index in range(3):
        group_buy = open_window(shop)
        for villager in villagers:
            join(shop, group_buy, villager, "LT-S01-V01", [("LT-BW-2L", 1)])
    client = client_as(shop.demo.user("village_agent"))

    with django_assert_max_num_queries(12):
        assert client.get("/orders/group-buys/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/orders/group-buys/{group_buy.pk}/pick-lists/").status_code == 200


def test_the_organiser_moves_the_cutoff_of_an_open_window_on_its_page(shop, client_as):
    group_buy = open_window(shop)
    minute = "%Y-%m-%dT%H:%M"
    later = timezone.localtime(group_buy.closes_at + 24 * HOUR)
    items = list(group_buy.items.select_related("sku"))
    data = {
        "title_zh": group_buy.title_zh,
        "title_en": "Benge winter group buy, extended",
        "opens_at": timezone.localtime(group_buy.opens_at).strftime(minute),
        "closes_at": later.strftime(minute),
        "collect_by": timezone.localtime(group_buy.collect_by).strftime(minute),
        "pay_on_pickup": "on",
        "points": list(group_buy.points.values_list("pk", flat=True)),
        **formset(
            [
                {
                    "sku": item.sku_id,
                    "group_price": f"{item.group_price_fen / 100:.2f}"
                    if item.group_price_fen
                    else "",
                    "min_quantity": item.min_quantity or "",
                }
                for item in items
            ],
            total=len(items),
            initial=len(items),  # as the page renders its management form
        ),
    }

    response = client_as(shop.demo.user("agent")).post(
        f"/orders/group-buys/{group_buy.pk}/edit/", data
    )

    assert response.status_code == 302, response.context["form"].errors
    changed = AuditRecord.objects.get(action="orders.group_buy.updated").changes
    assert sorted(changed) == ["closes_at", "title_en"]
    assert GroupBuy.objects.get().closes_at == later.replace(second=0, microsecond=0)


def test_the_seller_does_not_pack_group_buy_orders_one_by_one(shop):
    group_buy = open_window(shop)
    result = join(shop, group_buy, shop.demo.user("member"), "LT-S01-V01", [("LT-BW-2L", 1)])
    services.collect_cash(
        result.payment, agent=shop.demo.user("village_agent"), point=shop.demo.point("LT-S01-V01")
    )

    with pytest.raises(PermissionDenied):
        services.pack_order(result.orders[0], {}, actor=shop.demo.user("seller"))

    assert Order.objects.get(pk=result.orders[0].pk).status == OrderStatus.PAID
