"""What the ledger must say about payments, checked by `verify_ledger` (registered in apps.py)."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from highland.core.models import County
from highland.core.money import format_fen
from highland.ledger import accounts
from highland.ledger.selectors import balance
from highland.payments.models import Refund, RefundStatus


def refunds_due_match(county: County) -> list[str]:
    """What the ledger owes buyers in refunds equals the refunds not yet paid back."""
    owed = (
        Refund.objects.filter(
            county=county, status__in=(RefundStatus.REQUESTED, RefundStatus.FAILED)
        ).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )
    posted = -balance(county, accounts.REFUNDS_DUE)
    if posted == owed:
        return []
    return [
        _("Refunds due are %(posted)s in the ledger but %(owed)s in unpaid refunds.")
        % {"posted": format_fen(posted), "owed": format_fen(owed)}
    ]
