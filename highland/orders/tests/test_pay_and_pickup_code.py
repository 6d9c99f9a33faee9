"""Who may start an online payment (the payer, or their villager's agent) and who sees a
pickup code (the buyer, their agent, the pickup point's agents), on pages and the API."""

from __future__ import annotations

import pytest

from highland.core.models import Membership, Role, User
from highland.orders import services
from highland.orders.models import Order
from highland.orders.services import CheckoutLine, DeliveryDetails
from highland.payments.models import Payment, PaymentStatus
from highland.payments.tests.conftest import GATEWAY_MERCHANTS

# Who sees the payment, whether they may start paying it, whether they see the code.
ROLES = {
    "buyer": (True, True),  # the villager who pays
    "their agent": (True, True),  # who placed it for them at their own village
    "pickup agent": (False, True),  # serves the pickup point, not the villager
    "seller": (False, False),
    "operator": (False, False),
    "official": (False, False),
}


@pytest.fixture
def villager_order(shop):
    """Dawa lives at LT-S02-V01; his agent orders for him, for pickup at LT-S01-V01
    (served by `village_agent`), paid online."""
    county = shop.demo.county
    their_agent = User.objects.create_user("pema_agent", county=county, password=None)
    Membership.objects.create(county=county, user=their_agent, role=Role.STATION_AGENT)
    shop.demo.point("LT-S02-V01").agents.add(their_agent)
    dawa = shop.villager("dawa", "LT-S02-V01")
    result = services.place_order(
        county,
        [CheckoutLine(shop.sku("LT-CD-20K").pk, 1)],
        buyer=dawa,
        actor=their_agent,
        delivery=DeliveryDetails(
            method="pickup", recipient_name="达瓦", pickup_point=shop.demo.point("LT-S01-V01")
        ),
        payment_method="gateway",
    )
    people = {
        "buyer": dawa,
        "their agent": their_agent,
        "pickup agent": shop.demo.user("village_agent"),
        "seller": shop.demo.user("seller"),
        "operator": shop.demo.user("operator"),
        "official": shop.demo.user("official"),
    }
    return result, people


@pytest.fixture
def sandbox_settings(settings, gateway_sandbox):
    settings.PAYMENT_GATEWAY_URL = gateway_sandbox.url
    settings.PAYMENT_GATEWAY_MERCHANT = "demo"
    settings.PAYMENT_GATEWAY_SECRET = GATEWAY_MERCHANTS["demo"]
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"  # never notified here


@pytest.mark.parametrize("role", list(ROLES))
def test_only_the_payer_or_their_agent_starts_an_online_payment(
    shop, client_as, villager_order, sandbox_settings, role
):
    result, people = villager_order
    may_pay, _sees_code = ROLES[role]
    client = client_as(people[role])

    by_api = client.post(f"/api/v1/payments/{result.payment.pk}/pay-online")
    by_page = client.post(f"/orders/payments/{result.payment.pk}/pay-online/")
    page = client.get(f"/orders/payments/{result.payment.pk}/")

    if may_pay:
        assert by_api.status_code == 200, by_api.content
        assert by_api.json()["amount_fen"] == result.payment.amount_fen
        assert by_page.status_code == 302
        assert by_page["Location"] == by_api.json()["pay_url"]
        assert "Pay online now" in page.content.decode()
    else:
        assert by_api.status_code == 403
        assert by_api.json()["code"] == "permission_denied"
        assert by_page.status_code == 403
        assert "Pay online now" not in page.content.decode()
    assert page.status_code == 200
    assert Payment.objects.get(pk=result.payment.pk).status == PaymentStatus.PENDING


def test_someone_who_cannot_see_the_payment_gets_a_404(shop, client_as, villager_order):
    result, _people = villager_order

    response = client_as(shop.buyer()).post(f"/api/v1/payments/{result.payment.pk}/pay-online")

    assert response.status_code == 404


@pytest.mark.parametrize("role", list(ROLES))
def test_the_pickup_code_is_shown_to_the_buyer_their_agent_and_the_point_only(
    shop, client_as, villager_order, role
):
    result, people = villager_order
    _may_pay, sees_code = ROLES[role]
    order = Order.objects.get(pk=result.orders[0].pk)
    client = client_as(people[role])

    page = client.get(f"/orders/payments/{result.payment.pk}/")
    by_api = client.get(f"/api/v1/orders/{order.pk}")
    listed = client.get("/api/v1/orders/")

    assert page.status_code == 200
    content = page.content.decode()
    assert ("Pickup code" in content) is sees_code
    assert (order.pickup_code in content) is sees_code
    assert page.context["pickup_codes_shown"] == ({order.pk} if sees_code else set())
    assert by_api.status_code == 200
    assert by_api.json()["pickup_code"] == (order.pickup_code if sees_code else None)
    assert [row["pickup_code"] for row in listed.json() if row["id"] == order.pk] == [
        order.pickup_code if sees_code else None
    ]


@pytest.mark.parametrize("role", list(ROLES))
def test_the_pickup_code_endpoint_answers_only_those_who_see_the_code(
    shop, client_as, villager_order, role
):
    # given an order for pickup at LT-S01-V01
    result, people = villager_order
    _may_pay, sees_code = ROLES[role]
    order = Order.objects.get(pk=result.orders[0].pk)

    # when someone asks for its code
    response = client_as(people[role]).get(f"/api/v1/orders/{order.pk}/pickup-code")

    # then only the buyer, their agent and the point's agents get it; others a plain 404
    if sees_code:
        assert response.status_code == 200
        assert response.json() == {
            "order_id": order.pk,
            "number": order.number,
            "status": "pending_payment",
            "pickup_point_id": shop.demo.point("LT-S01-V01").pk,
            "pickup_code": order.pickup_code,
        }
    else:
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "No such order."}


def test_the_pickup_code_endpoint_refuses_strangers_alike(
    shop, client_as, villager_order, other_county
):
    result, _people = villager_order
    order = result.orders[0]
    url = f"/api/v1/orders/{order.pk}/pickup-code"

    anonymous = client_as(None).get(url)
    outsider = client_as(other_county.operator).get(url)
    other_buyer = client_as(shop.buyer()).get(url)
    missing = client_as(shop.buyer()).get("/api/v1/orders/999999999/pickup-code")
    bad_id = client_as(shop.buyer()).get("/api/v1/orders/0/pickup-code")

    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert outsider.status_code == other_buyer.status_code == missing.status_code == 404
    assert outsider.json() == other_buyer.json() == missing.json()
    assert bad_id.status_code == 422


def test_an_order_sent_to_an_address_has_no_pickup_code(shop, client_as, order_factory):
    order = order_factory.paid()
    assert order.pickup_point_id is None

    response = client_as(order.buyer).get(f"/api/v1/orders/{order.pk}/pickup-code")

    assert response.status_code == 404
