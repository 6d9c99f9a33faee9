from django import template

from highland.core.money import format_fen

register = template.Library()


@register.filter
def fen(amount: int | None) -> str:
    """{{ order.total_fen|fen }} -> ¥123.45"""
    return "" if amount is None else format_fen(amount)
