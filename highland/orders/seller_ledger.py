"""What the ledger says each seller is owed, and what each order contributed to it.

Settlement pays from these figures and `verify_ledger` checks them; neither recomputes
them from order columns. An entry is attributed to an order through its reference: the
order itself, its after-sale, or its payment or refund (a checkout has at most one order
per seller, so a payment and a seller's payable name one order). Payout entries reference
their payout; a reversal is attributed as the entry it reverses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from highland.core.models import County
from highland.ledger import accounts
from highland.ledger.models import Entry, Posting
from highland.orders.models import AfterSale, AfterSaleStatus, Order, OrderStatus, Payout
from highland.payments.models import Payment, Refund

ORDER_REFERENCE = Order._meta.label_lower
AFTERSALE_REFERENCE = AfterSale._meta.label_lower
PAYMENT_REFERENCE = Payment._meta.label_lower
REFUND_REFERENCE = Refund._meta.label_lower
PAYOUT_REFERENCE = Payout._meta.label_lower
ENTRY_REFERENCE = Entry._meta.label_lower


# Entries of other apps that pay a seller's payable out to someone else, by the label of
# the model they reference (a cooperative's settlement run pays its members from the
# cooperative's payable): known withdrawals, not unexplained postings.
PAYABLE_WITHDRAWALS: set[str] = set()


def register_payable_withdrawal(reference_type: str) -> None:
    """Called from an app's ready(): entries referencing `reference_type` (a model label,
    "coops.settlementrun") take money out of a seller's payable on the seller's behalf."""
    PAYABLE_WITHDRAWALS.add(reference_type)


@dataclass(frozen=True)
class PayableMove:
    """One posting on a seller's payable, in the order postings take effect."""

    entry_id: int
    amount_fen: int  # debits positive: a credit (negative) is money owed to the seller
    order_id: int | None
    payout_id: int | None
    withdrawal: bool = False  # an entry of PAYABLE_WITHDRAWALS


@dataclass
class SellerLedger:
    """A seller's payable as the ledger has it. Amounts owed to the seller are positive."""

    seller_id: int
    moves: list[PayableMove] = field(default_factory=list)

    @property
    def owed_fen(self) -> int:
        """What the ledger owes the seller now; negative when the seller owes the platform."""
        return -sum(move.amount_fen for move in self.moves)

    @property
    def by_order(self) -> dict[int, int]:
        """What each order contributed to what the seller is owed."""
        contributed: dict[int, int] = defaultdict(int)
        for move in self.moves:
            if move.order_id is not None:
                contributed[move.order_id] -= move.amount_fen
        return dict(contributed)

    @property
    def credited_fen(self) -> int:
        """Every credit ever made to the payable (what the seller was ever owed)."""
        # A payout the bank returned credits the payable back: that is no new earning.
        return -sum(
            move.amount_fen for move in self.moves if move.amount_fen < 0 and move.payout_id is None
        )

    @property
    def paid_out_fen(self) -> int:
        """What payouts took from the payable, net of payouts the bank returned."""
        return sum(move.amount_fen for move in self.moves if move.payout_id is not None)

    def unattributed(self) -> list[PayableMove]:
        """Postings neither about an order nor a payout: nothing can explain them."""
        return [
            move
            for move in self.moves
            if move.order_id is None and move.payout_id is None and not move.withdrawal
        ]


def seller_ledgers(
    county: County, seller_ids: Iterable[int] | None = None
) -> dict[int, SellerLedger]:
    """The payables of the county's sellers (or of `seller_ids`), by seller id."""
    codes = Q(account__code__startswith=accounts.SELLER_PAYABLE_PREFIX)
    if seller_ids is not None:
        codes = Q(account__code__in=[accounts.seller_payable(pk) for pk in seller_ids])
    rows = list(
        Posting.objects.filter(codes, entry__county=county)
        .order_by("entry__occurred_at", "entry_id", "id")
        .values_list(
            "entry_id",
            "account__code",
            "amount_fen",
            "entry__reference_type",
            "entry__reference_id",
        )
    )
    references = _Attribution(county, [(kind, key) for *_rest, kind, key in rows])
    ledgers: dict[int, SellerLedger] = {}
    for entry_id, code, amount, reference_type, reference_id in rows:
        seller_id = accounts.seller_of(code)
        if seller_id is None:
            continue
        order_id, payout_id = references.resolve(reference_type, reference_id, seller_id)
        ledgers.setdefault(seller_id, SellerLedger(seller_id)).moves.append(
            PayableMove(
                entry_id,
                int(amount),
                order_id,
                payout_id,
                withdrawal=reference_type in PAYABLE_WITHDRAWALS,
            )
        )
    return ledgers


