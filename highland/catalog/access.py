"""Permission-checked fetches for the seller side: missing and not-yours give the same 404.

A product on sale is public, so a person of the county who may not manage it still
finds it and then gets 403 from the service; drafts and suspended products are found
only by those who manage them. Everything of another county is "missing".
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import User
from highland.core.permissions import allowed

from .models import Category, Product, ProductPhoto, ProductStatus, Seller, Sku


def _visible(user: User, product: Product) -> bool:
    return product.status == ProductStatus.ACTIVE or allowed(
        user, "catalog.manage_product", product
    )


def access_product(user: User, product_id: int) -> Product:
    """A product of the person's county that they may see; NotFound otherwise."""
    county = home_county(user)
    product = (
        Product.objects.select_related(
            "county", "seller__county", "category", "origin_point", "seller__member"
        )
        .filter(pk=product_id, county=county)
        .first()
    )
    if product is None or not _visible(user, product):
        raise NotFound(_("No such product."))
    return product


def access_sku(user: User, sku_id: int) -> Sku:
    """A SKU of a product the person may see in their county; NotFound otherwise."""
    county = home_county(user)
    sku = (
        Sku.objects.select_related(
            "county", "product__county", "product__seller__county", "product__seller__member"
        )
        .filter(pk=sku_id, county=county)
        .first()
    )
    if sku is None or not _visible(user, sku.product):
        raise NotFound(_("No such SKU."))
    return sku


def access_photo(user: User, photo_id: int) -> ProductPhoto:
    county = home_county(user)
    photo = (
        ProductPhoto.objects.select_related("county", "product__seller__county")
        .filter(pk=photo_id, county=county)
        .first()
    )
    if photo is None or not allowed(user, "catalog.manage_product", photo):
        raise NotFound(_("No such photo."))
    return photo


def access_seller(user: User, seller_id: int, *, field: str | None = None) -> Seller:
    """A seller of the person's county; NotFound (on `field`, if given) otherwise."""
    county = home_county(user)
    seller = (
        Seller.objects.select_related("county", "organisation", "member")
        .filter(pk=seller_id, county=county)
        .first()
    )
    if seller is None:
        raise NotFound(_("No such seller."), field=field)
    return seller


def access_category(user: User, category_id: int, *, field: str | None = None) -> Category:
    county = home_county(user)
    category = Category.objects.filter(pk=category_id, county=county).first()
    if category is None:
        raise NotFound(_("No such category."), field=field)
    return category
