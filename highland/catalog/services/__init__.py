"""Business actions on the catalogue: sellers, categories, products, SKUs, stock, photos.

Every action takes a keyword-only `actor`, checks permission with `require`, validates,
writes, records one audit entry in the same transaction and returns what it changed.
The exceptions are `reserve_stock`, `release_stock` and `take_packed_extra`, the hooks
checkout and packing call inside their own (audited) transaction, and the lot helpers
`add_lot`, `lock_lots`, `plan_fefo`, `take_from_lots` and `put_back_into_lots` that
packing and returns use the same way (ADR 0010).

One module per part: `fields` (limits and shared checks), `sellers`, `categories`,
`products`, `stock` (SKUs and stock), `lots` (stock lots) and `photos`.
"""

from __future__ import annotations

from highland.catalog.services.categories import (
    create_category,
    update_category,
)
from highland.catalog.services.fields import (
    CATEGORY_FIELDS,
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    MAX_PHOTOS_PER_PRODUCT,
    MAX_SHELF_LIFE_DAYS,
    PHOTO_FORMATS,
    PRODUCT_FIELDS,
    REQUIRED_TEXT,
    SELLER_FIELDS,
    SKU_FIELDS,
    TEXT_LIMITS,
    THUMBNAIL_MAX_WIDTH,
    THUMBNAIL_QUALITY,
)
from highland.catalog.services.lots import (
    add_lot,
    fefo_key,
    lock_lots,
    lots_taken,
    on_hand_of,
    plan_fefo,
    put_back_into_lots,
    receive_stock_lot,
    receive_stock_lot_once,
    take_from_lots,
)
from highland.catalog.services.photos import (
    add_photo,
    make_thumbnail,
    remove_photo,
    without_metadata,
)
from highland.catalog.services.products import (
    ProductDetails,
    change_product_status,
    create_product,
    update_product,
)
from highland.catalog.services.sellers import (
    register_seller,
    update_seller,
)
from highland.catalog.services.stock import (
    SkuDetails,
    add_sku,
    adjust_stock,
    release_stock,
    reserve_stock,
    set_stock,
    take_packed_extra,
    update_sku,
)

__all__ = [
    "CATEGORY_FIELDS",
    "MAX_PHOTOS_PER_PRODUCT",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS",
    "MAX_SHELF_LIFE_DAYS",
    "PHOTO_FORMATS",
    "PRODUCT_FIELDS",
    "REQUIRED_TEXT",
    "SELLER_FIELDS",
    "SKU_FIELDS",
    "TEXT_LIMITS",
    "THUMBNAIL_MAX_WIDTH",
    "THUMBNAIL_QUALITY",
    "ProductDetails",
    "SkuDetails",
    "add_lot",
    "add_photo",
    "add_sku",
    "adjust_stock",
    "change_product_status",
    "create_category",
    "create_product",
    "fefo_key",
    "lock_lots",
    "lots_taken",
    "make_thumbnail",
    "on_hand_of",
    "plan_fefo",
    "put_back_into_lots",
    "receive_stock_lot",
    "receive_stock_lot_once",
    "register_seller",
    "release_stock",
    "remove_photo",
    "reserve_stock",
    "set_stock",
    "take_from_lots",
    "take_packed_extra",
    "update_category",
    "update_product",
    "update_seller",
    "update_sku",
    "without_metadata",
]
