"""Reads of the catalogue, always scoped to one county."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest

from highland.core.access import COUNTY_PARAMETER as COUNTY_PARAMETER
from highland.core.access import site_county
from highland.core.models import County, Membership, Role, User
from highland.core.permissions import is_centre_operator, roles_of
from highland.ledger.accounts import seller_of
from highland.network.models import ServicePoint

from .models import (
    Category,
    ListingConsent,
    Product,
    ProductPhoto,
    ProductStatus,
    Seller,
    SellerKind,
    Sku,
)
from .rules import SELLER_ROLES
from .search import on_sale, with_listing_data


def storefront_county(request: HttpRequest) -> County | None:
    """The county whose shop this request sees (`core.access.site_county`)."""
    return site_county(request)


def counties() -> QuerySet[County]:
    return County.objects.order_by("code")


def storefront_categories(county: County) -> list[Category]:
    """The county's top-level categories with their children and products on sale."""
    on_sale_filter = Q(products__status=ProductStatus.ACTIVE, products__seller__active=True)
    children = Category.objects.annotate(product_count=Count("products", filter=on_sale_filter))
    top_level: list[Category] = list(
        Category.objects.filter(county=county, parent__isnull=True)
        .annotate(product_count=Count("products", filter=on_sale_filter))
        .prefetch_related(Prefetch("children", queryset=children.order_by("position", "code")))
        .order_by("direction", "position", "code")
    )
    for category in top_level:
        # Products filed under a subcategory count for the top level too.
        category.total_on_sale = category.product_count + sum(  # type: ignore[attr-defined]
            child.product_count  # type: ignore[attr-defined]
            for child in category.children.all()
        )
    return top_level


def county_categories(county: County) -> QuerySet[Category]:
    return Category.objects.filter(county=county).select_related("parent")


def category_by_code(county: County, code: str) -> Category | None:
    return Category.objects.filter(county=county, code=code).select_related("parent").first()


def newest_on_sale(county: County, limit: int = 8) -> list[Product]:
    return list(with_listing_data(on_sale(county)).order_by("-created_at", "-id")[:limit])


def origin_points(county: County) -> QuerySet[ServicePoint]:
    """Active service points to filter by: stations and villages, in code order."""
    return ServicePoint.objects.filter(county=county, active=True).order_by("code")


def storefront_product(county: County, product_id: int) -> Product | None:
    """A product on sale in `county`, with all the product page shows, or None."""
    return (
        on_sale(county)
        .filter(pk=product_id)
        .select_related("seller", "category__parent", "origin_point__parent")
        .prefetch_related(
            Prefetch("skus", queryset=Sku.objects.filter(active=True).order_by("price_fen", "id")),
            Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id")),
        )
        .first()
    )


def commission_bp(product: Product) -> int:
    """The commission on a product's sales: the seller's override, else the category's."""
    if product.seller.commission_override_bp is not None:
        return product.seller.commission_override_bp
    return product.category.commission_bp


# --- what a person may manage ----------------------------------------------------------------


def manageable_sellers(user: User, county: County) -> QuerySet[Seller]:
    """The active sellers whose products `user` manages in `county` (see rules.py)."""
    sellers = Seller.objects.filter(county=county, active=True).select_related(
        "organisation", "member", "represented_by"
    )
    if user.is_superuser or is_centre_operator(user, county):
        return sellers.order_by("name_zh")
    condition = Q(
        organisation_id__in=Membership.objects.filter(
            user=user, county=county, active=True, role__in=SELLER_ROLES
        ).values("organisation_id")
    )
    if Role.STATION_AGENT in roles_of(user, county):
        condition |= Q(kind=SellerKind.INDIVIDUAL, represented_by=user)
    return sellers.filter(condition).order_by("name_zh")


def sellers_worked_for(user: User, county: County) -> QuerySet[Seller]:
    """The sellers `user` works for in `county`: staff, managers and accountants of a
    selling organisation, and the agent who represents a household seller. Operators
    manage every seller but work for none."""
    organisations = Membership.objects.filter(
        user=user,
        county=county,
        active=True,
        role__in=(*SELLER_ROLES, Role.COOPERATIVE_ACCOUNTANT),
    ).values("organisation_id")
    return (
        Seller.objects.filter(county=county, active=True)
        .filter(Q(organisation_id__in=organisations) | Q(represented_by=user))
        .order_by("name_zh", "pk")
    )


def manageable_products(
    user: User, county: County, *, seller: Seller | None = None, status: str = ""
) -> QuerySet[Product]:
    """Products of every status that `user` manages, newest first."""
    products = Product.objects.filter(county=county).select_related("seller", "category")
    if not (user.is_superuser or is_centre_operator(user, county)):
        products = products.filter(seller__in=manageable_sellers(user, county))
    if seller is not None:
        products = products.filter(seller=seller)
    if status:
        products = products.filter(status=status)
    return products.annotate(sku_count=Count("skus")).order_by("-updated_at", "-id")


def has_consent(product: Product) -> bool:
    """Whether the product may go on sale: organisations always; households with consent."""
    if product.seller.kind != SellerKind.INDIVIDUAL:
        return True
    return ListingConsent.objects.filter(
        Q(product=product) | Q(product__isnull=True), seller=product.seller, revoked_at__isnull=True
    ).exists()


def seller_account_names(county: County, codes: Collection[str]) -> dict[str, str]:
    """The seller of each seller-payable account code, by name in the reader's language.

    Registered in the ledger's `PARTY_NAMES`; one query.
    """
    ids = {code: seller_of(code) for code in codes}
    wanted = {seller_id for seller_id in ids.values() if seller_id is not None}
    if not wanted:
        return {}
    sellers = {
        seller.pk: seller.name for seller in Seller.objects.filter(county=county, pk__in=wanted)
    }
    return {
        code: sellers[seller_id]
        for code, seller_id in ids.items()
        if seller_id is not None and seller_id in sellers
    }
