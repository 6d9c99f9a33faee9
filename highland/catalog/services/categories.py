"""Categories and their commission rates."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from highland.catalog import search
from highland.catalog.models import (
    Category,
    Direction,
    Product,
)
from highland.catalog.services.fields import (
    _basis_points,
    _merge,
    _printable,
    _raise_if,
    _save,
    _whole_number,
)
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require

# --- categories ------------------------------------------------------------------------------


def _check_parent_category(
    county: County, direction: str, parent: Category | None, category: Category | None = None
) -> None:
    if parent is None:
        return
    if parent.county_id != county.pk:
        raise ValidationFailed(_("The parent category belongs to another county."), field="parent")
    if parent.direction != direction:
        raise ValidationFailed(
            _("The parent category must go in the same direction."), field="parent"
        )
    ancestor: Category | None = parent
    depth = 1
    while ancestor is not None:
        if category is not None and ancestor.pk == category.pk:
            raise ValidationFailed(_("A category cannot be inside itself."), field="parent")
        ancestor, depth = ancestor.parent, depth + 1
    if depth > 3:
        raise ValidationFailed(_("Categories go at most three levels deep."), field="parent")


def _reindex_category(category: Category) -> None:
    products = Product.objects.filter(county=category.county_id).filter(
        search.category_filter(category)
    )
    for product in products.select_related("category__parent__parent", "origin_point"):
        search.index_product(product)


@transaction.atomic
def create_category(
    county: County,
    *,
    actor: User,
    code: str,
    name_zh: str,
    name_bo: str,
    name_en: str,
    direction: str,
    commission_bp: int,
    parent: Category | None = None,
    position: int = 0,
) -> Category:
    """Add a category; the commission is in basis points (500 = 5 %)."""
    require(actor, "catalog.manage_catalogue", county)
    errors: dict[str, list[str]] = {}
    slug = _printable(code).lower()
    if not slug:
        errors["code"] = [_("This field is required.")]
    elif not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", slug):
        errors["code"] = [_("Use at most 40 lower-case letters, digits and hyphens.")]
    names: dict[str, str] = {}
    for field_name, value in (("name_zh", name_zh), ("name_bo", name_bo), ("name_en", name_en)):
        text = _printable(value)
        if not text:
            errors.setdefault(field_name, []).append(_("This name is required."))
        names[field_name] = text
    if direction not in Direction.values:
        errors["direction"] = [_("Unknown direction.")]
    commission = 0
    try:
        commission = _basis_points("commission_bp", commission_bp)
    except ValidationFailed as error:
        _merge(errors, error)
    if not errors:
        try:
            _check_parent_category(county, direction, parent)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    if Category.objects.filter(county=county, code=slug).exists():
        raise ValidationFailed(_("Another category already uses this code."), field="code")
    category = Category(
        county=county,
        code=slug,
        direction=direction,
        commission_bp=commission,
        parent=parent,
        position=position,
        **names,
    )
    _save(
        category,
        unique_field="code",
        unique_message=_("Another category already uses this code."),
    )
    audit.record(
        actor,
        "catalog.category.created",
        category,
        {"code": slug, "direction": direction, "commission_bp": commission},
    )
    shop_changed(county)
    return category


@transaction.atomic
def update_category(category: Category, changes: dict[str, Any], *, actor: User) -> Category:
    """Rename, move or re-price a category; its products' search text follows."""
    require(actor, "catalog.manage_catalogue", category)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        try:
            if name in ("name_zh", "name_bo", "name_en"):
                text = _printable(value)
                if not text:
                    raise ValidationFailed(_("This name is required."), field=name)
                cleaned[name] = text
            elif name == "commission_bp":
                cleaned[name] = _basis_points(name, value)
            elif name == "parent":
                _check_parent_category(category.county, category.direction, value, category)
                cleaned[name] = value
            elif name == "position":
                cleaned[name] = _whole_number(
                    name, value, low=0, high=1000, message=_("Give a position from 0 to 1000.")
                )
            else:
                raise ValidationFailed(_("This field cannot be changed here."), field=name)
        except ValidationFailed as error:
            _merge(errors, error)
    _raise_if(errors)
    changed = audit.save_changes(category, cleaned, actor=actor, action="catalog.category.updated")
    if {"name_zh", "name_bo", "name_en", "parent"} & set(changed):
        _reindex_category(category)
    shop_changed(category.county)
    return category
