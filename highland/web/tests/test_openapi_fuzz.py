"""Schemathesis drives every operation of the OpenAPI document of /api/v1/, in process (WSGI,
the whole middleware stack) over the demo county in use, as an anonymous caller and with the
device tokens of a centre operator, a station agent, a seller and a buyer: no input the schema
allows, and none of the boundary values it generates, may answer a 5xx or break the schema.

Generated ids that the schema allows are turned into ids of real rows (orders in every state,
payments, a group buy, an after-sale, the county's points, products and people), so the cases
reach the services and not only the 404 of a missing row.

Bounded so the suite stays fast: derandomized (the same cases every run), a few examples per
operation and role, each operation's examples in one database transaction rolled back after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from conftest import need_server
from highland.api import api
from highland.catalog.models import Category, Product, Seller, Sku
from highland.core.models import ApiToken, User
from highland.core.schemas import MAX_OBJECT_ID
from highland.network.models import ServicePoint

pytestmark = pytest.mark.fuzz

# The operator's pass is thorough: every boundary and wrong value the coverage phase makes
# (0, -1, each limit and one past it, wrong types, missing fields, methods not allowed).
# Those are refused by validation before any role matters, so the other roles run the
# schema-valid cases only (examples, boundaries inside the limits, a few random ones).
THOROUGH = SchemathesisConfig.from_dict(
    {
        "phases": {"stateful": {"enabled": False}},
        "generation": {"max-examples": 6, "deterministic": True, "database": "none"},
    }
)
VALID_ONLY = SchemathesisConfig.from_dict(
    {
        "phases": {
            "stateful": {"enabled": False},
            "coverage": {"unexpected-methods": [], "generation": {"mode": "positive"}},
        },
        "generation": {
            "max-examples": 4,
            "deterministic": True,
            "database": "none",
            "mode": "positive",
        },
    }
)
# Without a token nearly every operation is a 401 before anything else: random cases only.
ANONYMOUS = SchemathesisConfig.from_dict(
    {
        "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": False}},
        "generation": {"max-examples": 4, "deterministic": True, "database": "none"},
    }
)
OPENAPI = api.get_openapi_schema(path_prefix="/api/v1")
thorough_schema = schemathesis.openapi.from_dict(OPENAPI, config=THOROUGH)
valid_only_schema = schemathesis.openapi.from_dict(OPENAPI, config=VALID_ONLY)
anonymous_schema = schemathesis.openapi.from_dict(OPENAPI, config=ANONYMOUS)
APP = WSGIHandler()


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Keep the test's database connection (and its rolled-back transaction) across requests.

    Django's handler closes the connection at the end of every request; its test client
    switches that off the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Which rows a generated id names, by the name of the path parameter or body field.
ID_KINDS = {
    "order_id": "orders",
    "payment_id": "payments",
    "group_buy_id": "group_buys",
    "aftersale_id": "aftersales",
    "purchase_id": "purchases",
    "token_id": "tokens",
    "point_id": "points",
    "point_ids": "points",
    "pickup_point_id": "points",
    "station_id": "points",
    "parent_id": "points",
    "origin_point_id": "points",
    "product_id": "products",
    "sku_id": "skus",
    "seller_id": "sellers",
    "category_id": "categories",
    "holder_id": "people",
    "villager_id": "people",
    "buyer_id": "people",
    "person_id": "people",
}


def build_county_in_use(demo) -> dict[str, list[int]]:
    """Orders in several states, a pending online payment, an open group buy and an
    after-sale in the demo county; returns the ids of each kind of row."""
    from highland.orders import aftersales, groupbuys, services
    from highland.orders.models import AfterSale, ConsolidatedPurchase, GroupBuy, Order, OrderStatus
    from highland.orders.services import CheckoutLine, DeliveryDetails
    from highland.payments.models import Payment

    county = demo.county
    buyer, operator, seller = demo.user("buyer"), demo.user("operator"), demo.user("seller")
    agent, village_agent = demo.user("agent"), demo.user("village_agent")
    sku = {code: Sku.objects.get(code=code).pk for code in ("LT-SR-W", "LT-CD-20K", "LT-ZC-500")}
    address = DeliveryDetails(
        method="address",
        recipient_name="陈静",
        phone="13800000013",
        province="四川省",
        city="成都市",
        district="武侯区",
        detail="洗面桥街 18 号",
    )
    village = DeliveryDetails(
        method="pickup", recipient_name="格桑", pickup_point=demo.point("LT-S01-V01")
    )

    def place(lines, delivery, method, *, who=buyer, actor=None):
        return services.place_order(
            county,
            [CheckoutLine(sku[code], quantity) for code, quantity in lines],
            buyer=who,
            actor=actor or who,
            delivery=delivery,
            payment_method=method,
        )

    place([("LT-ZC-500", 2)], address, "gateway")  # awaiting payment online
    paid = place([("LT-SR-W", 1000)], address, "bank_transfer")  # to pack by weight
    services.confirm_bank_transfer(paid.payment, actor=operator, bank_reference="FUZZ-1")
    at_point = place(
        [("LT-CD-20K", 1)], village, "cash_at_point", who=demo.user("member"), actor=village_agent
    )
    services.collect_cash(at_point.payment, agent=village_agent, point=demo.point("LT-S01-V01"))
    services.pack_order(at_point.orders[0], {}, actor=seller)
    services.advance_order(at_point.orders[0], OrderStatus.SHIPPED, actor=seller)
    delivered = place([("LT-ZC-500", 1)], address, "bank_transfer")
    services.confirm_bank_transfer(delivered.payment, actor=operator, bank_reference="FUZZ-2")
    order = delivered.orders[0]
    services.pack_order(order, {}, actor=seller)
    services.advance_order(order, OrderStatus.SHIPPED, actor=seller)
    services.advance_order(order, OrderStatus.DELIVERED, actor=operator)
    aftersales.open_aftersale(order, actor=buyer, kind="refund_only", reason="damaged")
    now = dt.datetime.now(dt.UTC)
    group_buy = groupbuys.create_group_buy(
        demo.point("LT-S01"),
        groupbuys.GroupBuyTerms(
            title_zh="奔戈乡冬季团购",
            title_en="Benge winter group buy",
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=1),
            collect_by=now + dt.timedelta(days=15),
            items=[groupbuys.ItemTerms(sku["LT-CD-20K"], None, None)],
        ),
        actor=agent,
    )
    groupbuys.open_group_buy(group_buy, actor=agent)

    def ids(queryset) -> list[int]:
        return list(queryset.order_by("pk").values_list("pk", flat=True))

    return {
        "orders": ids(Order.objects.filter(county=county)),
        "payments": ids(Payment.objects.filter(county=county)),
        "group_buys": ids(GroupBuy.objects.filter(county=county)),
        "aftersales": ids(AfterSale.objects.all()),
        "purchases": ids(ConsolidatedPurchase.objects.all()),
        "tokens": ids(ApiToken.objects.filter(county=county)),
        "points": ids(ServicePoint.objects.filter(county=county)),
        "products": ids(Product.objects.filter(county=county)),
        "skus": ids(Sku.objects.filter(county=county)),
        "sellers": ids(Seller.objects.filter(county=county)),
        "categories": ids(Category.objects.filter(county=county)),
        "people": ids(User.objects.filter(county=county)),
    }


def with_real_ids(value: Any, kind: str | None, rows: dict[str, list[int]]) -> Any:
    """`value` with every id the schema allows replaced by the id of a real row (chosen by the
    generated value, so the same case names the same row); other values are left as they are."""
    if isinstance(value, dict):
        return {key: with_real_ids(item, ID_KINDS.get(key), rows) for key, item in value.items()}
    if isinstance(value, list):
        return [with_real_ids(item, kind, rows) for item in value]
    candidates = rows.get(kind or "", [])
    if (
        candidates
        and isinstance(value, int)
        and not isinstance(value, bool)
        and 1 <= value < MAX_OBJECT_ID
    ):
        return candidates[value % len(candidates)]
    return value


@pytest.fixture(scope="module")
def gateway_sandbox_url() -> Iterator[str]:
    """The project's gateway sandbox on loopback, once for the module: paying online works."""
    from highland.payments.sandbox import SandboxGateway

    sandbox = SandboxGateway("127.0.0.1", 0, {"demo": "sandbox-secret-demo"})
    try:
        sandbox.start()
    except OSError as error:
        need_server(False, f"cannot listen on 127.0.0.1 for the gateway sandbox: {error}")
    yield sandbox.url
    sandbox.stop()


