"""Template filters of the ledger pages."""

from __future__ import annotations

from django import template

from highland.ledger import accounts

register = template.Library()


@register.filter
def account_name(code: str) -> str:
    """What an account is, in the reader's language (`accounts.describe`)."""
    return accounts.describe(code)
