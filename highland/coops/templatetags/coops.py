"""Template filters of the cooperative pages."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django import template

from highland.coops.models import BASIS_POINTS
from highland.core.i18n import localized

register = template.Library()


@register.filter
def factor(basis_points: int | None) -> str:
    """{{ grade.factor_bp|factor }} -> ×1.2"""
    return "" if basis_points is None else f"×{basis_points / BASIS_POINTS:g}"


@register.simple_tag
def attribute_label(spec: dict[str, Any]) -> str:
    """A measured attribute's label (from a produce's attribute list) in the reader's
    language, Chinese when it has none in theirs."""
    labels = SimpleNamespace(
        **{f"label_{s}": spec.get(f"label_{s}", "") for s in ("zh", "bo", "en")}
    )
    return localized(labels, "label")
