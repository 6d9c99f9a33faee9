"""Ground for settlement tests, made with the ORM (intakes, lots, stock lots, line
allocations) and the real order services (a delivered order credits the cooperative's
seller payable in the ledger), so these tests do not depend on the intake and packing
parts being built beside them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

from django.db.models import F
from django.utils import timezone

from highland.catalog.models import LotOrigin, Sku, StockLot
from highland.coops.intake_postings import ADVANCE_KIND, MEMO_ADVANCE, advance_lines
from highland.coops.models import (
    Intake,
    LotStatus,
    Member,
    ProcessingInput,
    ProcessingOutput,
    ProcessingRun,
    ProduceLot,
)
from highland.ledger import accounts
from highland.ledger.services import post_entry
from highland.orders import aftersales, services
from highland.orders.models import LineLotAllocation, Order, OrderStatus

JERKY = "LT-YJ-100"  # the yak cooperative's ¥39.80 pack
_codes = itertools.count(1)


def stock_lot(coop: Any, *, quantity: int, origin: str = LotOrigin.COOP_LOT) -> StockLot:
    sku = Sku.objects.get(code=JERKY)
    number = next(_codes)
    return StockLot.objects.create(
        county=coop.county,
        sku=sku,
        code=f"T-SL-{number}",
        received_quantity=quantity,
        on_hand=quantity,
        received_on=timezone.localdate(),
        origin=origin,
    )


def advance(coop: Any, member: Member, amount_fen: int) -> None:
    """Cash advanced to a member at their point (what intake posts)."""
    post_entry(
        coop.county,
        kind=ADVANCE_KIND,
        memo_code=MEMO_ADVANCE,
        memo_params={"check_code": "TEST", "member": member.number},
        lines=advance_lines(
            member_id=member.pk, point_code=member.point.code, amount_fen=amount_fen
        ),
        actor=coop.manager,
    )


def produce_lot(
    coop: Any,
    intakes: Sequence[tuple[Member, int, str] | tuple[Member, int, str, int]],
    *,
    status: str = LotStatus.STOCKED,
    stocked: int | None = 10,
    logistics_fen: int = 0,
    post_advances: bool = True,
) -> ProduceLot:
    """A lot of yak meat with `intakes` (member, net grams, grade code, [advance fen]),
    received into a stock lot of `stocked` jerky packs (None: not stocked)."""
    number = next(_codes)
    lot = ProduceLot.objects.create(
        county=coop.county,
        cooperative=coop.cooperative,
        code=f"T-PL-{number}",
        produce=coop.yak,
        grade_code="A",
        collected_on=timezone.localdate() - dt.timedelta(days=30),
        status=status,
        stock_lot=stock_lot(coop, quantity=stocked) if stocked is not None else None,
        logistics_cost_fen=logistics_fen,
        created_by=coop.manager,
    )
    for member, net_g, grade, *rest in intakes:
        advance_fen = rest[0] if rest else 0
        made = Intake.objects.create(
            county=coop.county,
            cooperative=coop.cooperative,
            member=member,
            produce=coop.yak,
            grade=coop.grades[grade],
            factor_bp=coop.grades[grade].factor_bp,
            gross_g=net_g + 500,
            tare_g=500,
            net_g=net_g,
            point=member.point,
            recorded_at=timezone.now() - dt.timedelta(days=31),
            recorded_by=coop.manager,
            check_code=f"T{next(_codes):07d}",
            advance_fen=advance_fen,
            lot=lot,
        )
        if advance_fen and post_advances:
            advance(coop, member, advance_fen)
        assert made.pk
    return lot


def processing_run(
    coop: Any, inputs: Sequence[tuple[ProduceLot, int]], *, outputs: int, cost_fen: int
) -> tuple[ProcessingRun, StockLot]:
    run = ProcessingRun.objects.create(
        county=coop.county,
        cooperative=coop.cooperative,
        code=f"T-PR-{next(_codes)}",
        ran_on=timezone.localdate(),
        processing_cost_fen=cost_fen,
        created_by=coop.manager,
    )
    for lot, grams in inputs:
        ProcessingInput.objects.create(county=coop.county, run=run, lot=lot, grams=grams)
        ProduceLot.objects.filter(pk=lot.pk).update(status=LotStatus.PROCESSED)
    made = stock_lot(coop, quantity=outputs, origin=LotOrigin.PROCESSING_RUN)
    ProcessingOutput.objects.create(county=coop.county, run=run, stock_lot=made)
    return run, made


def sell(
    coop: Any,
    order_factory: Any,
    lots: Sequence[tuple[StockLot, int]],
    *,
    days_ago: int = 8,
    deliver: bool = True,
) -> Order:
    """A paid order of jerky packed from `lots` (stock lot, packs), delivered `days_ago`
    days ago (long enough for the seller's payable to be earned)."""
    quantity = sum(count for _lot, count in lots)
    order = order_factory.paid([(JERKY, quantity)])
    operator = order_factory.demo.user("operator")
    services.pack_order(order, {}, actor=operator)
    line = order.lines.get()
    # Packing took the packs first-expiry-first-out; these tests name the lots (several
    # for one line), so that allocation is put back and theirs recorded instead.
    for allocation in LineLotAllocation.objects.filter(line=line):
        StockLot.objects.filter(pk=allocation.lot_id).update(
            on_hand=F("on_hand") + allocation.quantity
        )
        allocation.delete()
    for lot, count in lots:
        LineLotAllocation.objects.create(county=coop.county, line=line, lot=lot, quantity=count)
        StockLot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") - count)
        lot.refresh_from_db()
    if deliver:
        services.advance_order(order, OrderStatus.SHIPPED, actor=operator)
        services.advance_order(order, OrderStatus.DELIVERED, actor=operator)
        Order.objects.filter(pk=order.pk).update(
            delivered_at=timezone.now() - dt.timedelta(days=days_ago)
        )
    return Order.objects.get(pk=order.pk)


def refund(coop: Any, order: Order, amount_fen: int) -> None:
    """The buyer asks for part of the money back and the cooperative accepts: the refund
    comes out of the cooperative's seller payable."""
    request = aftersales.open_aftersale(
        order,
        actor=order.buyer,
        kind="refund_only",
        reason="damaged",
        description="破了",
        amount_fen=amount_fen,
    )
    aftersales.accept_aftersale(request, actor=coop.manager)


def payable_owed(coop: Any) -> int:
    from highland.ledger.selectors import balance

    return -balance(coop.county, accounts.seller_payable(coop.seller.pk))
