"""Gateway settlements: the money the gateway pays into the service centre's bank, in the books.

Online receipts sit in `accounts.GATEWAY` until the gateway settles them. Each day's
settlement report (fetched outside any transaction) is split by county, since one merchant
account serves every county; each county's share of a batch is posted once
(`Dr BANK, Dr GATEWAY_FEES / Cr GATEWAY`, idempotent on the batch id) and reconciled:
every settled payment and refund must be in the ledger with the same amount, and every
online receipt and refund the ledger has for the day must be in a settled batch. What
disagrees is recorded as a `SettlementDiscrepancy` for an operator to look into; the
money is posted as the gateway paid it, because that is what reached the bank.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit
from highland.core.errors import DomainError
from highland.core.models import County, User
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.models import Posting
from highland.ledger.services import post_entry
from highland.payments import postings
from highland.payments.gateway import GatewayError, SettledItem, SettlementBatch
from highland.payments.models import (
    DiscrepancyKind,
    GatewaySettlement,
    GatewaySettlementItem,
    Payment,
    PaymentMethod,
    Refund,
    SettledItemKind,
    SettlementDiscrepancy,
)
from highland.payments.postings import gateway_settlement_lines
from highland.payments.services import gateway_client

logger = logging.getLogger(__name__)

# The scheduled job looks this many days back, so a day missed while the gateway was
# down is imported on the next run.
RECENT_DAYS = 3
PAYMENT_REFERENCE = Payment._meta.label_lower
REFUND_REFERENCE = Refund._meta.label_lower


class SettlementReportUnavailable(DomainError):
    """The gateway did not answer for its settlement report; nothing was imported."""

    status_code = 503
    code = "gateway_unavailable"


@dataclass
class ImportResult:
    """What one import added: settlements posted and discrepancies found (new ones only)."""

    settlements: list[GatewaySettlement] = field(default_factory=list)
    discrepancies: list[SettlementDiscrepancy] = field(default_factory=list)

    def extend(self, other: ImportResult) -> None:
        self.settlements += other.settlements
        self.discrepancies += other.discrepancies


def fetch_settlement_batches(settle_date: dt.date) -> list[SettlementBatch]:
    """The gateway's batches for `settle_date`. Never call inside a transaction: a slow
    gateway must not hold database locks."""
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("the gateway's settlement report is fetched outside transactions")
    try:
        return gateway_client().settlements(settle_date)
    except GatewayError as error:
        logger.warning("gateway settlement report for %s failed: %s", settle_date, error)
        raise SettlementReportUnavailable(
            _("The payment gateway did not send its settlement report: %(error)s")
            % {"error": error.message or error.code}
        ) from error


def import_gateway_settlements(
    settle_date: dt.date, *, actor: User | None, county: County | None = None
) -> ImportResult:
    """Fetch the gateway's report for `settle_date` and post and reconcile it.

    An operator (`actor`) imports their own county's share; the scheduled job (`actor`
    None, `county` None) imports every county's. Importing again changes nothing.
    """
    if actor is not None:
        if county is None:
            raise ValueError("an operator imports their own county's settlements")
        require(actor, "payments.import_gateway_settlements", county)
    batches = fetch_settlement_batches(settle_date)
    result = ImportResult()
    for batch in batches:
        result.extend(record_settlement_batch(batch, actor=actor, county=county))
    today = timezone.localdate()
    if batches or settle_date < today - dt.timedelta(days=1):
        counties = [county] if county is not None else _counties_with_gateway_money(settle_date)
        for each in counties:
            result.discrepancies += record_unsettled(each, settle_date)
    return result


def import_recent_gateway_settlements(*, days: int = RECENT_DAYS) -> ImportResult:
    """The scheduled job: every county's settlements of the last `days` days before today."""
    today = timezone.localdate()
    result = ImportResult()
    for back in range(days, 0, -1):
        result.extend(import_gateway_settlements(today - dt.timedelta(days=back), actor=None))
    return result


def record_settlement_batch(
    batch: SettlementBatch, *, actor: User | None, county: County | None = None
) -> ImportResult:
    """Post and reconcile each county's share of `batch` (only `county`'s if given)."""
    result = ImportResult()
    if not _adds_up(batch):
        with transaction.atomic():
            found = _discrepancy(
                None,
                DiscrepancyKind.REPORT_DOES_NOT_ADD_UP,
                batch,
                gateway_fen=batch.net_fen,
                ledger_fen=None,
            )
        result.discrepancies += found
        return result
    payments = {
        payment.out_trade_no: payment
        for payment in Payment.objects.filter(
            out_trade_no__in=[item.out_trade_no for item in batch.items],
            method=PaymentMethod.GATEWAY,
        ).select_related("county")
    }
    refunds = {
        refund.out_refund_no: refund
        for refund in Refund.objects.filter(
            out_refund_no__in=[item.out_refund_no for item in batch.items if item.out_refund_no]
        ).select_related("county")
    }
    shares: dict[int, list[SettledItem]] = defaultdict(list)
    counties: dict[int, County] = {}
    unknown: list[SettledItem] = []
    for item in batch.items:
        owner = (
            payments.get(item.out_trade_no)
            if item.kind == SettledItemKind.CHARGE
            else refunds.get(item.out_refund_no or "")
        )
        if owner is None:
            unknown.append(item)
            continue
        counties[owner.county_id] = owner.county
        shares[owner.county_id].append(item)
    if unknown:
        with transaction.atomic():
            for item in unknown:
                result.discrepancies += _discrepancy(
                    None,
                    DiscrepancyKind.UNKNOWN_TRADE,
                    batch,
                    item=item,
                    gateway_fen=item.amount_fen,
                    ledger_fen=None,
                )
    for county_id, items in sorted(shares.items()):
        if county is not None and county_id != county.pk:
            continue
        result.extend(
            _record_share(counties[county_id], batch, items, payments, refunds, actor=actor)
        )
    return result


