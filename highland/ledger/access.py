"""Permission-checked fetches of ledger accounts: missing and not-yours give the same 404."""

from __future__ import annotations

from django.utils.translation import gettext as _

from highland.core.access import home_county
from highland.core.errors import NotFound
from highland.core.models import User
from highland.core.permissions import require
from highland.ledger.models import Account


def access_account(user: User, code: str) -> Account:
    """The account with this code in the person's county, if they may read the ledger."""
    county = home_county(user)
    require(user, "ledger.view_ledger", county)
    account = Account.objects.select_related("county").filter(county=county, code=code).first()
    if account is None:
        raise NotFound(_("No such account."))
    return account
