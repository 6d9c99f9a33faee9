"""The demo catalogue of Litang: categories, three sellers and fourteen products.

`load_demo_catalogue(county)` runs after the demo county (people, organisations and
the service network) exists, and creates only what is missing, through the services.
The data and its sources are in demo_data.py.
"""

from __future__ import annotations

from django.db import transaction

from highland.core.models import County, Organisation, OrganisationType, User
from highland.network.models import ServicePoint

from . import services
from .consent import record_listing_consent
from .demo_data import CATEGORIES, PRODUCTS
from .models import (
    Category,
    ConsentMethod,
    ListingConsent,
    Product,
    ProductStatus,
    Seller,
    SellerKind,
    Sku,
)

DEMO_ACTOR = "admin"


def _organisation(county: County, type_: str, name_zh: str) -> Organisation:
    return Organisation.objects.get(county=county, type=type_, name_zh=name_zh)


def _sellers(county: County, actor: User) -> dict[str, Seller]:
    coop = _organisation(county, OrganisationType.COOPERATIVE, "理塘县奔戈乡牦牛养殖专业合作社")
    enterprise = _organisation(county, OrganisationType.ENTERPRISE, "理塘县高原特产有限公司")
    herder = User.objects.get(username="member")
    agent = User.objects.get(username="agent")
    sellers: dict[str, Seller] = {}
    for key, organisation in (("coop", coop), ("enterprise", enterprise)):
        seller = Seller.objects.filter(organisation=organisation).first()
        if seller is None:
            seller = services.register_seller(
                county,
                actor=actor,
                kind=SellerKind.ORGANISATION,
                organisation=organisation,
                name_zh=organisation.name_zh,
                name_bo=organisation.name_bo,
                name_en=organisation.name_en,
            )
        sellers[key] = seller
    seller = Seller.objects.filter(member=herder).first()
    if seller is None:
        seller = services.register_seller(
            county,
            actor=actor,
            kind=SellerKind.INDIVIDUAL,
            member=herder,
            represented_by=agent,
            name_zh="格桑家（格扎村牧户）",
            name_bo="སྐལ་བཟང་ཚང་།",
            name_en="Kelsang's household (Geza village)",
        )
    if not ListingConsent.objects.filter(seller=seller).exists():
        # Kelsang agreed in front of the village committee head: consent by witness.
        record_listing_consent(
            seller, actor=agent, method=ConsentMethod.WITNESS, witness_name="扎嘎村村委会主任 洛绒"
        )
    sellers["herder"] = seller
    return sellers


@transaction.atomic
def load_demo_catalogue(county: County) -> dict[str, int]:
    """Create whatever of the demo catalogue is missing; returns counts of what was created."""
    created = {"categories": 0, "sellers": 0, "products": 0, "skus": 0}
    actor = User.objects.get(username=DEMO_ACTOR)
    categories: dict[str, Category] = {}
    for category_spec in CATEGORIES:
        code = category_spec["code"]
        category = Category.objects.filter(county=county, code=code).first()
        if category is None:
            category = services.create_category(
                county, actor=actor, position=len(categories), **category_spec
            )
            created["categories"] += 1
        categories[code] = category
    sellers_before = Seller.objects.filter(county=county).count()
    sellers = _sellers(county, actor)
    created["sellers"] = Seller.objects.filter(county=county).count() - sellers_before
    points = {point.code: point for point in ServicePoint.objects.filter(county=county)}
    for spec in PRODUCTS:
        seller = sellers[spec.seller]
        product = Product.objects.filter(county=county, seller=seller, name_zh=spec.name_zh).first()
        is_new = product is None
        if product is None:
            details = services.ProductDetails(
                category=categories[spec.category],
                name_zh=spec.name_zh,
                name_bo=spec.name_bo,
                name_en=spec.name_en,
                description_zh=spec.description_zh,
                description_bo=spec.description_bo,
                description_en=spec.description_en,
                story_zh=spec.story_zh,
                story_bo=spec.story_bo,
                story_en=spec.story_en,
                storage_class=spec.storage_class,
                shelf_life_days=spec.shelf_life_days,
                origin_point=points[spec.origin] if spec.origin else None,
            )
            product = services.create_product(seller, details, actor=actor)
            created["products"] += 1
        for sku_spec in spec.skus:
            if Sku.objects.filter(county=county, code=sku_spec.code).exists():
                continue
            services.add_sku(
                product,
                services.SkuDetails(
                    code=sku_spec.code,
                    label_zh=sku_spec.label_zh,
                    label_en=sku_spec.label_en,
                    label_bo=sku_spec.label_bo,
                    price_fen=sku_spec.price_fen,
                    selling_unit=sku_spec.unit,
                    unit_weight_g=sku_spec.unit_weight_g,
                    stock=sku_spec.stock,
                ),
                actor=actor,
            )
            created["skus"] += 1
        if is_new:
            # Only new products go on sale: a rerun leaves a withdrawn one withdrawn.
            services.change_product_status(product, ProductStatus.ACTIVE, actor=actor)
    return created
