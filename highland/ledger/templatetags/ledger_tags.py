"""Template filters of the ledger pages."""

from __future__ import annotations

from django import template

from highland.ledger import accounts

register = template.Library()


@register.filter
def account_name(code: str, names: dict[str, str] | None = None) -> str:
    """What an account is, in the reader's language: from `names` (`accounts.describe_all`,
    which knows the parties' names) when given, else `accounts.describe`."""
    if names and code in names:
        return names[code]
    return accounts.describe(code)
