"""Template filters of the cooperative pages."""

from __future__ import annotations

from django import template

from highland.coops.models import BASIS_POINTS

register = template.Library()


@register.filter
def factor(basis_points: int | None) -> str:
    """{{ grade.factor_bp|factor }} -> ×1.2"""
    return "" if basis_points is None else f"×{basis_points / BASIS_POINTS:g}"