@transaction.atomic
def _record_share(
    county: County,
    batch: SettlementBatch,
    items: list[SettledItem],
    payments: dict[str, Payment],
    refunds: dict[str, Refund],
    *,
    actor: User | None,
) -> ImportResult:
    """One county's share of a batch: the settlement row, its entry, its reconciliation.
    Already imported: nothing changes."""
    charges = [item for item in items if item.kind == SettledItemKind.CHARGE]
    gross = sum(item.amount_fen for item in charges)
    fees = sum(item.fee_fen for item in charges)
    refunded = sum(item.amount_fen for item in items if item.kind == SettledItemKind.REFUND)
    try:
        with transaction.atomic():
            settlement = GatewaySettlement.objects.create(
                county=county,
                batch_id=batch.batch_id,
                settle_date=batch.settle_date,
                gross_fen=gross,
                fee_fen=fees,
                refund_fen=refunded,
                net_fen=gross - fees - refunded,
                imported_by=actor,
            )
    except IntegrityError:
        return ImportResult()  # imported before (or by a concurrent run)
    GatewaySettlementItem.objects.bulk_create(
        GatewaySettlementItem(
            settlement=settlement,
            kind=item.kind,
            out_trade_no=item.out_trade_no,
            gateway_trade_no=item.gateway_trade_no,
            out_refund_no=item.out_refund_no or "",
            amount_fen=item.amount_fen,
            fee_fen=item.fee_fen,
            settled_at=item.at,
        )
        for item in items
    )
    lines = gateway_settlement_lines(gross_fen=gross, fee_fen=fees, refund_fen=refunded)
    if lines:
        post_entry(
            county,
            kind="payments.gateway.settled",
            memo_code=postings.MEMO_GATEWAY_SETTLEMENT,
            memo_params={"batch": batch.batch_id, "date": batch.settle_date.isoformat()},
            lines=lines,
            actor=actor,
            reference=settlement,
            idempotency_key=f"gateway-settlement:{batch.batch_id}",
        )
    discrepancies = _reconcile(county, batch, items, payments, refunds)
    audit.record(
        actor,
        "payments.gateway_settlement.imported",
        settlement,
        {
            "batch_id": batch.batch_id,
            "settle_date": batch.settle_date.isoformat(),
            "gross_fen": gross,
            "fee_fen": fees,
            "refund_fen": refunded,
            "net_fen": settlement.net_fen,
            "discrepancies": len(discrepancies),
        },
        county=county,
    )
    return ImportResult(settlements=[settlement], discrepancies=discrepancies)


def _reconcile(
    county: County,
    batch: SettlementBatch,
    items: list[SettledItem],
    payments: dict[str, Payment],
    refunds: dict[str, Refund],
) -> list[SettlementDiscrepancy]:
    """Each settled payment and refund against what the ledger moved through the gateway."""
    charged = _gateway_moves(
        county, PAYMENT_REFERENCE, [payment.pk for payment in payments.values()]
    )
    refunded = _gateway_moves(county, REFUND_REFERENCE, [refund.pk for refund in refunds.values()])
    found: list[SettlementDiscrepancy] = []
    for item in items:
        if item.kind == SettledItemKind.CHARGE:
            in_ledger = charged.get(payments[item.out_trade_no].pk, 0)
        else:
            in_ledger = -refunded.get(refunds[item.out_refund_no or ""].pk, 0)
        if in_ledger == item.amount_fen:
            continue
        kind = DiscrepancyKind.NOT_IN_LEDGER if in_ledger == 0 else DiscrepancyKind.AMOUNT_DIFFERS
        found += _discrepancy(
            county, kind, batch, item=item, gateway_fen=item.amount_fen, ledger_fen=in_ledger
        )
    return found


