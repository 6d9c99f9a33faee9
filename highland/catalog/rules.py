"""Who may manage the catalogue (loaded by rules' autodiscovery).

- Centre operators manage everything in their county: categories, sellers, every product.
- Seller staff and cooperative managers manage the products of the seller that is
  their organisation (an active membership in `seller.organisation`).
- A station agent manages the products of the individual sellers they represent.

Reading the catalogue needs no rule: products on sale are public, per county (see
selectors.storefront_county).
"""

from __future__ import annotations

from typing import Any

import rules

from highland.core.models import Membership, Role
from highland.core.permissions import add_rule, has_role, is_centre_operator, is_station_agent

from .models import Product, ProductPhoto, Seller, SellerKind, Sku

# The roles that manage the products of their own organisation.
SELLER_ROLES = (Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER)


def seller_of(obj: Any) -> Seller | None:
    if isinstance(obj, Seller):
        return obj
    if isinstance(obj, Product):
        return obj.seller
    if isinstance(obj, Sku | ProductPhoto):
        return obj.product.seller
    return None


@rules.predicate
def works_for_seller(user: Any, obj: Any) -> bool:
    """Seller staff or cooperative manager in the seller's own organisation."""
    seller = seller_of(obj)
    if seller is None or seller.organisation_id is None:
        return False
    return Membership.objects.filter(
        user=user,
        county_id=seller.county_id,
        organisation_id=seller.organisation_id,
        role__in=SELLER_ROLES,
        active=True,
    ).exists()


@rules.predicate
def represents_seller(user: Any, obj: Any) -> bool:
    """The station agent who acts for an individual seller."""
    seller = seller_of(obj)
    return bool(
        seller is not None
        and seller.kind == SellerKind.INDIVIDUAL
        and seller.represented_by_id is not None
        and seller.represented_by_id == user.pk
    )


may_sell_for_someone = is_centre_operator | has_role(*SELLER_ROLES) | is_station_agent

# County-level: categories and sellers. Object: the county, a category or a seller.
add_rule("catalog.manage_catalogue", is_centre_operator)
# The seller's products, their SKUs, stock and photos. Object: seller, product, SKU or photo.
add_rule(
    "catalog.manage_product",
    is_centre_operator | works_for_seller | (is_station_agent & represents_seller),
)
# Suspending a product and lifting a suspension: the centre's moderation.
add_rule("catalog.moderate_product", is_centre_operator)
# The seller pages ("my products"). Object: the county.
add_rule("catalog.use_seller_pages", may_sell_for_someone)


add_rule("catalog.record_consent", represents_seller | is_centre_operator)
