"""What each audit action of the catalogue means, for people, and where its objects are."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "catalog.category.created": _("Category created"),
    "catalog.category.updated": _("Category changed"),
    "catalog.consent.recorded": _("Listing consent recorded"),
    "catalog.consent.revoked": _("Listing consent withdrawn"),
    "catalog.photo.added": _("Product photo added"),
    "catalog.photo.removed": _("Product photo removed"),
    "catalog.product.created": _("Product created"),
    "catalog.product.updated": _("Product changed"),
    "catalog.product.status_changed": _("Product status changed"),
    "catalog.seller.registered": _("Seller registered"),
    "catalog.seller.updated": _("Seller details changed"),
    "catalog.sku.added": _("Product variant added"),
    "catalog.stock_lot.received": _("Stock lot received"),
    "catalog.sku.updated": _("Product variant changed"),
    "catalog.sku.stock_set": _("Stock counted"),
    "catalog.sku.stock_adjusted": _("Stock adjusted"),
}


def product_url(object_id: str) -> str:
    return reverse("catalog:product-detail", args=[int(object_id)])


LINKS = {"catalog.product": product_url}
