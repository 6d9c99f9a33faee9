"""Catalogue services: validation, state machine, permissions (nothing changed on denial), audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from highland.catalog import services
from highland.catalog.models import (
    Category,
    Product,
    ProductPhoto,
    ProductStatus,
    Seller,
    SellerKind,
    Sku,
)
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord, Organisation, OrganisationType


def catalog_state() -> tuple[Any, ...]:
    """Everything a catalogue action could change, to assert that a refusal changed nothing."""
    return (
        list(Seller.objects.order_by("pk").values()),
        list(Category.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values()),
        list(Sku.objects.order_by("pk").values()),
        list(ProductPhoto.objects.order_by("pk").values()),
        AuditRecord.objects.count(),
    )


def details(category: Category, **overrides: Any) -> services.ProductDetails:
    values: dict[str, Any] = {
        "category": category,
        "name_zh": "酥油",
        "name_bo": "མར།",
        "name_en": "Yak butter",
        "storage_class": "chilled",
        "shelf_life_days": 60,
    }
    values.update(overrides)
    return services.ProductDetails(**values)


def sku_details(**overrides: Any) -> services.SkuDetails:
    values: dict[str, Any] = {
        "code": "LT-SY-500",
        "label_zh": "500 克",
        "price_fen": 6800,
        "selling_unit": "pack",
        "unit_weight_g": 520,
        "stock": 10,
    }
    values.update(overrides)
    return services.SkuDetails(**values)


# --- sellers -------------------------------------------------------------------------------


def test_operator_registers_an_individual_seller_represented_by_an_agent(shop, django_user_model):
    herder = django_user_model.objects.create_user("herder2", county=shop.county)

    seller = services.register_seller(
        shop.county,
        actor=shop.user("operator"),
        kind=SellerKind.INDIVIDUAL,
        member=herder,
        represented_by=shop.user("agent"),
        name_zh="次仁家",
    )

    assert (seller.kind, seller.member, seller.represented_by) == (
        "individual",
        herder,
        shop.user("agent"),
    )
    record = AuditRecord.objects.get(action="catalog.seller.registered", object_id=str(seller.pk))
    assert record.on_behalf_of == herder
    assert record.changes == {
        "kind": "individual",
        "organisation": None,
        "member": herder.pk,
        "represented_by": shop.user("agent").pk,
    }


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"kind": "organisation"}, {"organisation": ["Choose the cooperative or enterprise."]}),
        ({"kind": "individual"}, {"member": ["Choose the farmer or herder who sells."]}),
        ({"kind": "robot"}, {"kind": ["Unknown kind of seller."]}),
        (
            {"kind": "individual", "member": "buyer", "represented_by": "seller"},
            {"represented_by": ["This person is not a station agent of the county."]},
        ),
        (
            {"kind": "organisation", "organisation": "centre"},
            {"organisation": ["Only a cooperative or an enterprise can sell."]},
        ),
        (
            {"kind": "individual", "member": "buyer", "commission_override_bp": 10001},
            {
                "commission_override_bp": [
                    "Give the commission in basis points, from 0 to 10000 (100 %)."
                ]
            },
        ),
    ],
)
def test_bad_sellers_are_refused_with_the_field_named(shop, kwargs, errors):
    arguments = dict(kwargs)
    for person in ("member", "represented_by"):
        if person in arguments:
            arguments[person] = shop.user(arguments[person])
    if arguments.get("organisation") == "centre":
        arguments["organisation"] = Organisation.objects.get(
            county=shop.county, type=OrganisationType.SERVICE_CENTRE
        )
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.register_seller(
            shop.county, actor=shop.user("operator"), name_zh="某卖家", **arguments
        )

    assert refusal.value.errors == errors
    assert catalog_state() == before


def test_an_organisation_is_registered_once(shop):
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.register_seller(
            shop.county,
            actor=shop.user("operator"),
            kind="organisation",
            organisation=shop.seller("coop").organisation,
            name_zh="再来一次",
        )

    assert refusal.value.errors == {
        "organisation": ["This organisation is already registered as a seller."]
    }
    assert catalog_state() == before


def test_organisation_of_another_county_cannot_sell_here(shop, other_county):
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.register_seller(
            shop.county,
            actor=shop.user("operator"),
            kind="organisation",
            organisation=Organisation.objects.get(county=other_county.county),
            name_zh="红原",
        )

    assert refusal.value.errors == {"organisation": ["The organisation belongs to another county."]}
    assert catalog_state() == before


@pytest.mark.parametrize("who", ["seller", "agent", "coop_manager", "buyer"])
def test_only_operators_register_sellers(shop, django_user_model, who):
    herder = django_user_model.objects.create_user("herder3", county=shop.county)
    before = catalog_state()

    with pytest.raises(PermissionDenied):
        services.register_seller(
            shop.county, actor=shop.user(who), kind="individual", member=herder, name_zh="某"
        )

    assert catalog_state() == before


def test_the_database_refuses_a_seller_without_its_party(shop):
    with pytest.raises(IntegrityError), transaction.atomic():
        Seller.objects.create(county=shop.county, kind="organisation", name_zh="无组织")


# --- categories ----------------------------------------------------------------------------


def test_category_rename_updates_the_search_text_of_its_products(shop):
    services.update_category(
        shop.category("tea"), {"name_en": "Brick tea and herbal tea"}, actor=shop.user("operator")
    )

    assert "brick tea and herbal tea" in shop.product("藏茶").search_text


def test_subcategory_must_go_in_the_parents_direction(shop):
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.create_category(
            shop.county,
            actor=shop.user("operator"),
            code="seeds",
            name_zh="种子",
            name_bo="ས་བོན།",
            name_en="Seeds",
            direction="up",
            commission_bp=300,
            parent=shop.category("farm-inputs"),
        )

    assert refusal.value.errors == {
        "parent": ["The parent category must go in the same direction."]
    }
    assert catalog_state() == before


# --- products ------------------------------------------------------------------------------


def test_product_is_created_as_a_draft_with_the_origin_altitude_copied(shop):
    point = shop.point("LT-S01-V03")

    product = services.create_product(
        shop.seller("coop"),
        details(shop.category("meat-dairy"), origin_point=point),
        actor=shop.user("coop_manager"),
    )

    assert product.status == ProductStatus.DRAFT
    assert product.origin_altitude_m == point.altitude_m == 4100
    assert product.county == shop.county
    assert "suyou" in product.search_text and "sy" in product.search_text
    record = AuditRecord.objects.get(action="catalog.product.created", object_id=str(product.pk))
    assert record.actor == shop.user("coop_manager")
    assert record.changes == {
        "seller": shop.seller("coop").pk,
        "category": shop.category("meat-dairy").pk,
        "name_zh": "酥油",
    }


def test_changing_the_origin_changes_the_altitude_and_is_audited(shop):
    product = shop.product("牦牛肉干")
    old_point = product.origin_point

    services.update_product(
        product, {"origin_point": shop.point("LT-S02-V04")}, actor=shop.user("operator")
    )

    product.refresh_from_db()
    assert product.origin_altitude_m == 3600
    record = AuditRecord.objects.filter(action="catalog.product.updated").latest("pk")
    assert record.changes == {
        "origin_point": {"from": old_point.pk, "to": shop.point("LT-S02-V04").pk},
        "origin_altitude_m": {"from": 4175, "to": 3600},
    }
    assert "扎拉村" in product.search_text


def test_update_without_changes_writes_nothing(shop):
    product = shop.product("牦牛肉干")
    before = catalog_state()

    services.update_product(product, {"name_zh": "牦牛肉干"}, actor=shop.user("operator"))

    assert catalog_state() == before


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"name_zh": "  "}, {"name_zh": ["This field is required."]}),
        ({"storage_class": "warm"}, {"storage_class": ["Unknown storage class."]}),
        (
            {"shelf_life_days": 0},
            {
                "shelf_life_days": [
                    "Give the shelf life in days, from 1 to 3650, or leave it empty."
                ]
            },
        ),
        ({"seller": None}, {"seller": ["This field cannot be changed here."]}),
        (
            {"storage_class": "frozen", "shelf_life_days": None},
            {"shelf_life_days": ["Chilled and frozen products need a shelf life."]},
        ),
    ],
)
def test_bad_product_changes_are_refused_with_the_field_named(shop, changes, errors):
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.update_product(shop.product("藏茶"), changes, actor=shop.user("operator"))

    assert refusal.value.errors == errors
    assert catalog_state() == before


def test_category_and_origin_of_another_county_are_refused(shop, other_county):
    foreign = Category.objects.create(
        county=other_county.county,
        code="meat",
        name_zh="肉",
        name_bo="ཤ",
        name_en="Meat",
        direction="up",
        commission_bp=500,
    )
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.update_product(
            shop.product("藏茶"),
            {"category": foreign, "origin_point": other_county.centre},
            actor=shop.user("operator"),
        )

    assert refusal.value.errors == {
        "category": ["The category belongs to another county."],
        "origin_point": ["The origin must be a service point of this county."],
    }
    assert catalog_state() == before


# --- the status machine --------------------------------------------------------------------


def _draft(shop, **overrides):
    return services.create_product(
        shop.seller("enterprise"),
        details(shop.category("meat-dairy"), **overrides),
        actor=shop.user("operator"),
    )


def test_a_draft_goes_on_sale_only_with_an_active_sku(shop):
    product = _draft(shop)

    with pytest.raises(ValidationFailed) as refusal:
        services.change_product_status(product, "active", actor=shop.user("seller"))
    assert refusal.value.code == "no_active_sku"
    assert Product.objects.get(pk=product.pk).status == "draft"

    services.add_sku(product, sku_details(), actor=shop.user("seller"))
    services.change_product_status(product, "active", actor=shop.user("seller"))

    assert Product.objects.get(pk=product.pk).status == "active"
    record = AuditRecord.objects.get(
        action="catalog.product.status_changed", object_id=str(product.pk)
    )
    assert record.changes == {"from": "draft", "to": "active"}


@pytest.mark.parametrize(
    ("start", "target"),
    [("draft", "suspended"), ("suspended", "active"), ("active", "archived")],
)
def test_wrong_moves_are_refused(shop, start, target):
    product = shop.product("藏茶")
    Product.objects.filter(pk=product.pk).update(status=start)
    product.refresh_from_db()
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.change_product_status(product, target, actor=shop.user("operator"))

    assert refusal.value.code == "bad_transition"
    assert catalog_state() == before


def test_sellers_cannot_suspend_nor_lift_a_suspension(shop):
    product = shop.product("藏茶")
    before = catalog_state()

    with pytest.raises(PermissionDenied):
        services.change_product_status(product, "suspended", actor=shop.user("seller"))
    assert catalog_state() == before

    services.change_product_status(product, "suspended", actor=shop.user("operator"))
    with pytest.raises(PermissionDenied):
        services.change_product_status(product, "draft", actor=shop.user("seller"))
    services.change_product_status(product, "draft", actor=shop.user("operator"))
    services.change_product_status(product, "active", actor=shop.user("seller"))

    assert Product.objects.get(pk=product.pk).status == "active"


# --- the permission matrix -------------------------------------------------------------------

# What each person may manage: the operator everything, seller staff and the cooperative
# manager their organisation's products, the agent the herder they represent.
PRODUCTS_BY_SELLER = {"coop": "牦牛肉干", "enterprise": "藏茶", "herder": "牦牛奶渣"}
ALLOWED = {
    "operator": {"coop", "enterprise", "herder"},
    "seller": {"enterprise"},
    "coop_manager": {"coop"},
    "agent": {"herder"},
}
DENIED = ["coop_accountant", "member", "buyer", "village_agent", "official"]


def _sku_of(product: Product) -> Sku:
    return product.skus.order_by("pk").first()


ACTIONS = {
    "create_product": lambda shop, product, actor: services.create_product(
        product.seller, details(product.category), actor=actor
    ),
    "update_product": lambda shop, product, actor: services.update_product(
        product, {"name_en": "Renamed"}, actor=actor
    ),
    "withdraw": lambda shop, product, actor: services.change_product_status(
        product, "draft", actor=actor
    ),
    "add_sku": lambda shop, product, actor: services.add_sku(product, sku_details(), actor=actor),
    "update_sku": lambda shop, product, actor: services.update_sku(
        _sku_of(product), {"price_fen": 1234}, actor=actor
    ),
    "set_stock": lambda shop, product, actor: services.set_stock(_sku_of(product), 77, actor=actor),
    "adjust_stock": lambda shop, product, actor: services.adjust_stock(
        _sku_of(product), 3, actor=actor
    ),
}


def _actor(shop, other_county, who):
    if who == "anonymous":
        return AnonymousUser()
    if who == "other_county":
        return other_county.operator
    return shop.user(who)


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("seller_key", sorted(PRODUCTS_BY_SELLER))
@pytest.mark.parametrize("who", ["anonymous", "other_county", *DENIED, *sorted(ALLOWED)])
def test_permission_matrix(shop, other_county, action, seller_key, who):
    product = shop.product(PRODUCTS_BY_SELLER[seller_key])
    actor = _actor(shop, other_county, who)
    before = catalog_state()

    if seller_key in ALLOWED.get(who, set()):
        ACTIONS[action](shop, product, actor)
        assert AuditRecord.objects.count() == before[-1] + 1
        record = AuditRecord.objects.latest("pk")
        assert record.actor == actor
        # An agent acting for a household is recorded as acting on its behalf.
        expected = product.seller.member if who == "agent" else None
        assert record.on_behalf_of == expected
    else:
        with pytest.raises(PermissionDenied):
            ACTIONS[action](shop, product, actor)
        assert catalog_state() == before


def test_an_agent_no_longer_representing_a_household_loses_its_products(shop):
    herder = shop.seller("herder")
    services.update_seller(
        herder, {"represented_by": shop.user("village_agent")}, actor=shop.user("operator")
    )
    product = shop.product("牦牛奶渣")

    with pytest.raises(PermissionDenied):
        services.update_product(product, {"name_en": "x"}, actor=shop.user("agent"))
    services.update_product(product, {"name_en": "Chura"}, actor=shop.user("village_agent"))


def test_an_ended_membership_ends_the_right_to_manage(shop):
    from highland.core import services as core_services
    from highland.core.models import Membership

    seller_staff = shop.user("seller")
    membership = Membership.objects.get(user=seller_staff, role="seller_staff")
    core_services.end_membership(membership, actor=shop.user("operator"))

    with pytest.raises(PermissionDenied):
        services.update_product(shop.product("藏茶"), {"name_en": "x"}, actor=seller_staff)


# --- SKUs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"price_fen": 0},
            {"price_fen": ["The price must be more than ¥0.00 and at most ¥1,000,000.00."]},
        ),
        (
            {"price_fen": -100},
            {"price_fen": ["The price must be more than ¥0.00 and at most ¥1,000,000.00."]},
        ),
        ({"stock": -1}, {"stock": ["Stock must be a whole number from 0 to 1,000,000,000."]}),
        (
            {"unit_weight_g": None},
            {"unit_weight_g": ["Give the shipping weight of one unit in grams (1 to 1,000,000)."]},
        ),
        (
            {"selling_unit": "weight", "unit_weight_g": 500},
            {"unit_weight_g": ["A SKU sold by weight has no unit weight: buyers order grams."]},
        ),
        ({"code": "LT-YJ-100"}, {"code": ["Another SKU already uses this code."]}),
        ({"code": " "}, {"code": ["This field is required."]}),
    ],
)
def test_bad_skus_are_refused_with_the_field_named(shop, overrides, errors):
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.add_sku(shop.product("藏茶"), sku_details(**overrides), actor=shop.user("seller"))

    assert refusal.value.errors == errors
    assert catalog_state() == before


def test_weight_sku_stores_grams_and_no_unit_weight(shop):
    sku = services.add_sku(
        shop.product("藏茶"),
        sku_details(code="lt-zc-w", selling_unit="weight", unit_weight_g=None, stock=12_500),
        actor=shop.user("seller"),
    )

    assert (sku.code, sku.unit_weight_g, sku.stock) == ("LT-ZC-W", None, 12_500)


def test_update_sku_changes_price_and_refuses_stock(shop):
    sku = shop.sku("LT-ZC-500")

    services.update_sku(sku, {"price_fen": 5200, "active": True}, actor=shop.user("seller"))
    record = AuditRecord.objects.filter(action="catalog.sku.updated").latest("pk")
    assert record.changes == {"price_fen": {"from": 4800, "to": 5200}}

    before = catalog_state()
    with pytest.raises(ValidationFailed) as refusal:
        services.update_sku(sku, {"stock": 0}, actor=shop.user("seller"))
    assert refusal.value.errors == {"stock": ["This field cannot be changed here."]}
    assert catalog_state() == before


def test_the_database_refuses_bad_prices_and_weights(shop):
    product = shop.product("藏茶")
    for fields in (
        {"price_fen": 0, "unit_weight_g": 10},
        {"price_fen": 10, "selling_unit": "weight", "unit_weight_g": 10},
        {"price_fen": 10, "selling_unit": "pack", "unit_weight_g": None},
        {"price_fen": 10, "unit_weight_g": 10, "stock": -1},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Sku.objects.create(
                product=product, county=shop.county, code="X", label_zh="x", **fields
            )
