"""Paying sellers: orders delivered at least a week ago become due; what is paid is what the
ledger owes the seller for them, net of any debt, from the bank (ADR 0005)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import Seller
from highland.core import audit, idempotency
from highland.core.access import home_county
from highland.core.errors import NotFound, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, Role, User
from highland.core.money import format_fen
from highland.core.permissions import allowed, require
from highland.ledger.memos import trilingual
from highland.ledger.selectors import balance
from highland.ledger.services import post_entry
from highland.orders import postings
from highland.orders.models import (
    ACTIVE_AFTERSALE_STATUSES,
    PAYOUT_MACHINE,
    Order,
    OrderStatus,
    Payout,
    PayoutStatus,
)
from highland.orders.seller_ledger import (
    SellerLedger,
    aftersale_refunds_fen,
    earned_fen,
    seller_ledger,
    seller_ledgers,
    with_earned,
)

SETTLEMENT_DELAY = dt.timedelta(days=7)

logger = logging.getLogger(__name__)


def earned_orders(county: County, *, as_of: dt.datetime) -> QuerySet[Order]:
    """Orders whose seller has earned what the ledger owes for them: delivered or
    completed at least SETTLEMENT_DELAY before `as_of`, with no after-sale request in
    progress (it may refund the buyer out of what the seller would be paid). Paid out or
    not; cooperatives settle their members from the same rule."""
    return Order.objects.filter(
        county=county,
        status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED],
        delivered_at__lte=as_of - SETTLEMENT_DELAY,
    ).exclude(aftersales__status__in=ACTIVE_AFTERSALE_STATUSES)


def due_orders(county: County, *, as_of: dt.datetime) -> QuerySet[Order]:
    """Earned orders (`earned_orders`) not yet paid out."""
    return (
        earned_orders(county, as_of=as_of).filter(payout__isnull=True).order_by("seller_id", "pk")
    )


class HoldReason(StrEnum):
    DEBT = "debt"  # the seller owes more than is due: the debt carries
    BANK = "bank"  # the bank holds less than the payout
    LEDGER = "ledger"  # an order's entries and its statement disagree
    NOTHING_DUE = "nothing_due"  # the due orders earned nothing (refunded in full)


@dataclass(frozen=True)
class HeldPayout:
    """A seller with due orders who was not paid in this run, and why, for the operator."""

    seller_id: int
    amount_fen: int
    reason: HoldReason
    message: str


@dataclass(frozen=True)
class SettlementRun:
    payouts: list[Payout]
    total_fen: int
    held: list[HeldPayout] = field(default_factory=list)
    created: bool = True  # False: a replayed request, answered with its first run


SETTLEMENT_SCOPE = "orders.settlement_run"


def _stored_run(run: SettlementRun) -> dict[str, object]:
    return {
        "payout_ids": [payout.pk for payout in run.payouts],
        "held": [
            {
                "seller_id": held.seller_id,
                "amount_fen": held.amount_fen,
                "reason": str(held.reason),
                "message": held.message,
            }
            for held in run.held
        ],
    }


def _replayed_run(body: dict[str, object]) -> SettlementRun:
    payout_ids = body["payout_ids"]
    held = body["held"]
    assert isinstance(payout_ids, list) and isinstance(held, list)
    payouts = list(Payout.objects.filter(pk__in=payout_ids).order_by("seller_id", "pk"))
    return SettlementRun(
        payouts=payouts,
        total_fen=sum(payout.amount_fen for payout in payouts),
        held=[
            HeldPayout(
                seller_id=item["seller_id"],
                amount_fen=item["amount_fen"],
                reason=HoldReason(item["reason"]),
                message=item["message"],
            )
            for item in held
        ],
        created=False,
    )


def bank_balance(county: County) -> int:
    """What the account payouts leave from holds now."""
    return balance(county, postings.PAYOUT_SOURCE)


def carried_fen(ledger: SellerLedger, unpaid_order_ids: Iterable[int]) -> int:
    """What the ledger owes the seller beyond the orders not yet paid out: negative is a
    debt (refunds after a payout), recovered from the next payouts."""
    contributed = ledger.by_order
    return ledger.owed_fen - sum(contributed.get(pk, 0) for pk in unpaid_order_ids)


@transaction.atomic
def settle_sellers(
    county: County,
    *,
    actor: User | None,
    as_of: dt.datetime | None = None,
    idempotent_request: IdempotentRequest | None = None,
) -> SettlementRun:
    """Pay every seller what the ledger owes them for their due orders, net of their debt;
    one payout and one entry per seller, from the bank, never beyond what it holds.

    A seller whose debt swallows what is due, or whose payout the bank cannot cover, is
    held (listed in the run's `held`) and their orders stay due. Idempotent by
    construction: a paid-out order carries its payout and is not due again. `actor` None
    is the scheduled run. With an idempotent request (an operator's device), repeating it
    returns the first run (`created` False) once the actor's permission holds again.
    """
    if actor is not None:
        require(actor, "orders.run_settlement", county)
    claim = None
    if idempotent_request is not None:
        if actor is None:
            raise ValueError("an idempotent settlement run needs an actor")
        claim = idempotency.claim(
            SETTLEMENT_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
        )
        if claim.replayed:
            assert isinstance(claim.record.body, dict)
            return _replayed_run(claim.record.body)
    as_of = as_of or timezone.now()
    # Lock the due orders first: a concurrent run waits here and then finds them paid out.
    due_ids = list(
        due_orders(county, as_of=as_of).select_for_update(of=("self",)).values_list("pk", flat=True)
    )
    by_seller: dict[int, list[Order]] = defaultdict(list)
    for order in with_earned(Order.objects.filter(pk__in=due_ids)).order_by("seller_id", "pk"):
        by_seller[order.seller_id].append(order)
    unpaid: dict[int, list[int]] = defaultdict(list)
    for pk, seller_id in Order.objects.filter(
        county=county, seller_id__in=list(by_seller), payout__isnull=True
    ).values_list("pk", "seller_id"):
        unpaid[seller_id].append(pk)
    ledgers = seller_ledgers(county, list(by_seller))
    bank_left = bank_balance(county)
    payouts: list[Payout] = []
    held: list[HeldPayout] = []
    for seller_id, orders in sorted(by_seller.items()):
        ledger = ledgers.get(seller_id, SellerLedger(seller_id))
        outcome = _payout_or_hold(ledger, orders, unpaid[seller_id], bank_left)
        if isinstance(outcome, HeldPayout):
            if outcome.reason != HoldReason.NOTHING_DUE:
                logger.warning("settlement held: %s", outcome.message)
                held.append(outcome)
            continue
        amount, debt_recovered = outcome
        payout = _pay(county, seller_id, orders, amount, debt_recovered, as_of=as_of, actor=actor)
        bank_left -= amount
        payouts.append(payout)
    run = SettlementRun(
        payouts=payouts, total_fen=sum(payout.amount_fen for payout in payouts), held=held
    )
    if claim is not None:
        claim.complete(body=_stored_run(run))
    return run


def _payout_or_hold(
    ledger: SellerLedger, orders: list[Order], unpaid_order_ids: list[int], bank_left: int
) -> tuple[int, int] | HeldPayout:
    """(amount, debt recovered) to pay the seller, or why nothing is paid now."""
    seller_id = ledger.seller_id
    contributed = ledger.by_order
    for order in orders:
        if contributed.get(order.pk, 0) != earned_fen(order):
            return HeldPayout(
                seller_id,
                0,
                HoldReason.LEDGER,
                _(
                    "The payout to seller S%(seller)d is held: the ledger and the statement "
                    "disagree on order %(order)s. Run verify_ledger."
                )
                % {"seller": seller_id, "order": order.number},
            )
    due = sum(contributed.get(order.pk, 0) for order in orders)
    debt = max(-carried_fen(ledger, unpaid_order_ids), 0)
    amount = due - debt
    if amount <= 0 and debt == 0:
        # Orders refunded in full earned nothing (or less, when commission was kept): they
        # stay due and are netted against the seller's next orders.
        return HeldPayout(seller_id, 0, HoldReason.NOTHING_DUE, "")
    if amount <= 0:
        return HeldPayout(
            seller_id,
            0,
            HoldReason.DEBT,
            _(
                "Seller S%(seller)d owes %(debt)s and %(due)s is now due: nothing is paid "
                "and %(left)s carries to the next payout."
            )
            % {
                "seller": seller_id,
                "debt": format_fen(debt),
                "due": format_fen(due),
                "left": format_fen(debt - due),
            },
        )
    if amount > bank_left:
        return HeldPayout(
            seller_id,
            amount,
            HoldReason.BANK,
            _(
                "The payout of %(amount)s to seller S%(seller)d is held: the bank account "
                "holds %(bank)s."
            )
            % {"amount": format_fen(amount), "seller": seller_id, "bank": format_fen(bank_left)},
        )
    return amount, debt


def _pay(
    county: County,
    seller_id: int,
    orders: list[Order],
    amount: int,
    debt_recovered: int,
    *,
    as_of: dt.datetime,
    actor: User | None,
) -> Payout:
    payout = Payout.objects.create(
        county=county,
        seller_id=seller_id,
        amount_fen=amount,
        goods_fen=sum(order.items_fen for order in orders),
        commission_fen=sum(order.commission_fen for order in orders),
        adjustment_fen=sum(order.adjustment_fen for order in orders),
        refunds_fen=sum(aftersale_refunds_fen(order) for order in orders),
        debt_recovered_fen=debt_recovered,
        order_count=len(orders),
        due_before=as_of - SETTLEMENT_DELAY,
        created_by=actor,
    )
    Order.objects.filter(pk__in=[order.pk for order in orders]).update(payout=payout)
    post_entry(
        county,
        kind="orders.settlement.paid",
        memo_code=postings.MEMO_PAYOUT_PAID,
        memo_params={
            "payout": payout.pk,
            "seller": trilingual(Seller.objects.get(pk=seller_id)),
            "count": len(orders),
        },
        lines=postings.payout_lines(seller_id=seller_id, amount_fen=amount),
        actor=actor,
        reference=payout,
    )
    audit.record(
        actor,
        "orders.payout.paid",
        payout,
        {
            "seller": seller_id,
            "amount_fen": amount,
            "debt_recovered_fen": debt_recovered,
            "orders": [order.number for order in orders],
        },
    )
    return payout


@transaction.atomic
def return_payout(payout: Payout, *, actor: User, reason: str) -> Payout:
    """The bank sent a payout back (a closed account, a wrong name): the money is in the
    bank again, the seller is owed it again, and its orders are due for the next run."""
    require(actor, "orders.run_settlement", payout.county)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Say why the bank returned the payout."), field="reason")
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    fields = PAYOUT_MACHINE.move(payout, PayoutStatus.RETURNED)
    payout.return_reason = reason[:200]
    payout.save(update_fields=[*fields, "return_reason"])
    orders = list(payout.orders.order_by("pk").values_list("number", flat=True))
    payout.orders.update(payout=None)
    post_entry(
        payout.county,
        kind="orders.settlement.returned",
        memo_code=postings.MEMO_PAYOUT_RETURNED,
        memo_params={"payout": payout.pk, "seller": trilingual(payout.seller)},
        lines=postings.payout_returned_lines(
            seller_id=payout.seller_id, amount_fen=payout.amount_fen
        ),
        actor=actor,
        reference=payout,
    )
    audit.record(
        actor,
        "orders.payout.returned",
        payout,
        {"amount_fen": payout.amount_fen, "reason": reason[:200], "orders": orders},
    )
    return payout


def may_see_seller_money(user: User, seller: Seller) -> bool:
    """Operators who run settlement, the agent representing a household seller, and the
    seller organisation's staff, managers and accountants."""
    if allowed(user, "orders.run_settlement", seller.county) or seller.represented_by_id == user.pk:
        return True
    if seller.organisation_id is None:
        return False
    return user.memberships.filter(
        organisation_id=seller.organisation_id,
        active=True,
        role__in=[Role.SELLER_STAFF, Role.COOPERATIVE_MANAGER, Role.COOPERATIVE_ACCOUNTANT],
    ).exists()


def access_seller_money(actor: User, seller_id: int) -> Seller:
    """A seller of `actor`'s county whose statements and payouts they may see (see
    `may_see_seller_money`); missing and not-yours give the same 404."""
    county = home_county(actor)
    seller = Seller.objects.filter(pk=seller_id, county=county).select_related("county").first()
    if seller is None or not may_see_seller_money(actor, seller):
        raise NotFound(_("No such seller."), field="seller_id")
    return seller


def statement_for(
    actor: User, seller_id: int, *, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, object]:
    """The statement of a seller `actor` may see, for [start, end] (default: this month
    to today), with the seller and the period; a seller they may not see is not found."""
    seller = access_seller_money(actor, seller_id)
    county = seller.county
    today = timezone.localdate()
    start = start or today.replace(day=1)
    end = end or today
    if end < start:
        raise ValidationFailed(_("The start date is after the end date."), field="start")
    statement = seller_statement(county, seller.pk, start=start, end=end)
    return {"seller": seller, "start": start, "end": end, **statement}


def seller_statement(
    county: County, seller_id: int, *, start: dt.date, end: dt.date
) -> dict[str, object]:
    """A seller's statement for [start, end]: their paid orders and payouts in the period,
    with the netting of debts (refunds after a payout) against payouts.

    Each order's after-sale refunds (refund only, or return and refund) come out of what
    the seller earned on it, as they come out of the ledger: `verify_ledger` checks that
    each order's entries credit its seller what the statement says it earned.
    `debt_carried_fen` is what the seller owes now, to be recovered from the next payouts.
    """
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    orders = list(
        with_earned(
            Order.objects.filter(
                county=county, seller_id=seller_id, paid_at__range=(start_at, end_at)
            ).exclude(status=OrderStatus.CANCELLED)
        ).order_by("paid_at", "pk")
    )
    payouts = list(
        Payout.objects.filter(
            county=county, seller_id=seller_id, created_at__range=(start_at, end_at)
        ).order_by("created_at")
    )
    for order in orders:
        order.earned_fen = earned_fen(order)  # type: ignore[attr-defined]
    unpaid = Order.objects.filter(
        county=county, seller_id=seller_id, payout__isnull=True
    ).values_list("pk", flat=True)
    carried = carried_fen(seller_ledger(county, seller_id), unpaid)
    return {
        "orders": orders,
        "payouts": payouts,
        "goods_fen": sum(order.items_fen for order in orders),
        "commission_fen": sum(order.commission_fen for order in orders),
        "adjustment_fen": sum(order.adjustment_fen for order in orders),
        "refunds_fen": sum(aftersale_refunds_fen(order) for order in orders),
        "earned_fen": sum(order.earned_fen for order in orders),  # type: ignore[attr-defined]
        "paid_out_fen": sum(payout.amount_fen for payout in payouts),
        "debt_recovered_fen": sum(payout.debt_recovered_fen for payout in payouts),
        "debt_carried_fen": max(-carried, 0),
    }
