"""End-of-day cash at a service point: count, post any difference, hand over to the bank."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.core import audit, idempotency
from highland.core.errors import ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import User
from highland.core.permissions import require
from highland.ledger.memos import trilingual
from highland.ledger.selectors import balance
from highland.ledger.services import post_entry
from highland.network.models import ServicePoint
from highland.payments import postings
from highland.payments.models import CashReconciliation
from highland.payments.postings import (
    cash_handover_lines,
    cash_overage_lines,
    cash_shortage_lines,
)
from highland.payments.services import cash_account


def expected_cash(point: ServicePoint) -> int:
    """What the ledger says the point holds: cash collected − refunded − handed over."""
    return balance(point.county, cash_account(point))


@transaction.atomic
def reconcile_cash(
    point: ServicePoint,
    *,
    actor: User,
    counted_fen: int,
    handed_over_fen: int,
    note: str = "",
    business_date: dt.date | None = None,
) -> CashReconciliation:
    """Record the day's count. A difference is posted as shortage or overage (with a note
    required), then the handed-over cash moves from the point to the bank."""
    require(actor, "payments.reconcile_cash", point)
    errors: dict[str, list[str]] = {}
    if counted_fen < 0:
        errors["counted_fen"] = [_("The count cannot be negative.")]
    if handed_over_fen < 0 or handed_over_fen > max(counted_fen, 0):
        errors["handed_over_fen"] = [_("Hand over at most what was counted.")]
    if errors:
        raise ValidationFailed(_("Please correct the cash count."), errors=errors)
    expected = expected_cash(point)
    difference = counted_fen - expected
    if difference and not note.strip():
        raise ValidationFailed(_("The count differs from what is expected: say why."), field="note")
    try:
        with transaction.atomic():
            record = CashReconciliation.objects.create(
                county=point.county,
                point=point,
                counted_by=actor,
                business_date=business_date or timezone.localdate(),
                expected_fen=expected,
                counted_fen=counted_fen,
                handed_over_fen=handed_over_fen,
                note=note.strip()[:200],
            )
    except IntegrityError as error:
        raise ValidationFailed(
            _("This point's cash was already counted today."), code="already_counted"
        ) from error
    point_name = trilingual(point)
    if difference < 0:
        post_entry(
            point.county,
            kind="payments.cash.shortage",
            memo_code=postings.MEMO_CASH_SHORTAGE,
            memo_params={"point": point_name},
            lines=cash_shortage_lines(point_code=point.code, shortage_fen=-difference),
            actor=actor,
            reference=record,
        )
    elif difference > 0:
        post_entry(
            point.county,
            kind="payments.cash.overage",
            memo_code=postings.MEMO_CASH_OVERAGE,
            memo_params={"point": point_name},
            lines=cash_overage_lines(point_code=point.code, overage_fen=difference),
            actor=actor,
            reference=record,
        )
    if handed_over_fen:
        post_entry(
            point.county,
            kind="payments.cash.handed_over",
            memo_code=postings.MEMO_CASH_HANDED_OVER,
            memo_params={"point": point_name},
            lines=cash_handover_lines(point_code=point.code, amount_fen=handed_over_fen),
            actor=actor,
            reference=record,
        )
    audit.record(
        actor,
        "payments.cash.reconciled",
        record,
        {
            "expected_fen": expected,
            "counted_fen": counted_fen,
            "handed_over_fen": handed_over_fen,
        },
    )
    return record


CASH_COUNT_SCOPE = "payments.cash_count"


@dataclass(frozen=True)
class CashCountResult:
    record: CashReconciliation
    created: bool  # False: a replayed request, answered with its first count


@transaction.atomic
def count_cash(
    point: ServicePoint,
    *,
    actor: User,
    counted_fen: int,
    handed_over_fen: int,
    note: str = "",
    idempotent_request: IdempotentRequest,
) -> CashCountResult:
    """`reconcile_cash` for a device that may send the same count twice (a dropped
    connection): the same request with the same key returns the first count once the
    actor's permission holds again; the same key for another count is a 409."""
    require(actor, "payments.reconcile_cash", point)
    claim = idempotency.claim(
        CASH_COUNT_SCOPE, caller=idempotency.caller_of(actor), request=idempotent_request
    )
    if claim.replayed:
        return CashCountResult(claim.stored_object(CashReconciliation), created=False)
    record = reconcile_cash(
        point, actor=actor, counted_fen=counted_fen, handed_over_fen=handed_over_fen, note=note
    )
    claim.complete(obj=record)
    return CashCountResult(record, created=True)
