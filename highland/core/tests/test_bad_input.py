"""Bad input is refused with the API's error shape or a form message, never a 500.

Each test names the code site an outside review found answering a 500 (issue 7, 2.5).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator

import pytest
from django.test import Client

from highland.catalog.models import Sku
from highland.core.models import AuditRecord
from highland.orders import services
from highland.orders.models import CartLine, Order, OrderStatus
from highland.orders.services import CheckoutLine
from highland.payments.models import GatewayNotification, Payment, PaymentStatus

BEYOND_BIGINT = 2**63
NOT_FOUND = {"code": "not_found", "detail": "Not found."}


def sku(code: str) -> Sku:
    return Sku.objects.get(code=code)


def api_client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def send_json(client, method, url, payload, **extra):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return getattr(client, method)(url, data=body, content_type="application/json", **extra)


def orders_state():
    return (
        list(Order.objects.order_by("pk").values_list("pk", "status")),
        list(Payment.objects.order_by("pk").values_list("pk", "status")),
        list(CartLine.objects.order_by("pk").values_list("pk", "quantity")),
        AuditRecord.objects.count(),
    )


def field_errors(response) -> dict[str, list[str]]:
    body = response.json()
    assert body["code"] == "validation_failed", body
    return body["errors"]


# --- NUL characters (PostgreSQL refused them with a 500) ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/network/points?q=%00",
        "/api/v1/network/points?township=La%00",
        "/api/v1/catalog/products?county=513334&category=tea%00",
    ],
)
def test_a_nul_in_a_query_parameter_is_422(demo, url):
    response = api_client(demo.user("operator")).get(url)

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_failed",
        "detail": "Text may not contain NUL characters.",
        "errors": {"__all__": ["Text may not contain NUL characters."]},
    }


def test_a_nul_in_a_page_search_is_a_form_error_not_a_500(demo):
    response = api_client(demo.user("operator")).get("/network/points/", {"q": "La\x00"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"q": ["Null characters are not allowed."]}


# --- quantities: bounded and strict -------------------------------------------------------------


@pytest.mark.parametrize("quantity", [2**62, 10**18, True, "1", 1.0])
def test_a_huge_or_non_integer_quantity_is_refused_at_checkout(demo, quantity):
    before = orders_state()
    response = send_json(
        api_client(demo.user("buyer")),
        "post",
        "/api/v1/orders/checkout",
        {
            "delivery": {"method": "pickup", "recipient_name": "格桑", "pickup_point_id": 1},
            "payment_method": "cash_at_point",
            "lines": [{"sku_id": sku("LT-YJ-100").pk, "quantity": quantity}],
        },
        HTTP_IDEMPOTENCY_KEY="key-bounds-1",
    )

    assert response.status_code == 422
    assert list(field_errors(response)) == ["lines.0.quantity"]
    assert orders_state() == before


@pytest.mark.parametrize("quantity", [10**18, True, "2"])
def test_a_huge_or_non_integer_quantity_is_refused_in_the_cart(demo, quantity):
    client = api_client(demo.user("buyer"))
    before = orders_state()

    added = send_json(
        client,
        "post",
        "/api/v1/orders/cart/lines",
        {"sku_id": sku("LT-YJ-100").pk, "quantity": quantity},
    )

    assert added.status_code == 422
    assert list(field_errors(added)) == ["quantity"]
    assert orders_state() == before


def test_packed_grams_beyond_the_bound_are_422(demo, chengdu_address):
    buyer = demo.user("buyer")
    result = services.place_order(
        demo.county,
        [CheckoutLine(sku("LT-SR-W").pk, 1000)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )
    order = result.orders[0]
    line = order.lines.get()
    before = orders_state()

    response = send_json(
        api_client(demo.user("seller")),
        "post",
        f"/api/v1/orders/{order.pk}/pack",
        {"packed_grams": {str(line.pk): 10**18}},
    )

    assert response.status_code == 422
    assert list(field_errors(response)) == [f"packed_grams.{line.pk}"]
    assert orders_state() == before


# --- ids and offsets beyond a 64-bit column ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/orders/?offset={BEYOND_BIGINT}",
        f"/api/v1/orders/group-buys?offset={BEYOND_BIGINT}",
        f"/api/v1/ledger/entries?offset={BEYOND_BIGINT}",
    ],
)
def test_an_offset_beyond_the_bound_is_422(demo, url):
    response = api_client(demo.user("operator")).get(url)

    assert response.status_code == 422
    assert list(field_errors(response)) == ["offset"]


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/orders/{BEYOND_BIGINT}",
        f"/api/v1/payments/{BEYOND_BIGINT}",
        f"/api/v1/network/points/{BEYOND_BIGINT}",
    ],
)
def test_a_path_id_beyond_a_bigint_is_422(demo, url):
    response = api_client(demo.user("operator")).get(url)

    assert response.status_code == 422
    assert len(field_errors(response)) == 1


def test_a_body_id_beyond_a_bigint_is_422(demo):
    response = send_json(
        api_client(demo.user("operator")),
        "post",
        "/api/v1/tokens",
        {"holder_id": BEYOND_BIGINT, "name": "tablet"},
    )

    assert response.status_code == 422
    assert list(field_errors(response)) == ["holder_id"]


def test_limit_and_offset_bounds_are_in_the_openapi_document(demo):
    document = api_client().get("/api/v1/openapi.json").json()
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in document["paths"]["/api/v1/orders/"]["get"]["parameters"]
    }
    line = document["components"]["schemas"]["CartLineIn"]["properties"]

    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 200)
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, 1_000_000)
    assert (line["quantity"]["minimum"], line["quantity"]["maximum"]) == (1, 1_000_000)
    assert line["sku_id"]["maximum"] == 2**63 - 1


# --- a pickup code that is not ASCII ----------------------------------------------------------


@pytest.fixture
def shipped_pickup_order(demo, village_pickup) -> Order:
    agent, villager = demo.user("village_agent"), demo.user("member")
    result = services.place_order(
        demo.county,
        [CheckoutLine(sku("LT-CD-20K").pk, 1)],
        buyer=villager,
        actor=agent,
        delivery=village_pickup,
        payment_method="cash_at_point",
    )
    services.collect_cash(result.payment, agent=agent, point=demo.point("LT-S01-V01"))
    order, seller = result.orders[0], demo.user("seller")
    services.pack_order(order, {}, actor=seller)
    services.advance_order(order, OrderStatus.SHIPPED, actor=seller)
    return order


def test_a_non_ascii_pickup_code_does_not_match_in_the_api(demo, shipped_pickup_order):
    before = orders_state()

    response = send_json(
        api_client(demo.user("village_agent")),
        "post",
        f"/api/v1/orders/{shipped_pickup_order.pk}/pickup",
        {"pickup_code": "一二三四五六"},
    )

    assert response.status_code == 422
    assert field_errors(response) == {"pickup_code": ["The pickup code does not match."]}
    assert orders_state() == before


def test_a_non_ascii_pickup_code_does_not_match_on_the_page(demo, shipped_pickup_order):
    before = orders_state()

    response = api_client(demo.user("village_agent")).post(
        f"/orders/{shipped_pickup_order.pk}/pickup/", {"pickup_code": "١٢٣٤٥٦"}, follow=True
    )

    assert response.status_code == 200
    assert "The pickup code does not match." in response.content.decode()
    assert orders_state() == before


# --- the gateway's notification URL ------------------------------------------------------------


def test_deeply_nested_json_to_the_notification_url_is_400(demo):
    nested = "[" * 100_000 + "]" * 100_000

    response = api_client().post(
        "/api/v1/payments/gateway/notify", data=nested, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.content == b"malformed notification"
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == 0
    assert GatewayNotification.objects.filter(signature_valid=True).count() == 0


# --- paying online while the gateway is down ---------------------------------------------------


@pytest.fixture
def gateway_down(settings) -> Iterator[None]:
    # A bound port nobody listens on: every connection is refused at once.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.PAYMENT_GATEWAY_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
        yield


@pytest.fixture
def online_payment(demo, chengdu_address) -> Payment:
    buyer = demo.user("buyer")
    result = services.place_order(
        demo.county,
        [CheckoutLine(sku("LT-ZC-500").pk, 2)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="gateway",
    )
    return result.payment


GATEWAY_DOWN = (
    "The payment service cannot be reached just now. Your order is kept;"
    " please try again in a few minutes."
)


def test_paying_online_while_the_gateway_is_down_is_503_and_keeps_the_order(
    demo, online_payment, gateway_down
):
    before = orders_state()

    response = api_client(demo.user("buyer")).post(
        f"/api/v1/payments/{online_payment.pk}/pay-online"
    )

    assert response.status_code == 503
    assert response.json() == {"code": "gateway_unavailable", "detail": GATEWAY_DOWN}
    assert orders_state() == before
    assert Payment.objects.get(pk=online_payment.pk).status == PaymentStatus.PENDING


def test_paying_online_on_the_page_while_the_gateway_is_down_shows_why(
    demo, online_payment, gateway_down
):
    before = orders_state()

    response = api_client(demo.user("buyer")).post(
        f"/orders/payments/{online_payment.pk}/pay-online/", follow=True
    )

    assert response.redirect_chain == [(f"/orders/payments/{online_payment.pk}/?retry=1", 302)]
    assert GATEWAY_DOWN in [str(message) for message in response.context["messages"]]
    assert response.context["retry"] is True
    assert orders_state() == before


# --- bodies that are not JSON objects, and errors in one shape ---------------------------------


@pytest.mark.parametrize("body", ["[]", "null", "1", '"text"', "[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_422(demo, body):
    point = demo.point("LT-S02")
    before = list(type(point).objects.order_by("pk").values())

    response = send_json(
        api_client(demo.user("operator")), "patch", f"/api/v1/network/points/{point.pk}", body
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_failed",
        "detail": "The request body must be a JSON object.",
        "errors": {"__all__": ["The request body must be a JSON object."]},
    }
    assert list(type(point).objects.order_by("pk").values()) == before


def test_bad_json_is_400_in_the_error_shape(demo):
    response = send_json(
        api_client(demo.user("buyer")), "post", "/api/v1/orders/cart/lines", "{nope"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "detail": "The request body is not valid JSON.",
    }


def test_a_deeply_nested_body_is_400_in_the_error_shape(demo):
    nested = '{"a": ' * 100_000 + "1" + "}" * 100_000

    response = send_json(
        api_client(demo.user("buyer")), "post", "/api/v1/orders/cart/lines", nested
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "detail": "The request body is not valid JSON.",
    }


def test_an_oversized_body_is_413_in_the_error_shape(demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = orders_state()

    response = send_json(
        api_client(demo.user("buyer")),
        "post",
        "/api/v1/orders/cart/lines",
        {"sku_id": sku("LT-YJ-100").pk, "quantity": 1, "padding": "x" * 2000},
    )

    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "detail": "The request body is too large."}
    assert orders_state() == before


def test_multipart_without_a_boundary_is_400_in_the_error_shape(demo):
    response = api_client(demo.user("buyer")).post(
        "/api/v1/orders/aftersales/1/photos", data="x", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "detail": "The multipart form data cannot be read.",
    }


def test_an_unknown_route_under_the_api_is_a_json_404(demo):
    response = api_client(demo.user("operator")).get("/api/v1/no/such/thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


def test_a_method_not_allowed_is_a_json_405_with_allow(demo):
    response = api_client(demo.user("operator")).delete("/api/v1/me")

    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": "This method is not allowed here.",
    }
    assert response["Allow"] == "GET"


def test_pages_outside_the_api_keep_their_html_404(demo):
    response = api_client().get("/no/such/page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- forms on pages: bounded numbers with messages ---------------------------------------------


def test_packed_weight_in_superscript_digits_is_a_message_not_a_500(demo, chengdu_address):
    buyer = demo.user("buyer")
    result = services.place_order(
        demo.county,
        [CheckoutLine(sku("LT-SR-W").pk, 1000)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )
    services.confirm_bank_transfer(
        result.payment, actor=demo.user("operator"), bank_reference="B-1"
    )
    order = result.orders[0]
    line = order.lines.get()
    before = orders_state()

    response = api_client(demo.user("seller")).post(
        f"/orders/{order.pk}/pack/", {f"grams_{line.pk}": "1²"}, follow=True
    )

    assert response.status_code == 200
    assert "Enter the packed weight in whole grams." in response.content.decode()
    assert orders_state() == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e999999999", "Enter an amount in yuan with at most two decimals, e.g. 12.50."),
        ("1000000000.01", "The amount must be at most ¥1,000,000,000.00."),
    ],
)
def test_a_huge_amount_of_cash_is_a_form_error(demo, typed, message):
    point = demo.point("LT-S01-V01")

    response = api_client(demo.user("village_agent")).post(
        f"/payments/cash/{point.pk}/", {"counted": typed, "handed_over": "0", "note": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["counted"] == [message]
    assert point.cash_reconciliations.count() == 0


def test_a_huge_quantity_on_the_assisted_order_page_adds_nothing(demo):
    agent = api_client(demo.user("village_agent"))
    before = orders_state()

    response = agent.post(
        "/orders/assisted/basket/",
        {
            "villager": demo.user("member").pk,
            "sku": Sku.objects.get(code="LT-YJ-100").pk,
            "quantity": str(10**18),
        },
    )

    assert response.status_code == 302
    page = agent.get(response["Location"])
    name = Sku.objects.get(code="LT-YJ-100").product.name
    assert [str(message) for message in page.context["messages"]] == [
        f"{name}: Enter at most 1000000."
    ]
    assert page.context["summary"].lines == []
    assert orders_state() == before


def test_an_unknown_route_answers_in_the_callers_language(demo):
    response = api_client().get("/api/v1/no/such/thing", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到。"}


# --- dates at the edge of the calendar (found by schemathesis) --------------------------------


def test_a_statement_from_year_one_is_422_in_the_api(demo):
    seller = sku("LT-ZC-500").product.seller

    response = api_client(demo.user("operator")).get(
        f"/api/v1/orders/statements/{seller.pk}", {"start": "0001-01-01"}
    )

    assert response.status_code == 422
    assert list(field_errors(response)) == ["start"]


def test_a_statement_from_year_one_is_a_message_on_the_page(demo):
    seller = sku("LT-ZC-500").product.seller

    response = api_client(demo.user("operator")).get(
        f"/orders/statements/{seller.pk}/", {"start": "0001-01-01"}
    )

    assert response.status_code == 422
    assert "Choose dates from 2000-01-01 to 2099-12-31." in response.content.decode()


def test_a_non_ascii_pickup_code_does_not_match_at_a_group_buy_hand_over(demo):
    from highland.orders import groupbuys

    agent, village_agent = demo.user("agent"), demo.user("village_agent")
    now = dt.datetime.now(dt.UTC)
    group_buy = groupbuys.create_group_buy(
        demo.point("LT-S01"),
        groupbuys.GroupBuyTerms(
            title_zh="奔戈乡冬季团购",
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=1),
            collect_by=now + dt.timedelta(days=15),
            items=[groupbuys.ItemTerms(sku("LT-CD-20K").pk, None, None)],
        ),
        actor=agent,
    )
    groupbuys.open_group_buy(group_buy, actor=agent)
    joined = groupbuys.join_group_buy(
        group_buy,
        [CheckoutLine(sku("LT-CD-20K").pk, 1)],
        villager=demo.user("member"),
        point=demo.point("LT-S01-V01"),
        actor=village_agent,
    )
    groupbuys.close_group_buy(group_buy, actor=agent)
    groupbuys.order_from_suppliers(group_buy, actor=agent)
    for purchase in group_buy.purchases.all():
        groupbuys.receive_purchase(purchase, actor=agent)
    order = joined.payment.orders.get()
    before = orders_state()

    response = send_json(
        api_client(village_agent),
        "post",
        f"/api/v1/orders/group-buys/orders/{order.pk}/hand-over",
        {"pickup_code": "éééééé"},
    )

    assert response.status_code == 422
    assert field_errors(response) == {"pickup_code": ["The pickup code does not match."]}
    assert orders_state() == before


def test_a_form_body_to_a_json_operation_is_400_in_the_error_shape(demo):
    before = orders_state()

    response = api_client(demo.user("buyer")).post(
        "/api/v1/orders/cart/lines",
        data=f"sku_id={sku('LT-YJ-100').pk}&quantity=1",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "detail": "The request body is not valid JSON.",
    }
    assert orders_state() == before


def test_a_crash_under_the_api_is_a_json_500(demo, monkeypatch):
    from highland.core import api as core_api

    def crash(user, county):
        raise RuntimeError("a defect")

    monkeypatch.setattr(core_api, "roles_of", crash)

    response = api_client(demo.user("buyer")).get("/api/v1/me")

    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "detail": "Something went wrong on our side. Please try again later.",
    }


def test_a_device_name_longer_than_its_column_is_422(demo):
    from highland.core.models import ApiToken

    before = ApiToken.objects.count()

    response = send_json(
        api_client(demo.user("operator")),
        "post",
        "/api/v1/tokens",
        {"holder_id": demo.user("agent").pk, "name": "a" * 81},
    )

    assert response.status_code == 422
    assert list(field_errors(response)) == ["name"]
    assert ApiToken.objects.count() == before


# --- text posted without a form on pages -------------------------------------------------------


def test_a_nul_in_a_group_buy_cancel_reason_is_a_message_not_a_500(demo):
    from highland.orders import groupbuys
    from highland.orders.models import GroupBuy, GroupBuyStatus

    agent = demo.user("agent")
    now = dt.datetime.now(dt.UTC)
    group_buy = groupbuys.create_group_buy(
        demo.point("LT-S01"),
        groupbuys.GroupBuyTerms(
            title_zh="奔戈乡冬季团购",
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=1),
            collect_by=now + dt.timedelta(days=15),
            items=[groupbuys.ItemTerms(sku("LT-CD-20K").pk, None, None)],
        ),
        actor=agent,
    )
    audit_before = AuditRecord.objects.count()

    response = api_client(agent).post(
        f"/orders/group-buys/{group_buy.pk}/cancel/", {"reason": "late\x00"}, follow=True
    )

    assert response.status_code == 200
    assert "Text may not contain NUL characters." in [
        str(message) for message in response.context["messages"]
    ]
    assert GroupBuy.objects.get(pk=group_buy.pk).status == GroupBuyStatus.DRAFT
    assert AuditRecord.objects.count() == audit_before


@pytest.mark.parametrize("target", ["\x00", "https://evil.example/", "//evil.example/"])
def test_the_cart_goes_back_only_to_a_page_of_this_site(demo, target):
    response = api_client(demo.user("buyer")).post(
        "/orders/cart/add/", {"sku_id": sku("LT-YJ-100").pk, "quantity": "0", "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == "/orders/cart/"


def test_the_cart_goes_back_to_the_product_page_it_came_from(demo):
    product_page = f"/shop/products/{sku('LT-YJ-100').product_id}/"

    response = api_client(demo.user("buyer")).post(
        "/orders/cart/add/",
        {"sku_id": sku("LT-YJ-100").pk, "quantity": "0", "next": product_page},
    )

    assert response.status_code == 302
    assert response["Location"] == product_page


def test_a_nul_in_an_after_sale_rejection_is_a_message_not_a_500(demo, chengdu_address):
    from highland.orders import aftersales
    from highland.orders.models import AfterSale, AfterSaleStatus

    buyer, seller, operator = demo.user("buyer"), demo.user("seller"), demo.user("operator")
    result = services.place_order(
        demo.county,
        [CheckoutLine(sku("LT-ZC-500").pk, 1)],
        buyer=buyer,
        actor=buyer,
        delivery=chengdu_address,
        payment_method="bank_transfer",
    )
    services.confirm_bank_transfer(result.payment, actor=operator, bank_reference="B-2")
    order = result.orders[0]
    services.pack_order(order, {}, actor=seller)
    services.advance_order(order, OrderStatus.SHIPPED, actor=seller)
    services.advance_order(order, OrderStatus.DELIVERED, actor=operator)
    aftersale = aftersales.open_aftersale(order, actor=buyer, kind="refund_only", reason="damaged")
    audit_before = AuditRecord.objects.count()

    response = api_client(seller).post(
        f"/orders/aftersales/{aftersale.pk}/reject/", {"reason": "no\x00"}, follow=True
    )

    assert response.status_code == 200
    assert "Text may not contain NUL characters." in [
        str(message) for message in response.context["messages"]
    ]
    assert AfterSale.objects.get(pk=aftersale.pk).status == AfterSaleStatus.OPEN
    assert AuditRecord.objects.count() == audit_before


@pytest.mark.parametrize("code", ["\x00", "5133\x0034"])
def test_a_nul_in_the_shop_county_asks_to_choose_a_county(demo, other_county, code):
    response = api_client().get("/shop/", {"county": code})

    assert response.status_code == 200
    assert response.templates[0].name == "catalog/choose_county.html"
