"""What the ledger must say about orders, checked by `verify_ledger` (registered in apps.py).

The payout checks read seller payables from the ledger (`seller_ledger`), never from the
formula settlement used to compute payouts from order columns, so an overpayment shows.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from highland.core.models import County
from highland.core.money import format_fen
from highland.ledger.models import Entry
from highland.ledger.selectors import balance
from highland.orders import postings
from highland.orders.models import Order, Payout, PayoutStatus
from highland.orders.seller_ledger import earned_fen, seller_ledgers, with_earned
from highland.payments.models import Payment


def paid_payments_posted(county: County) -> list[str]:
    """Every payment that was paid has its 'received' entry."""
    paid = set(
        Payment.objects.filter(county=county, paid_at__isnull=False).values_list("pk", flat=True)
    )
    posted = {
        int(reference_id)
        for reference_id in Entry.objects.filter(
            county=county, kind="payments.payment.received", reference_type="payments.payment"
        ).values_list("reference_id", flat=True)
    }
    return [
        _("Paid payment #%(payment)d has no ledger entry.") % {"payment": pk}
        for pk in sorted(paid - posted)
    ]


def bank_not_negative(county: County) -> list[str]:
    """The service centre's bank account, which payouts leave from, never holds less than
    nothing: money leaves it only after reaching it (cash handed over, transfers, gateway
    settlements)."""
    held = balance(county, postings.PAYOUT_SOURCE)
    if held >= 0:
        return []
    return [
        _("The bank account's balance is %(balance)s; more was paid from it than it holds.")
        % {"balance": format_fen(held)}
    ]


def payouts_within_credits(county: County) -> list[str]:
    """No seller was ever paid out more than was ever credited to their payable."""
    return [
        _(
            "Seller S%(seller)d was paid out %(paid)s, more than the %(credited)s ever "
            "credited to their payable."
        )
        % {
            "seller": seller_id,
            "paid": format_fen(ledger.paid_out_fen),
            "credited": format_fen(ledger.credited_fen),
        }
        for seller_id, ledger in sorted(seller_ledgers(county).items())
        if ledger.paid_out_fen > ledger.credited_fen
    ]


def payables_never_paid_below_zero(county: County) -> list[str]:
    """No payout took more than the ledger owed the seller just before it: refunds may put
    a payable in debit (the seller owes), payouts may not."""
    problems = []
    for seller_id, ledger in sorted(seller_ledgers(county).items()):
        owed = 0
        for move in ledger.moves:
            if move.payout_id is not None and owed - move.amount_fen < 0:
                problems.append(
                    _(
                        "Payout #%(payout)d paid seller S%(seller)d %(paid)s when the ledger "
                        "owed them %(owed)s."
                    )
                    % {
                        "payout": move.payout_id,
                        "seller": seller_id,
                        "paid": format_fen(move.amount_fen),
                        "owed": format_fen(owed),
                    }
                )
            owed -= move.amount_fen
    return problems


def payouts_posted_once(county: County) -> list[str]:
    """Each payout debits its seller's payable by its amount, once; a payout the bank
    returned is credited back, once."""
    posted: dict[int, list[int]] = defaultdict(list)
    for ledger in seller_ledgers(county).values():
        for move in ledger.moves:
            if move.payout_id is not None:
                posted[move.payout_id].append(move.amount_fen)
    return [
        _("Payout #%(payout)d of %(amount)s is not posted once to its seller's payable.")
        % {"payout": pk, "amount": format_fen(amount)}
        for pk, amount, status in Payout.objects.filter(county=county)
        .order_by("pk")
        .values_list("pk", "amount_fen", "status")
        if posted.get(pk) != ([amount, -amount] if status == PayoutStatus.RETURNED else [amount])
    ]


def order_entries_match_statement(county: County) -> list[str]:
    """What each order's entries credit its seller is what the statement says it earned,
    and every posting on a seller's payable is about an order or a payout."""
    ledgers = seller_ledgers(county)
    contributed = {
        order_id: amount
        for ledger in ledgers.values()
        for order_id, amount in ledger.by_order.items()
    }
    problems = []
    orders = with_earned(
        Order.objects.filter(Q(paid_at__isnull=False) | Q(pk__in=list(contributed)), county=county)
    ).order_by("pk")
    for order in orders:
        ledger_says, statement_says = contributed.get(order.pk, 0), earned_fen(order)
        if ledger_says != statement_says:
            problems.append(
                _(
                    "Order %(order)s: the ledger credits its seller %(ledger)s but the "
                    "statement says %(statement)s."
                )
                % {
                    "order": order.number,
                    "ledger": format_fen(ledger_says),
                    "statement": format_fen(statement_says),
                }
            )
    for seller_id, ledger in sorted(ledgers.items()):
        for move in ledger.unattributed():
            problems.append(
                _(
                    "Entry #%(entry)d moves %(amount)s on seller S%(seller)d's payable for no "
                    "order or payout."
                )
                % {
                    "entry": move.entry_id,
                    "amount": format_fen(move.amount_fen),
                    "seller": seller_id,
                }
            )
    return problems
