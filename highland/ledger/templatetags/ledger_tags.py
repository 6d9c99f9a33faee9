"""Template filters of the ledger pages."""

from __future__ import annotations

from django import template

from highland.core import auditdisplay
from highland.ledger import accounts

register = template.Library()


@register.filter
def account_name(code: str, names: dict[str, str] | None = None) -> str:
    """What an account is, in the reader's language: from `names` (`accounts.describe_all`,
    which knows the parties' names) when given, else `accounts.describe`."""
    if names and code in names:
        return names[code]
    return accounts.describe(code)


@register.simple_tag
def entry_reference(reference_type: str, reference_id: str) -> dict[str, str]:
    """What an entry is about, for people: the object type's name and its page, if any."""
    return {
        "label": auditdisplay.object_type_label(reference_type),
        "url": auditdisplay.object_url(reference_type, reference_id),
    }
