"""What a cooperative's produce lots earned: the seller payable, as the ledger has it, of
the packs allocated from the stock lots that came from them (ADR 0011).

A produce lot reaches stock straight (`ProduceLot.stock_lot`) or through processing runs,
whose output stock lots share their proceeds back to the run's input lots by grams used.
Each earned order's payable (the ledger's figure, checked against the statement's) is
spread over its lines by what each line earned, and each line's over its lot allocations
by the quantity not returned; largest remainder at every step, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.coops.models import (
    ProcessingInput,
    ProcessingOutput,
    ProcessingRun,
    ProduceLot,
    SettledAllocation,
    SettlementStatus,
)
from highland.core.errors import ValidationFailed
from highland.core.money import allocate
from highland.orders.models import LineLotAllocation, Order, OrderStatus
from highland.orders.seller_ledger import earned_fen, seller_ledger, with_earned
from highland.orders.settlement import earned_orders

# (produce lot id, allocation id)
Key = tuple[int, int]


@dataclass
class LotProceeds:
    """What the lots earned so far, and what of it earlier runs already counted."""

    # Each earned allocation's value, by produce lot.
    value: dict[Key, int] = field(default_factory=dict)
    # Counted by runs not discarded (excluding the run asked to be left out).
    counted: dict[Key, int] = field(default_factory=dict)
    # Stock lots of each produce lot (straight or through processing).
    stock_lots: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    # Allocations of orders not earned yet (in transit, after-sale in progress), by lot.
    pending: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    # Each lot's share of its processing runs' costs.
    processing_cost: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def new_for(self, lot_id: int) -> dict[int, int]:
        """allocation id → what is not counted yet (negative: a refund came after)."""
        keys = {key for key in self.value if key[0] == lot_id} | {
            key for key in self.counted if key[0] == lot_id
        }
        found = {}
        for key in keys:
            if key not in self.value:
                continue  # its order is not earned now (an after-sale in progress): wait
            difference = self.value[key] - self.counted.get(key, 0)
            if difference:
                found[key[1]] = difference
        return found


def _stock_lot_shares(
    lots: list[ProduceLot],
) -> tuple[dict[int, list[tuple[int, int]]], dict[int, int]]:
    """stock lot id → [(produce lot id, weight)], and each produce lot's processing cost
    (its runs' costs shared by grams, largest remainder)."""
    shares: dict[int, list[tuple[int, int]]] = {}
    cost: dict[int, int] = defaultdict(int)
    for lot in lots:
        if lot.stock_lot_id is not None:
            shares[lot.stock_lot_id] = [(lot.pk, 1)]
    run_ids = set(ProcessingInput.objects.filter(lot__in=lots).values_list("run_id", flat=True))
    inputs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for run_id, lot_id, grams in (
        ProcessingInput.objects.filter(run_id__in=run_ids)
        .order_by("run_id", "lot_id")
        .values_list("run_id", "lot_id", "grams")
    ):
        inputs[run_id].append((lot_id, int(grams)))
    for run_id, stock_lot_id in ProcessingOutput.objects.filter(run_id__in=run_ids).values_list(
        "run_id", "stock_lot_id"
    ):
        shares[stock_lot_id] = inputs[run_id]
    for run_id, run_cost in ProcessingRun.objects.filter(pk__in=run_ids).values_list(
        "pk", "processing_cost_fen"
    ):
        parts = allocate(int(run_cost), [grams for _lot, grams in inputs[run_id]])
        for (lot_id, _grams), part in zip(inputs[run_id], parts, strict=True):
            cost[lot_id] += part
    return shares, cost


def _order_line_payables(orders: list[Order], ledger_by_order: dict[int, int]) -> dict[int, int]:
    """line id → its part of its order's payable: the order's figure in the ledger spread
    over its lines by what each earned (line + weight adjustment − commission)."""
    by_line: dict[int, int] = {}
    for order in orders:
        lines = sorted(order.lines.all(), key=lambda line: line.pk)
        bases = [
            max(line.line_fen + line.adjustment_fen - line.commission_fen, 0) for line in lines
        ]
        if not any(bases):
            bases = [1] * len(lines)
        for line, part in zip(
            lines, allocate(ledger_by_order.get(order.pk, 0), bases), strict=True
        ):
            by_line[line.pk] = part
    return by_line


def lot_proceeds(
    lots: list[ProduceLot],
    *,
    seller_id: int,
    as_of: dt.datetime | None = None,
    leave_out_run_id: int | None = None,
) -> LotProceeds:
    """The proceeds of `lots` (one cooperative's, whose seller is `seller_id`) as of now.

    Raises ValidationFailed when an order's entries and its statement disagree: the
    ledger must be repaired before anyone is paid from it.
    """
    result = LotProceeds()
    if not lots:
        return result
    county = lots[0].county
    as_of = as_of or timezone.now()
    shares, result.processing_cost = _stock_lot_shares(lots)
    wanted = {lot.pk for lot in lots}
    for stock_lot_id, parts in shares.items():
        for lot_id, _weight in parts:
            if lot_id in wanted:
                result.stock_lots[lot_id].add(stock_lot_id)
    allocations = list(
        LineLotAllocation.objects.filter(lot_id__in=list(shares), county=county)
        .select_related("line__order")
        .order_by("pk")
    )
    order_ids = {allocation.line.order_id for allocation in allocations}
    earned_ids = set(
        earned_orders(county, as_of=as_of).filter(pk__in=order_ids).values_list("pk", flat=True)
    )
    earned = list(with_earned(Order.objects.filter(pk__in=earned_ids)).prefetch_related("lines"))
    ledger_by_order = seller_ledger(county, seller_id).by_order
    for order in earned:
        if order.seller_id != seller_id:
            continue
        if ledger_by_order.get(order.pk, 0) != earned_fen(order):
            raise ValidationFailed(
                _(
                    "The ledger and the statement disagree on order %(order)s: run "
                    "verify_ledger and have it repaired before settling."
                )
                % {"order": order.number},
                code="ledger_disagrees",
            )
    line_payable = _order_line_payables(
        [order for order in earned if order.seller_id == seller_id], ledger_by_order
    )
    # Every allocation of an earned line, so a line packed from two lots is split right.
    line_allocations: dict[int, list[LineLotAllocation]] = defaultdict(list)
    for allocation in LineLotAllocation.objects.filter(line_id__in=list(line_payable)).order_by(
        "pk"
    ):
        line_allocations[allocation.line_id].append(allocation)
    allocation_value: dict[int, int] = {}
    for line_id, line_parts in line_allocations.items():
        kept = [allocation.quantity - allocation.returned for allocation in line_parts]
        # The refund of returned goods already came out of the line's payable: what is
        # left belongs to the goods kept (all of it, if everything came back).
        weights = kept if any(kept) else [allocation.quantity for allocation in line_parts]
        for allocation, part in zip(
            line_parts, allocate(line_payable[line_id], weights), strict=True
        ):
            allocation_value[allocation.pk] = part
    for allocation in allocations:
        order = allocation.line.order
        parts = shares[allocation.lot_id]
        if allocation.pk not in allocation_value:
            if order.status != OrderStatus.CANCELLED and order.pk not in earned_ids:
                for lot_id, _weight in parts:
                    if lot_id in wanted:
                        result.pending[lot_id] += 1
            continue
        split = allocate(allocation_value[allocation.pk], [weight for _lot, weight in parts])
        for (lot_id, _weight), part in zip(parts, split, strict=True):
            if lot_id in wanted:
                result.value[(lot_id, allocation.pk)] = part
    counted = SettledAllocation.objects.filter(settlement_lot__lot__in=lots).exclude(
        settlement_lot__run__status=SettlementStatus.DISCARDED
    )
    if leave_out_run_id is not None:
        counted = counted.exclude(settlement_lot__run_id=leave_out_run_id)
    for lot_id, allocation_id, amount in (
        counted.values("settlement_lot__lot_id", "allocation_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("settlement_lot__lot_id", "allocation_id", "total")
    ):
        result.counted[(lot_id, allocation_id)] = int(amount)
    return result
