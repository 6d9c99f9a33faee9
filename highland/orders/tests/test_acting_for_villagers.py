"""Who an agent may act for is one selector (`network.selectors.villagers_served_by`),
checked inside checkout and group-buy joins, and used by the pages and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from highland.catalog.models import Sku
from highland.core.errors import PermissionDenied
from highland.core.models import AuditRecord, User
from highland.demo import PLATFORM_ADMIN
from highland.network.models import Resident
from highland.network.selectors import may_act_for, villagers_served_by
from highland.orders import groupbuys, services
from highland.orders.models import GroupBuyOrder, Order
from highland.orders.services import CheckoutLine, DeliveryDetails
from highland.orders.tests.test_groupbuys import open_window
from highland.payments.models import Payment

AGENT = "village_agent"  # serves LT-S01-V01 and LT-S01-V02


def state() -> tuple[Any, ...]:
    return (
        sorted(Sku.objects.values_list("code", "stock")),
        Order.objects.count(),
        Payment.objects.count(),
        GroupBuyOrder.objects.count(),
        AuditRecord.objects.count(),
    )


def live_at(shop, person: User, point_code: str) -> User:
    """Register `person` as living at a village point (as if the agent's villager)."""
    Resident.objects.create(
        county=shop.demo.county,
        person=person,
        point=shop.demo.point(point_code),
        registered_by=shop.demo.user("operator"),
    )
    return person


def not_served(shop, who: str) -> User:
    """People the village agent may not act for, even when they live in its village."""
    if who == "another agent's villager":
        return shop.villager("dawa", "LT-S02-V01")
    if who == "superuser":
        return live_at(shop, User.objects.get(username=PLATFORM_ADMIN), "LT-S01-V01")
    return live_at(shop, shop.demo.user(who), "LT-S01-V01")


REFUSED = ["another agent's villager", "operator", "seller", "superuser"]


def pickup(shop, person: User) -> DeliveryDetails:
    return DeliveryDetails(
        method="pickup", recipient_name=str(person), pickup_point=shop.demo.point("LT-S01-V01")
    )


def test_the_selector_names_the_agents_villagers_only(shop):
    refused = [not_served(shop, who) for who in REFUSED]
    dolma = shop.villager("dolma", "LT-S01-V02")
    agent = shop.demo.user(AGENT)

    served = list(villagers_served_by(agent, shop.demo.county).values_list("username", flat=True))

    assert sorted(served) == ["dolma", "member"]
    assert may_act_for(agent, dolma)
    assert not any(may_act_for(agent, person) for person in refused)
    # the station's agent serves the villages under the station; an operator nobody
    assert may_act_for(shop.demo.user("agent"), dolma)
    assert not may_act_for(shop.demo.user("operator"), dolma)
    # an operator who lives in a village is still nobody's villager
    assert not may_act_for(shop.demo.user("agent"), refused[1])


@pytest.mark.parametrize("who", REFUSED)
def test_checkout_for_someone_not_served_is_refused_and_writes_nothing(shop, who):
    person, agent = not_served(shop, who), shop.demo.user(AGENT)
    before = state()

    with pytest.raises(PermissionDenied) as refusal:
        services.place_order(
            shop.demo.county,
            [CheckoutLine(shop.sku("LT-CD-20K").pk, 1)],
            buyer=person,
            actor=agent,
            delivery=pickup(shop, person),
            payment_method="cash_at_point",
        )

    assert refusal.value.code == "not_your_villager"
    assert state() == before


def api_checkout(client, shop, person: User) -> Any:
    return client.post(
        "/api/v1/orders/checkout",
        data=json.dumps(
            {
                "buyer_id": person.pk,
                "delivery": {
                    "method": "pickup",
                    "recipient_name": str(person),
                    "pickup_point_id": shop.demo.point("LT-S01-V01").pk,
                },
                "payment_method": "cash_at_point",
                "lines": [{"sku_id": shop.sku("LT-CD-20K").pk, "quantity": 1}],
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"assisted-{person.pk:06d}",
    )


def test_the_api_places_an_assisted_order_for_the_agents_villager(shop, client_as):
    response = api_checkout(client_as(shop.demo.user(AGENT)), shop, shop.demo.user("member"))

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert (order.buyer.username, order.placed_by.username) == ("member", AGENT)


@pytest.mark.parametrize("who", REFUSED)
def test_the_api_refuses_an_assisted_order_for_someone_not_served(shop, client_as, who):
    person = not_served(shop, who)
    before = state()

    response = api_checkout(client_as(shop.demo.user(AGENT)), shop, person)

    assert response.status_code == 403
    assert response.json()["code"] == "not_your_villager"
    assert state() == before


@pytest.mark.parametrize("who", REFUSED)
def test_the_desk_page_offers_and_accepts_only_the_agents_villagers(shop, client_as, who):
    person = not_served(shop, who)
    desk = client_as(shop.demo.user(AGENT))
    page = desk.get("/orders/assisted/")
    assert [villager.username for villager in page.context["villagers"]] == ["member"]
    before = state()

    chosen = desk.get("/orders/assisted/", {"villager": person.pk})
    added = desk.post(
        "/orders/assisted/basket/",
        {"villager": person.pk, "sku": shop.sku("LT-CD-20K").pk, "quantity": "1"},
    )
    placed = desk.post(
        "/orders/assisted/",
        {
            "villager": person.pk,
            "pickup_point": shop.demo.point("LT-S01-V01").pk,
            "idempotency_key": "k-not-served-1",
        },
    )

    assert chosen.status_code == 200
    assert chosen.context["chosen_missing"] is True
    assert (added.status_code, placed.status_code) == (404, 404)
    assert state() == before


def join_by_api(client, group_buy, shop, person: User) -> Any:
    return client.post(
        f"/api/v1/orders/group-buys/{group_buy.pk}/join",
        data=json.dumps(
            {
                "villager_id": person.pk,
                "point_id": shop.demo.point("LT-S01-V01").pk,
                "lines": [{"sku_id": shop.sku("LT-BW-2L").pk, "quantity": 1}],
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"join-{person.pk:08d}",
    )


def test_a_group_buy_join_for_the_agents_villager_is_accepted(shop, client_as):
    group_buy = open_window(shop)

    response = join_by_api(
        client_as(shop.demo.user(AGENT)), group_buy, shop, shop.demo.user("member")
    )

    assert response.status_code == 201, response.content
    assert GroupBuyOrder.objects.get().order.buyer.username == "member"


@pytest.mark.parametrize("who", REFUSED)
def test_a_group_buy_join_for_someone_not_served_is_refused(shop, client_as, who):
    group_buy = open_window(shop)
    person = not_served(shop, who)
    agent = shop.demo.user(AGENT)
    before = state()

    response = join_by_api(client_as(agent), group_buy, shop, person)
    with pytest.raises(PermissionDenied):
        groupbuys.join_group_buy(
            group_buy,
            [CheckoutLine(shop.sku("LT-BW-2L").pk, 1)],
            villager=person,
            point=shop.demo.point("LT-S01-V01"),
            actor=agent,
        )

    assert response.status_code == 403
    assert response.json()["code"] == "not_your_villager"
    assert state() == before


@pytest.mark.parametrize("who", REFUSED)
def test_the_group_buy_join_page_offers_only_the_agents_villagers(shop, client_as, who):
    group_buy = open_window(shop)
    person = not_served(shop, who)

    page = client_as(shop.demo.user(AGENT)).get(f"/orders/group-buys/{group_buy.pk}/join/")

    assert page.status_code == 200
    villagers = page.context["form"].fields["villager"].queryset
    assert list(villagers.values_list("username", flat=True)) == ["member"]
    assert person not in villagers