def record_unsettled(county: County, settle_date: dt.date) -> list[SettlementDiscrepancy]:
    """The online receipts and refunds the ledger has for `settle_date` that no imported
    batch settled. (Ours are posted after the gateway's, so none belongs to a later day.)"""
    start = timezone.make_aware(dt.datetime.combine(settle_date, dt.time.min))
    end = start + dt.timedelta(days=1)
    rows = (
        Posting.objects.filter(
            entry__county=county,
            account__code=accounts.GATEWAY,
            entry__occurred_at__gte=start,
            entry__occurred_at__lt=end,
            entry__reference_type__in=[PAYMENT_REFERENCE, REFUND_REFERENCE],
        )
        .values_list("entry__reference_type", "entry__reference_id")
        .annotate(total=Sum("amount_fen"))
    )
    # A receipt reversed the same day moved nothing through the gateway.
    moves = [(kind, key, int(total)) for kind, key, total in rows if total]
    payment_ids = [int(key) for kind, key, _total in moves if kind == PAYMENT_REFERENCE]
    refund_ids = [int(key) for kind, key, _total in moves if kind == REFUND_REFERENCE]
    trade_numbers = dict(
        Payment.objects.filter(pk__in=payment_ids).values_list("pk", "out_trade_no")
    )
    refund_numbers = {
        pk: (out_trade_no, out_refund_no)
        for pk, out_trade_no, out_refund_no in Refund.objects.filter(pk__in=refund_ids).values_list(
            "pk", "payment__out_trade_no", "out_refund_no"
        )
    }
    settled = GatewaySettlementItem.objects.filter(settlement__county=county)
    settled_charges = set(
        settled.filter(
            kind=SettledItemKind.CHARGE, out_trade_no__in=trade_numbers.values()
        ).values_list("out_trade_no", flat=True)
    )
    settled_refunds = set(
        settled.filter(
            kind=SettledItemKind.REFUND,
            out_refund_no__in=[number for _trade, number in refund_numbers.values()],
        ).values_list("out_refund_no", flat=True)
    )
    found: list[SettlementDiscrepancy] = []
    with transaction.atomic():
        for kind, key, total in moves:
            pk, amount = int(key), total
            if kind == PAYMENT_REFERENCE and trade_numbers.get(pk) not in settled_charges:
                trade, refund_number = trade_numbers.get(pk, ""), ""
            elif (
                kind == REFUND_REFERENCE
                and refund_numbers.get(pk, ("", ""))[1] not in settled_refunds
            ):
                trade, refund_number = refund_numbers.get(pk, ("", ""))
                amount = -amount
            else:
                continue
            found += _discrepancy(
                county,
                DiscrepancyKind.NOT_SETTLED,
                None,
                settle_date=settle_date,
                out_trade_no=trade,
                out_refund_no=refund_number,
                gateway_fen=None,
                ledger_fen=amount,
            )
    return found


def _adds_up(batch: SettlementBatch) -> bool:
    charges = [item for item in batch.items if item.kind == SettledItemKind.CHARGE]
    refunds = [item for item in batch.items if item.kind == SettledItemKind.REFUND]
    return (
        batch.gross_fen == sum(item.amount_fen for item in charges)
        and batch.fee_fen == sum(item.fee_fen for item in charges)
        and batch.refund_fen == sum(item.amount_fen for item in refunds)
        and batch.net_fen == batch.gross_fen - batch.fee_fen - batch.refund_fen
        and all(item.amount_fen > 0 and item.fee_fen >= 0 for item in batch.items)
    )


def _gateway_moves(county: County, reference_type: str, ids: Iterable[int]) -> dict[int, int]:
    """What the ledger moved through the gateway account for each referenced object."""
    rows = (
        Posting.objects.filter(
            entry__county=county,
            account__code=accounts.GATEWAY,
            entry__reference_type=reference_type,
            entry__reference_id__in=[str(pk) for pk in ids],
        )
        .values_list("entry__reference_id")
        .annotate(total=Sum("amount_fen"))
    )
    return {int(key): int(total) for key, total in rows}


def _counties_with_gateway_money(settle_date: dt.date) -> Sequence[County]:
    start = timezone.make_aware(dt.datetime.combine(settle_date, dt.time.min))
    return list(
        County.objects.filter(
            ledger_entries__postings__account__code=accounts.GATEWAY,
            ledger_entries__occurred_at__gte=start,
            ledger_entries__occurred_at__lt=start + dt.timedelta(days=1),
        )
        .distinct()
        .order_by("pk")
    )


def _discrepancy(
    county: County | None,
    kind: str,
    batch: SettlementBatch | None,
    *,
    item: SettledItem | None = None,
    settle_date: dt.date | None = None,
    out_trade_no: str = "",
    out_refund_no: str = "",
    gateway_fen: int | None,
    ledger_fen: int | None,
) -> list[SettlementDiscrepancy]:
    """Record a discrepancy once; returns it if it is new. Call inside a transaction."""
    if item is not None:
        out_trade_no, out_refund_no = item.out_trade_no, item.out_refund_no or ""
    try:
        with transaction.atomic():
            discrepancy, created = SettlementDiscrepancy.objects.get_or_create(
                kind=kind,
                batch_id=batch.batch_id if batch is not None else "",
                out_trade_no=out_trade_no,
                out_refund_no=out_refund_no,
                defaults={
                    "county": county,
                    "settle_date": batch.settle_date if batch is not None else settle_date,
                    "gateway_fen": gateway_fen,
                    "ledger_fen": ledger_fen,
                },
            )
    except IntegrityError:
        return []  # recorded by a concurrent import
    if created:
        logger.warning("gateway settlement discrepancy: %s", discrepancy)
        return [discrepancy]
    return []
