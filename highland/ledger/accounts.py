"""The chart of accounts: every account code is spelled here and nowhere else.

Codes follow Beancount (`Assets:Cash:Point:LT-S01`). Fixed accounts are constants;
accounts that belong to a party (a seller's payable, a point's cash) are made by the
functions below. `describe(code)` names an account for people, in the active language.
Money apps build their entry lines from these in their `postings.py`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Where money sits.
BANK = "Assets:Bank"  # the service centre's bank account
GATEWAY = "Assets:Gateway"  # received online, not yet settled to the bank by the gateway
CASH_AT_POINT_PREFIX = "Assets:Cash:Point:"

# What the platform owes.
BUYER_CLEARING = "Liabilities:BuyerClearing"  # received, not yet allocated to orders
REFUNDS_DUE = "Liabilities:RefundsDue"  # refunds decided, not yet paid back
SELLER_PAYABLE_PREFIX = "Liabilities:SellerPayable:S"

# What the platform earns or loses.
COMMISSION = "Income:Commission"
SHIPPING = "Income:Shipping"
CASH_OVERAGE = "Income:CashOverage"
CASH_SHORTAGE = "Expenses:CashShortage"
GATEWAY_FEES = "Expenses:GatewayFees"


def cash_at_point(point_code: str) -> str:
    """The cash drawer of one service point."""
    return f"{CASH_AT_POINT_PREFIX}{point_code}"


def seller_payable(seller_id: int) -> str:
    """What the platform owes one seller."""
    return f"{SELLER_PAYABLE_PREFIX}{seller_id}"


def seller_of(code: str) -> int | None:
    """The seller id of a seller-payable account, None for any other account."""
    if not code.startswith(SELLER_PAYABLE_PREFIX):
        return None
    rest = code.removeprefix(SELLER_PAYABLE_PREFIX)
    return int(rest) if rest.isdigit() else None


_FIXED_NAMES = {
    BANK: gettext_lazy("Service centre bank account"),
    GATEWAY: gettext_lazy("Online payments not yet settled to the bank"),
    BUYER_CLEARING: gettext_lazy("Buyers' money received, not yet allocated"),
    REFUNDS_DUE: gettext_lazy("Refunds owed to buyers"),
    COMMISSION: gettext_lazy("Commission income"),
    SHIPPING: gettext_lazy("Shipping income"),
    CASH_OVERAGE: gettext_lazy("Cash over at points"),
    CASH_SHORTAGE: gettext_lazy("Cash short at points"),
    GATEWAY_FEES: gettext_lazy("Payment gateway fees"),
}


def describe(code: str) -> str:
    """What the account is, for people, in the active language; the code if unknown."""
    if code in _FIXED_NAMES:
        return str(_FIXED_NAMES[code])
    seller_id = seller_of(code)
    if seller_id is not None:
        return _("Owed to seller #%(seller)d") % {"seller": seller_id}
    if code.startswith(CASH_AT_POINT_PREFIX):
        return _("Cash held at point %(point)s") % {
            "point": code.removeprefix(CASH_AT_POINT_PREFIX)
        }
    return code
