from django import template

from highland.core.money import format_basis_points, format_fen

register = template.Library()


@register.filter
def fen(amount: int | None) -> str:
    """{{ order.total_fen|fen }} -> ¥123.45"""
    return "" if amount is None else format_fen(amount)


@register.filter
def percent(basis_points: int | None) -> str:
    """{{ line.commission_bp|percent }} -> 5.0 %"""
    return "" if basis_points is None else format_basis_points(basis_points)
