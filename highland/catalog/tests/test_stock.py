"""Stock: the checkout hooks (reserve/release), stocktakes and adjustments, and real races.

The race tests run real threads against the real database: the SQLite file of the
default run and PostgreSQL when DATABASE_URL points at it. They commit, so they use
`django_db(transaction=True)` and build their own small catalogue.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.catalog import services
from highland.catalog.models import Category, Product, Seller, Sku, StockLot
from highland.catalog.tests.test_services import catalog_state
from highland.core.errors import ValidationFailed
from highland.core.models import AuditRecord, County, Organisation, OrganisationType
from highland.testing import run_concurrently


def stock_of(sku: Sku) -> int:
    return Sku.objects.values_list("stock", flat=True).get(pk=sku.pk)


# --- the checkout hooks ----------------------------------------------------------------------


def test_reserve_takes_stock_only_when_there_is_enough(shop):
    sku = shop.sku("LT-YJ-250S")  # 4 in stock

    assert services.reserve_stock(sku.pk, 3) is True
    assert stock_of(sku) == 1
    assert services.reserve_stock(sku.pk, 2) is False
    assert stock_of(sku) == 1
    assert services.reserve_stock(sku.pk, 1) is True
    assert stock_of(sku) == 0
    assert services.reserve_stock(sku.pk, 1) is False


def test_reserve_refuses_an_inactive_or_missing_sku(shop):
    sku = shop.sku("LT-YJ-100")
    services.update_sku(sku, {"active": False}, actor=shop.user("operator"))

    assert services.reserve_stock(sku.pk, 1) is False
    assert stock_of(sku) == 120
    assert services.reserve_stock(999_999_999, 1) is False


def test_release_puts_stock_back_even_on_an_inactive_sku(shop):
    sku = shop.sku("LT-YJ-100")
    services.update_sku(sku, {"active": False}, actor=shop.user("operator"))

    assert services.release_stock(sku.pk, 5) is True
    assert stock_of(sku) == 125
    assert services.release_stock(999_999_999, 5) is False


@pytest.mark.parametrize("quantity", [0, -1, True, 1.5])
def test_hooks_refuse_a_quantity_that_is_not_positive(shop, quantity):
    sku = shop.sku("LT-YJ-100")

    for hook in (services.reserve_stock, services.release_stock):
        with pytest.raises(ValidationFailed) as refusal:
            hook(sku.pk, quantity)
        assert refusal.value.errors == {
            "quantity": ["The quantity must be a whole number above zero."]
        }
    assert stock_of(sku) == 120


def test_weight_skus_reserve_grams(shop):
    sku = shop.sku("LT-SR-W")  # 20 kg of matsutake

    assert services.reserve_stock(sku.pk, 750) is True
    assert stock_of(sku) == 19_250


def test_the_database_refuses_negative_stock(shop):
    sku = shop.sku("LT-YJ-100")

    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.filter(pk=sku.pk).update(stock=-1)


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["reserve", "release"]), st.integers(min_value=1, max_value=8)),
    max_size=30,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(initial=st.integers(min_value=0, max_value=20), operations=OPERATIONS)
def test_stock_never_goes_negative_for_any_sequence(shop, initial, operations):
    sku = shop.sku("LT-YJ-250S")
    Sku.objects.filter(pk=sku.pk).update(stock=initial)
    expected = initial

    for operation, quantity in operations:
        if operation == "reserve":
            taken = services.reserve_stock(sku.pk, quantity)
            assert taken == (expected >= quantity)
            expected -= quantity if taken else 0
        else:
            assert services.release_stock(sku.pk, quantity) is True
            expected += quantity
        assert stock_of(sku) == expected >= 0


# --- stocktakes and adjustments ------------------------------------------------------------


def test_set_stock_is_audited_with_the_level_it_replaced(shop):
    sku = shop.sku("LT-ZC-500")

    services.set_stock(sku, 95, actor=shop.user("seller"), reason="counted on Monday")

    assert stock_of(sku) == 95
    record = AuditRecord.objects.get(action="catalog.sku.stock_set", object_id=str(sku.pk))
    lots = record.changes.pop("lots")
    assert record.changes == {
        "from": 80,
        "to": 95,
        "counted": 95,
        "reserved": 0,
        "reason": "counted on Monday",
    }
    # The 15 more counted than the lots held were received into a new lot.
    assert list(lots.values()) == [15]
    assert StockLot.objects.get(code=next(iter(lots))).on_hand == 15


def test_set_stock_to_the_same_level_writes_nothing(shop):
    sku = shop.sku("LT-ZC-500")
    before = catalog_state()

    services.set_stock(sku, 80, actor=shop.user("seller"))

    assert catalog_state() == before


@pytest.mark.parametrize("level", [-1, 1_000_000_001, "many"])
def test_set_stock_refuses_a_bad_level(shop, level):
    sku = shop.sku("LT-ZC-500")
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.set_stock(sku, level, actor=shop.user("seller"))

    assert refusal.value.errors == {
        "stock": ["Stock must be a whole number from 0 to 1,000,000,000."]
    }
    assert catalog_state() == before


def test_adjust_stock_adds_and_removes_and_audits(shop):
    sku = shop.sku("LT-ZC-500")

    services.adjust_stock(sku, 20, actor=shop.user("seller"), reason="delivery from Ya'an")
    services.adjust_stock(sku, -30, actor=shop.user("seller"), reason="damaged")

    assert stock_of(sku) == sku.stock == 70
    records = AuditRecord.objects.filter(
        action="catalog.sku.stock_adjusted", object_id=str(sku.pk)
    ).order_by("pk")
    changes = [record.changes for record in records]
    lots = [change.pop("lots") for change in changes]
    assert changes == [
        {"delta": 20, "from": 80, "to": 100, "reason": "delivery from Ya'an"},
        {"delta": -30, "from": 100, "to": 70, "reason": "damaged"},
    ]
    # The delivery is a new lot; the damaged units come out of the older lot first.
    opening, delivery = StockLot.objects.filter(sku=sku).order_by("pk")
    assert lots == [{delivery.code: 20}, {opening.code: -30}]
    assert (opening.on_hand, delivery.on_hand) == (50, 20)


def test_adjust_stock_refuses_to_go_below_zero(shop):
    sku = shop.sku("LT-YJ-250S")  # 4 in stock
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.adjust_stock(sku, -5, actor=shop.user("coop_manager"))

    assert refusal.value.code == "insufficient_stock"
    assert refusal.value.errors == {
        "quantity": ["Not enough stock: removing 5 would leave less than zero."]
    }
    assert catalog_state() == before


def test_adjust_stock_refuses_zero(shop):
    before = catalog_state()

    with pytest.raises(ValidationFailed):
        services.adjust_stock(shop.sku("LT-YJ-250S"), 0, actor=shop.user("coop_manager"))

    assert catalog_state() == before


# --- real races ------------------------------------------------------------------------------


def _committed_sku(stock: int) -> Sku:
    """A small catalogue of its own, committed, for the threads to race on."""
    county = County.objects.create(
        code="513399",
        name_zh="赛跑县",
        name_bo="རྒྱུག་རྫོང་",
        name_en="Race County",
        prefecture_zh="测试州",
        prefecture_bo="ཚོད་ལྟ།",
        prefecture_en="Test Prefecture",
    )
    cooperative = Organisation.objects.create(
        county=county,
        type=OrganisationType.COOPERATIVE,
        name_zh="赛跑合作社",
        name_bo="མཉམ་ལས།",
        name_en="Race Cooperative",
    )
    seller = Seller.objects.create(
        county=county, kind="organisation", organisation=cooperative, name_zh="赛跑合作社"
    )
    category = Category.objects.create(
        county=county,
        code="meat",
        name_zh="肉",
        name_bo="ཤ",
        name_en="Meat",
        direction="up",
        commission_bp=500,
    )
    product = Product.objects.create(
        county=county, seller=seller, category=category, name_zh="最后五包", status="active"
    )
    sku = Sku.objects.create(
        product=product,
        county=county,
        code="RACE-1",
        label_zh="一包",
        price_fen=1000,
        unit_weight_g=100,
        stock=0,
    )
    services.add_lot(sku, stock, origin="seller")
    return sku


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_race_for_five_units():
    sku = _committed_sku(stock=5)
    lowest_seen: list[int] = []
    racing = threading.Event()

    def watch() -> None:
        # Reads the stock while the buyers race: it must never be seen below zero.
        try:
            while not racing.is_set():
                lowest_seen.append(stock_of(sku))
                time.sleep(0.001)
        finally:
            connection.close()

    def buy() -> bool:
        with transaction.atomic():
            taken = services.reserve_stock(sku.pk, 1)
            # Hold the transaction open, as checkout does while it writes the order.
            time.sleep(0.02)
            return taken

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = run_concurrently(buy, 20)
    finally:
        racing.set()
        watcher.join(timeout=30)

    assert [result for result in results if not isinstance(result, bool)] == []
    assert results.count(True) == 5
    assert results.count(False) == 15
    assert stock_of(sku) == 0
    assert min(lowest_seen) >= 0


@pytest.mark.django_db(transaction=True)
def test_ten_removals_race_for_five_units(django_user_model):
    sku = _committed_sku(stock=5)
    operator = django_user_model.objects.create_superuser("race_admin", password="x")

    def remove_one() -> str:
        try:
            services.adjust_stock(sku, -1, actor=operator)
        except ValidationFailed as error:
            return error.code
        return "removed"

    results = run_concurrently(remove_one, 10)

    assert sorted(results) == ["insufficient_stock"] * 5 + ["removed"] * 5
    assert stock_of(sku) == 0
    assert AuditRecord.objects.filter(action="catalog.sku.stock_adjusted").count() == 5
