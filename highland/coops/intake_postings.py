"""The ledger side of intake: the cash advance paid to a member when their produce is
weighed, its memo, and the invariant `verify_ledger` checks for it."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from highland.core.models import County
from highland.core.money import format_fen
from highland.ledger import accounts
from highland.ledger.memos import Memo

Line = tuple[str, int]

ADVANCE_KIND = "coops.intake.advance_paid"
MEMO_ADVANCE = "coops.intake.advance"

MEMOS = {
    MEMO_ADVANCE: Memo(
        gettext_lazy("Cash advance on intake %(check_code)s to member %(member)s"),
        ("check_code", "member"),
    ),
}


def advance_lines(*, member_id: int, point_code: str, amount_fen: int) -> list[Line]:
    """Cash leaves the point's drawer; the member owes it back from their next settlement."""
    if amount_fen <= 0:
        raise ValueError("an advance is more than zero")
    return [
        (accounts.member_advance(member_id), amount_fen),
        (accounts.cash_at_point(point_code), -amount_fen),
    ]


def intake_advances_posted(county: County) -> list[str]:
    """For every member, the advances written on their intakes equal the debits intake
    entries posted to their advance account: no advance paid off the books, none booked
    twice."""
    from highland.coops.models import Intake
    from highland.ledger.models import Posting

    on_intakes: dict[int, int] = defaultdict(int)
    for row in (
        Intake.objects.filter(county=county, advance_fen__gt=0)
        .values("member_id")
        .annotate(total=Sum("advance_fen"))
    ):
        on_intakes[row["member_id"]] = row["total"]
    in_ledger: dict[int, int] = defaultdict(int)
    for row in (
        Posting.objects.filter(
            entry__county=county,
            entry__kind=ADVANCE_KIND,
            amount_fen__gt=0,
            account__code__startswith=accounts.MEMBER_ADVANCE_PREFIX,
        )
        .values("account__code")
        .annotate(total=Sum("amount_fen"))
    ):
        member_id = accounts.member_of(row["account__code"])
        if member_id is not None:
            in_ledger[member_id] += row["total"]
    return [
        _("Member #%(member)s: intakes advanced %(intakes)s, the ledger shows %(ledger)s.")
        % {
            "member": member_id,
            "intakes": format_fen(on_intakes.get(member_id, 0)),
            "ledger": format_fen(in_ledger.get(member_id, 0)),
        }
        for member_id in sorted(set(on_intakes) | set(in_ledger))
        if on_intakes.get(member_id, 0) != in_ledger.get(member_id, 0)
    ]
