"""What `verify_ledger` checks of member settlement: every paid run's entry moved exactly
its shares, and no member was ever paid more than they were owed."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from highland.coops.models import SettlementRun, SettlementStatus
from highland.coops.services.settlement import account_family
from highland.core.models import County
from highland.core.money import format_fen
from highland.ledger import accounts
from highland.ledger.models import Posting
from highland.ledger.selectors import balances


def paid_runs_posted(county: County) -> list[str]:
    """Each paid run's entry debits the cooperative's payable by Σ of its shares and
    credits each member's advance and payable by what their share recovered and owes."""
    reference = SettlementRun._meta.label_lower
    posted: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run_id, code, amount in Posting.objects.filter(
        entry__county=county,
        entry__reference_type=reference,
        entry__kind="coops.settlement.paid",
    ).values_list("entry__reference_id", "account__code", "amount_fen"):
        posted[int(run_id)][code] += int(amount)
    problems = []
    runs = SettlementRun.objects.filter(county=county, status=SettlementStatus.PAID).order_by("pk")
    for run in runs.prefetch_related("shares"):
        expected: dict[str, int] = defaultdict(int)
        for share in run.shares.all():
            recovered = share.share_fen - share.payable_fen
            if recovered:
                expected[accounts.member_advance(share.member_id)] -= recovered
            if share.payable_fen:
                expected[accounts.member_payable(share.member_id)] -= share.payable_fen
        total = -sum(expected.values())
        got = {code: amount for code, amount in posted.get(run.pk, {}).items() if amount}
        want = {code: amount for code, amount in expected.items() if amount}
        if total:
            want = {**want, **{code: total for code in got if accounts.seller_of(code)}}
        if got != want or (total and not any(accounts.seller_of(code) for code in got)):
            problems.append(
                _("Settlement run %(run)s: its entry does not move its shares (%(total)s).")
                % {"run": run.number, "total": format_fen(total)}
            )
    return problems


def member_payables_not_negative(county: County) -> list[str]:
    """A member payable is a credit: a debit balance means a member was paid more than
    they were owed."""
    return [
        _("%(account)s is overdrawn by %(amount)s.")
        % {"account": code, "amount": format_fen(amount)}
        for code, amount in balances(county, account_family(accounts.MEMBER_PAYABLE_PREFIX)).items()
        if amount > 0
    ]
