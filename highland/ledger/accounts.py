"""The chart of accounts: every account code is spelled here and nowhere else.

Codes follow Beancount (`Assets:Cash:Point:LT-S01`). Fixed accounts are constants;
accounts that belong to a party (a seller's payable, a point's cash) are made by the
functions below. `describe(code)` names an account for people, in the active language;
`describe_all` names many at once, with the party's own name (a seller, a service point)
from the apps that own them, registered in `PARTY_NAMES`.
Money apps build their entry lines from these in their `postings.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from highland.core.hooks import Hook
from highland.core.models import County

# Given a county and account codes, the name of each code's party in the active language
# (the codes it knows; others are left out). Apps that own the parties register here.
PartyNames = Callable[[County, Collection[str]], dict[str, str]]
PARTY_NAMES: Hook[PartyNames] = Hook("ledger account party names")

# Where money sits.
BANK = "Assets:Bank"  # the service centre's bank account
GATEWAY = "Assets:Gateway"  # received online, not yet settled to the bank by the gateway
CASH_AT_POINT_PREFIX = "Assets:Cash:Point:"

# What the platform owes.
BUYER_CLEARING = "Liabilities:BuyerClearing"  # received, not yet allocated to orders
REFUNDS_DUE = "Liabilities:RefundsDue"  # refunds decided, not yet paid back
SELLER_PAYABLE_PREFIX = "Liabilities:SellerPayable:S"
# What the platform owes a cooperative's member household (their settled shares and
# surplus, until paid out), and advances paid to a member in cash, recovered from their
# next settlement: the balance left on it is the member's debt carried forward.
MEMBER_PAYABLE_PREFIX = "Liabilities:MemberPayable:M"
MEMBER_ADVANCE_PREFIX = "Assets:MemberAdvance:M"

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


def member_payable(member_id: int) -> str:
    """What the platform owes one cooperative member household."""
    return f"{MEMBER_PAYABLE_PREFIX}{member_id}"


def member_advance(member_id: int) -> str:
    """Advances paid to one member household, not yet recovered from a settlement."""
    return f"{MEMBER_ADVANCE_PREFIX}{member_id}"


def member_of(code: str) -> int | None:
    """The member id of a member payable or advance account, None for any other account."""
    for prefix in (MEMBER_PAYABLE_PREFIX, MEMBER_ADVANCE_PREFIX):
        if code.startswith(prefix):
            rest = code.removeprefix(prefix)
            return int(rest) if rest.isdigit() else None
    return None


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


def point_of(code: str) -> str | None:
    """The service point code of a point's cash account, None for any other account."""
    if not code.startswith(CASH_AT_POINT_PREFIX):
        return None
    return code.removeprefix(CASH_AT_POINT_PREFIX) or None


def describe(code: str, party: str = "") -> str:
    """What the account is, for people, in the active language; the code if unknown.

    `party` is the name of the account's seller or point in the reader's language, when
    the caller knows it (see `describe_all`).
    """
    if code in _FIXED_NAMES:
        return str(_FIXED_NAMES[code])
    seller_id = seller_of(code)
    if seller_id is not None:
        if party:
            return _("Owed to seller %(seller)s") % {"seller": party}
        return _("Owed to seller #%(seller)d") % {"seller": seller_id}
    member_id = member_of(code)
    if member_id is not None:
        who = party or f"#{member_id}"
        if code.startswith(MEMBER_PAYABLE_PREFIX):
            return _("Owed to member %(member)s") % {"member": who}
        return _("Advances to member %(member)s, not yet recovered") % {"member": who}
    point = point_of(code)
    if point is not None:
        return _("Cash held at point %(point)s") % {"point": party or point}
    return code


def describe_all(county: County, codes: Collection[str]) -> dict[str, str]:
    """Each account's name for people, with its party's name, in the active language.

    One query per kind of party, whatever the number of codes.
    """
    parties: dict[str, str] = {}
    wanted = set(codes)
    for names in PARTY_NAMES.values():
        parties.update(names(county, wanted))
    return {code: describe(code, parties.get(code, "")) for code in wanted}