def seller_ledger(county: County, seller_id: int) -> SellerLedger:
    return seller_ledgers(county, [seller_id]).get(seller_id, SellerLedger(seller_id))


class _Attribution:
    """Resolves entry references to orders and payouts in a few queries."""

    def __init__(self, county: County, references: list[tuple[str, str]]) -> None:
        wanted: dict[str, set[int]] = defaultdict(set)
        for kind, key in references:
            if key.isdigit():
                wanted[kind].add(int(key))
        # A reversal is about what the reversed entry was about.
        self.reversed: dict[int, tuple[str, str]] = {
            pk: (kind, key)
            for pk, kind, key in Entry.objects.filter(
                county=county, pk__in=wanted[ENTRY_REFERENCE]
            ).values_list("pk", "reference_type", "reference_id")
        }
        for kind, key in self.reversed.values():
            if key.isdigit():
                wanted[kind].add(int(key))
        self.aftersale_order = dict(
            AfterSale.objects.filter(pk__in=wanted[AFTERSALE_REFERENCE]).values_list(
                "pk", "order_id"
            )
        )
        self.refund_payment = dict(
            Refund.objects.filter(pk__in=wanted[REFUND_REFERENCE]).values_list("pk", "payment_id")
        )
        payment_ids = wanted[PAYMENT_REFERENCE] | set(self.refund_payment.values())
        self.order_by_payment_seller = {
            (payment_id, seller_id): pk
            for pk, payment_id, seller_id in Order.objects.filter(
                payment_id__in=payment_ids
            ).values_list("pk", "payment_id", "seller_id")
        }
        self.payouts = set(
            Payout.objects.filter(pk__in=wanted[PAYOUT_REFERENCE]).values_list("pk", flat=True)
        )

    def resolve(
        self, kind: str, key: str, seller_id: int, *, depth: int = 0
    ) -> tuple[int | None, int | None]:
        """(order id, payout id) an entry reference stands for; (None, None) if neither."""
        if not key.isdigit():
            return None, None
        pk = int(key)
        if kind == ORDER_REFERENCE:
            return pk, None
        if kind == PAYOUT_REFERENCE and pk in self.payouts:
            return None, pk
        if kind == AFTERSALE_REFERENCE:
            return self.aftersale_order.get(pk), None
        if kind == REFUND_REFERENCE and pk in self.refund_payment:
            return self.order_by_payment_seller.get((self.refund_payment[pk], seller_id)), None
        if kind == PAYMENT_REFERENCE:
            return self.order_by_payment_seller.get((pk, seller_id)), None
        if kind == ENTRY_REFERENCE and pk in self.reversed and depth == 0:
            return self.resolve(*self.reversed[pk], seller_id, depth=1)
        return None, None


def with_earned(orders: QuerySet[Order]) -> QuerySet[Order]:
    """`orders` annotated with `aftersale_refunds_fen`: what after-sales refunded on each."""
    return orders.annotate(
        aftersale_refunds_fen=Coalesce(
            Sum("aftersales__amount_fen", filter=Q(aftersales__status=AfterSaleStatus.REFUNDED)),
            0,
        )
    )


def earned_fen(order: Order) -> int:
    """What the statement says the order earned its seller: goods − commission ± weight −
    after-sale refunds; nothing for an unpaid or cancelled order. `order` comes from
    `with_earned`."""
    if order.paid_at is None or order.status == OrderStatus.CANCELLED:
        return 0
    return (
        order.items_fen - order.commission_fen + order.adjustment_fen - aftersale_refunds_fen(order)
    )


def aftersale_refunds_fen(order: Order) -> int:
    """What after-sales refunded on `order` (from `with_earned`)."""
    return int(order.aftersale_refunds_fen)  # type: ignore[attr-defined]
