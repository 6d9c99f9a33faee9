"""Field limits of the catalogue and the checks its services share."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from highland.catalog.models import (
    BASIS_POINTS,
    MAX_PRICE_FEN,
    MAX_STOCK,
    Seller,
    SellerKind,
)
from highland.core.errors import ValidationFailed
from highland.core.models import User

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # a 40-megapixel camera; more is a decompression bomb
MAX_PHOTOS_PER_PRODUCT = 9
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_MAX_WIDTH = 480
THUMBNAIL_QUALITY = 70
MAX_SHELF_LIFE_DAYS = 3650

# The fields update_product accepts, in the order forms show them.
PRODUCT_FIELDS: tuple[str, ...] = (
    "category",
    "name_zh",
    "name_bo",
    "name_en",
    "description_zh",
    "description_bo",
    "description_en",
    "story_zh",
    "story_bo",
    "story_en",
    "storage_class",
    "shelf_life_days",
    "origin_point",
)
SKU_FIELDS: tuple[str, ...] = ("label_zh", "label_bo", "label_en", "price_fen", "active")
CATEGORY_FIELDS: tuple[str, ...] = (
    "name_zh",
    "name_bo",
    "name_en",
    "commission_bp",
    "parent",
    "position",
)
SELLER_FIELDS: tuple[str, ...] = (
    "name_zh",
    "name_bo",
    "name_en",
    "represented_by",
    "commission_override_bp",
    "active",
)
REQUIRED_TEXT = frozenset({"name_zh", "label_zh"})
TEXT_LIMITS = {
    "name_zh": 120,
    "name_bo": 200,
    "name_en": 120,
    "label_zh": 120,
    "label_bo": 200,
    "label_en": 120,
}


def _merge(errors: dict[str, list[str]], error: ValidationFailed) -> None:
    for field_name, messages in error.errors.items():
        errors.setdefault(field_name, []).extend(messages)


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), errors=errors)


def _printable(value: Any, *, multiline: bool = False) -> str:
    """The text without control characters (PostgreSQL cannot store NUL), trimmed."""
    kept = "\n\t" if multiline else ""
    text = str(value or "").replace("\r\n", "\n")
    return "".join(
        char for char in text if char in kept or unicodedata.category(char) != "Cc"
    ).strip()


def _text(name: str, value: Any) -> str:
    text = _printable(value)
    if name in REQUIRED_TEXT and not text:
        raise ValidationFailed(_("This field is required."), field=name)
    limit = TEXT_LIMITS.get(name)
    if limit is not None and len(text) > limit:
        raise ValidationFailed(_("At most %(limit)d characters.") % {"limit": limit}, field=name)
    return text


def _whole_number(name: str, value: Any, *, low: int, high: int, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(message, field=name)
    try:
        number = int(value)
    except ValueError as error:
        raise ValidationFailed(message, field=name) from error
    if not low <= number <= high:
        raise ValidationFailed(message, field=name)
    return number


def _basis_points(name: str, value: Any) -> int:
    return _whole_number(
        name,
        value,
        low=0,
        high=BASIS_POINTS,
        message=_("Give the commission in basis points, from 0 to 10000 (100 %)."),
    )


def _price(value: Any) -> int:
    return _whole_number(
        "price_fen",
        value,
        low=1,
        high=MAX_PRICE_FEN,
        message=_("The price must be more than ¥0.00 and at most ¥1,000,000.00."),
    )


def _stock_level(name: str, value: Any) -> int:
    return _whole_number(
        name,
        value,
        low=0,
        high=MAX_STOCK,
        message=_("Stock must be a whole number from 0 to 1,000,000,000."),
    )


def _save(obj: Any, *, unique_field: str, unique_message: str, **kwargs: Any) -> None:
    """Save in a savepoint; a unique constraint lost to a race becomes a field error."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as error:
        raise ValidationFailed(unique_message, field=unique_field) from error


def _jsonable(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


def _on_behalf_of(seller: Seller, actor: User) -> User | None:
    """The household an agent acts for, for the audit trail."""
    if seller.kind == SellerKind.INDIVIDUAL and seller.represented_by_id == actor.pk:
        return seller.member
    return None