@pytest.fixture
def county_in_use(demo, same_connection, settings, gateway_sandbox_url) -> dict[str, list[int]]:
    settings.PAYMENT_GATEWAY_URL = gateway_sandbox_url
    settings.PAYMENT_GATEWAY_MERCHANT = "demo"
    settings.PAYMENT_GATEWAY_SECRET = "sandbox-secret-demo"
    return build_county_in_use(demo)


def bearer_token(demo, role: str) -> dict[str, str]:
    """An `Authorization: Bearer` device token for the role, issued by the centre operator."""
    from highland.core import services

    holder = demo.user(role)
    issued = services.issue_api_token(holder, actor=demo.user("operator"), name=f"fuzz {role}")
    return {"Authorization": f"Bearer {issued.raw_key}"}


def call_with_real_ids(case: Any, headers: dict[str, str], rows: dict[str, list[int]]) -> None:
    if case.path_parameters:
        case.path_parameters = with_real_ids(case.path_parameters, None, rows)
    if isinstance(case.body, dict):
        case.body = with_real_ids(case.body, None, rows)
    # The WSGI transport hands back bodies as sent: ask for them uncompressed (the pages and
    # the API are gzipped for clients that accept it, see ADR 0007).
    response = case.call(app=APP, headers={**headers, "Accept-Encoding": "identity"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


HYPOTHESIS = settings(
    deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def operator_token(demo, county_in_use) -> dict[str, str]:
    return bearer_token(demo, "operator")


@pytest.fixture(params=["agent", "seller", "buyer"])
def role_token(request, demo, county_in_use) -> dict[str, str]:
    return bearer_token(demo, request.param)


@thorough_schema.parametrize()
@HYPOTHESIS
def test_no_input_gets_a_server_error_as_the_operator(case, operator_token, county_in_use):
    call_with_real_ids(case, operator_token, county_in_use)


@valid_only_schema.parametrize()
@HYPOTHESIS
def test_no_valid_input_gets_a_server_error_in_any_role(case, role_token, county_in_use):
    call_with_real_ids(case, role_token, county_in_use)


@anonymous_schema.parametrize()
@HYPOTHESIS
def test_no_input_gets_a_server_error_without_a_token(case, county_in_use):
    call_with_real_ids(case, {}, county_in_use)
