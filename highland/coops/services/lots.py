"""Produce lots and processing runs: intakes pooled by produce, grade and collection day;
a closed lot received straight into a SKU's stock, or made into packs by processing runs
whose outputs become stock lots traced back to the produce lots they used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import LotOrigin, SellingUnit, Sku
from highland.catalog.services import receive_stock_lot
from highland.coops.models import (
    LOT_MACHINE,
    Intake,
    LotStatus,
    ProcessingInput,
    ProcessingOutput,
    ProcessingRun,
    Produce,
    ProduceLot,
)
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import Organisation, User
from highland.core.permissions import require

LOT_CODE_ATTEMPTS = 20


# --- reading lots ---------------------------------------------------------------------------


def _sum_of(queryset: QuerySet[ProcessingInput] | QuerySet[Intake], field: str) -> Subquery:
    return Subquery(
        queryset.order_by().values("lot_id").annotate(total=Sum(field)).values("total")[:1],
        output_field=IntegerField(),
    )


def lots_with_totals(cooperative: Organisation) -> QuerySet[ProduceLot]:
    """The cooperative's lots with `net_g` (intakes), `used_g` (processing runs) and
    `member_count`, as subqueries so the sums do not multiply each other."""
    return (
        ProduceLot.objects.filter(county_id=cooperative.county_id, cooperative=cooperative)
        .select_related("produce", "stock_lot__sku")
        .annotate(
            net_g=Coalesce(
                _sum_of(Intake.objects.filter(lot_id=OuterRef("pk")), "net_g"), Value(0)
            ),
            used_g=Coalesce(
                _sum_of(ProcessingInput.objects.filter(lot_id=OuterRef("pk")), "grams"), Value(0)
            ),
            member_count=Coalesce(
                Subquery(
                    Intake.objects.filter(lot_id=OuterRef("pk"))
                    .order_by()
                    .values("lot_id")
                    .annotate(count=Count("member_id", distinct=True))
                    .values("count")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
    )


def lot_net_g(lot: ProduceLot) -> int:
    return Intake.objects.filter(lot=lot).aggregate(total=Sum("net_g"))["total"] or 0


def lot_used_g(lot: ProduceLot) -> int:
    return ProcessingInput.objects.filter(lot=lot).aggregate(total=Sum("grams"))["total"] or 0


# --- lots ----------------------------------------------------------------------------------


def _free_lot_code(
    cooperative: Organisation, produce: Produce, grade_code: str, on: dt.date
) -> str:
    stem = f"C{cooperative.pk}-{produce.code}-{grade_code}-{on:%y%m%d}"[:36]
    taken = set(
        ProduceLot.objects.filter(
            county_id=cooperative.county_id, code__startswith=stem
        ).values_list("code", flat=True)
    )
    if stem not in taken:
        return stem
    number = 2
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def open_lot_for(
    cooperative: Organisation, produce: Produce, grade_code: str, on: dt.date, *, actor: User
) -> ProduceLot:
    """The open lot of `produce` and grade for collection day `on`, locked for the caller's
    transaction; made when there is none. Call inside the intake's transaction."""
    for _attempt in range(LOT_CODE_ATTEMPTS):
        lot = (
            ProduceLot.objects.select_for_update()
            .filter(
                cooperative=cooperative,
                produce=produce,
                grade_code=grade_code,
                collected_on=on,
                status=LotStatus.OPEN,
            )
            .order_by("pk")
            .first()
        )
        if lot is not None:
            return lot
        try:
            with transaction.atomic():
                return ProduceLot.objects.create(
                    county_id=cooperative.county_id,
                    cooperative=cooperative,
                    code=_free_lot_code(cooperative, produce, grade_code, on),
                    produce=produce,
                    grade_code=grade_code,
                    collected_on=on,
                    created_by=actor,
                )
        except IntegrityError:
            # A simultaneous intake made the lot (or took the code) first: look again.
            continue
    raise RuntimeError("could not open a produce lot")


def _locked_lot(lot: ProduceLot) -> ProduceLot:
    return ProduceLot.objects.select_for_update().select_related("cooperative").get(pk=lot.pk)


@transaction.atomic
def close_lot(lot: ProduceLot, *, actor: User) -> ProduceLot:
    """Stop taking intakes into the lot; the next intake of its produce and grade that day
    opens a new lot."""
    locked = _locked_lot(lot)
    require(actor, "coops.manage_lots", locked)
    if not Intake.objects.filter(lot=locked).exists():
        raise ValidationFailed(_("An empty lot cannot be closed."), field="lot")
    fields = LOT_MACHINE.move(locked, LotStatus.CLOSED)
    locked.save(update_fields=fields)
    audit.record(actor, "coops.lot.closed", locked, {"net_g": lot_net_g(locked)})
    return locked


@transaction.atomic
def reopen_lot(lot: ProduceLot, *, actor: User) -> ProduceLot:
    """Take intakes into a closed lot again, as long as none of it is stocked or processed."""
    locked = _locked_lot(lot)
    require(actor, "coops.manage_lots", locked)
    if locked.stock_lot_id is not None or ProcessingInput.objects.filter(lot=locked).exists():
        raise ValidationFailed(
            _("Lot %(lot)s is already in stock or processing.") % {"lot": locked.code},
            field="lot",
        )
    fields = LOT_MACHINE.move(locked, LotStatus.OPEN)
    locked.closed_at = None
    locked.save(update_fields=[*fields, "closed_at"])
    audit.record(actor, "coops.lot.reopened", locked)
    return locked


@transaction.atomic
def move_intake_to_lot(intake: Intake, lot: ProduceLot, *, actor: User) -> Intake:
    """Put an intake into another open lot of the same produce and grade (a manager's
    correction), as long as its present lot is not yet stocked or processed."""
    target = _locked_lot(lot)
    locked = Intake.objects.select_for_update().select_related("grade").get(pk=intake.pk)
    require(actor, "coops.manage_lots", locked)
    require(actor, "coops.manage_lots", target)
    if target.cooperative_id != locked.cooperative_id:
        raise ValidationFailed(_("The lot belongs to another cooperative."), field="lot")
    if target.produce_id != locked.produce_id or target.grade_code != locked.grade.code:
        raise ValidationFailed(
            _("Lot %(lot)s holds another produce or grade.") % {"lot": target.code}, field="lot"
        )
    if target.status != LotStatus.OPEN:
        raise ValidationFailed(
            _("Lot %(lot)s is not open for intakes.") % {"lot": target.code}, field="lot"
        )
    if locked.lot_id == target.pk:
        raise ValidationFailed(_("The intake is already in this lot."), field="lot")
    if locked.lot_id is not None:
        source = _locked_lot(locked.lot)  # type: ignore[arg-type]
        if source.status in (LotStatus.STOCKED, LotStatus.PROCESSED) or (
            ProcessingInput.objects.filter(lot=source).exists()
        ):
            raise ValidationFailed(
                _("Lot %(lot)s is already in stock or processing.") % {"lot": source.code},
                field="intake",
            )
        source_code = source.code
    else:
        source_code = ""
    locked.lot = target
    locked.save(update_fields=["lot"])
    audit.record(actor, "coops.intake.moved", locked, {"from": source_code, "to": target.code})
    return locked


def _coop_sku(cooperative: Organisation, sku: Sku, field: str) -> Sku:
    fresh = Sku.objects.select_related("product__seller").get(pk=sku.pk)
    if fresh.product.seller.organisation_id != cooperative.pk:
        raise ValidationFailed(
            _("%(sku)s is not sold by this cooperative.") % {"sku": fresh.code}, field=field
        )
    return fresh


def grams_of(sku: Sku, quantity: int) -> int | None:
    """What `quantity` of `sku` weighs: grams for a weight SKU, units × unit weight for
    packs, None when the unit weight is not known."""
    if sku.selling_unit == SellingUnit.WEIGHT:
        return quantity
    return quantity * sku.unit_weight_g if sku.unit_weight_g else None


@transaction.atomic
def receive_lot_into_stock(
    lot: ProduceLot,
    *,
    sku: Sku,
    quantity: int,
    best_before: dt.date | None = None,
    logistics_cost_fen: int = 0,
    actor: User,
) -> ProduceLot:
    """Receive a closed lot unprocessed into a SKU of the cooperative's seller: grams for
    a weight SKU (at most the lot's net), or packs (weighing at most the lot's net)."""
    locked = _locked_lot(lot)
    require(actor, "coops.manage_lots", locked)
    if locked.status != LotStatus.CLOSED:
        raise ValidationFailed(
            _("Close lot %(lot)s before receiving it into stock.") % {"lot": locked.code},
            field="lot",
        )
    if ProcessingInput.objects.filter(lot=locked).exists():
        raise ValidationFailed(
            _("Lot %(lot)s is already used by a processing run.") % {"lot": locked.code},
            field="lot",
        )
    fresh = _coop_sku(locked.cooperative, sku, "sku")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationFailed(
            _("The quantity must be a whole number above zero."), field="quantity"
        )
    if isinstance(logistics_cost_fen, bool) or logistics_cost_fen < 0:
        raise ValidationFailed(
            _("A cost is an amount of zero or more."), field="logistics_cost_fen"
        )
    net = lot_net_g(locked)
    weight = grams_of(fresh, quantity)
    if weight is not None and weight > net:
        raise ValidationFailed(
            _("The lot holds only %(net)s g; %(weight)s g cannot come out of it.")
            % {"net": f"{net:,}", "weight": f"{weight:,}"},
            field="quantity",
        )
    stock_lot = receive_stock_lot(
        fresh,
        quantity,
        actor=actor,
        origin=LotOrigin.COOP_LOT,
        origin_id=locked.pk,
        received_on=timezone.localdate(),
        best_before=best_before,
        code=locked.code,
        check_permission=False,
    )
    fields = LOT_MACHINE.move(locked, LotStatus.STOCKED)
    locked.stock_lot = stock_lot
    locked.logistics_cost_fen = logistics_cost_fen
    locked.save(update_fields=[*fields, "stock_lot", "logistics_cost_fen"])
    audit.record(
        actor,
        "coops.lot.stocked",
        locked,
        {
            "sku": fresh.code,
            "quantity": quantity,
            "stock_lot": stock_lot.code,
            "logistics_cost_fen": logistics_cost_fen,
        },
    )
    return locked


# --- processing runs ----------------------------------------------------------------------


def _run_code(cooperative: Organisation, ran_on: dt.date) -> str:
    stem = f"P{cooperative.pk}-{ran_on:%y%m%d}"
    taken = ProcessingRun.objects.filter(
        county_id=cooperative.county_id, code__startswith=stem
    ).count()
    return f"{stem}-{taken + 1}"


@transaction.atomic
def record_processing_run(
    cooperative: Organisation,
    *,
    inputs: Sequence[tuple[ProduceLot, int]],
    outputs: Sequence[tuple[Sku, int, dt.date | None]],
    processing_cost_fen: int = 0,
    ran_on: dt.date | None = None,
    note: str = "",
    actor: User,
) -> ProcessingRun:
    """Make closed lots (grams of each) into packs: each output is received as a stock lot
    of a SKU of the cooperative's seller, traced to this run. A lot whose grams are all
    used becomes processed."""
    require(actor, "coops.manage_lots", cooperative)
    if not inputs:
        raise ValidationFailed(_("Name at least one lot the run used."), field="inputs")
    if not outputs:
        raise ValidationFailed(_("Name at least one product the run made."), field="outputs")
    if isinstance(processing_cost_fen, bool) or processing_cost_fen < 0:
        raise ValidationFailed(
            _("A cost is an amount of zero or more."), field="processing_cost_fen"
        )
    ran_on = ran_on or timezone.localdate()
    if ran_on > timezone.localdate():
        raise ValidationFailed(_("A run cannot be recorded ahead of its day."), field="ran_on")
    locked_inputs: list[tuple[ProduceLot, int]] = []
    for index, (lot, grams) in enumerate(inputs):
        field = f"inputs.{index}"
        locked = _locked_lot(lot)
        if locked.cooperative_id != cooperative.pk:
            raise ValidationFailed(_("The lot belongs to another cooperative."), field=field)
        if any(seen.pk == locked.pk for seen, _grams in locked_inputs):
            raise ValidationFailed(
                _("Lot %(lot)s is named twice.") % {"lot": locked.code}, field=field
            )
        if locked.status != LotStatus.CLOSED:
            raise ValidationFailed(
                _("Lot %(lot)s must be closed, not stocked or used up.") % {"lot": locked.code},
                field=field,
            )
        if isinstance(grams, bool) or not isinstance(grams, int) or grams <= 0:
            raise ValidationFailed(_("Enter the grams used, above zero."), field=field)
        left = lot_net_g(locked) - lot_used_g(locked)
        if grams > left:
            raise ValidationFailed(
                _("Lot %(lot)s has only %(left)s g left.")
                % {"lot": locked.code, "left": f"{left:,}"},
                field=field,
            )
        locked_inputs.append((locked, grams))
    checked_outputs: list[tuple[Sku, int, dt.date | None]] = []
    for index, (sku, quantity, best_before) in enumerate(outputs):
        field = f"outputs.{index}"
        fresh = _coop_sku(cooperative, sku, field)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValidationFailed(
                _("The quantity must be a whole number above zero."), field=field
            )
        checked_outputs.append((fresh, quantity, best_before))
    run = ProcessingRun.objects.create(
        county_id=cooperative.county_id,
        cooperative=cooperative,
        code=_run_code(cooperative, ran_on),
        ran_on=ran_on,
        processing_cost_fen=processing_cost_fen,
        note=note.strip()[:500],
        created_by=actor,
    )
    for locked, grams in locked_inputs:
        ProcessingInput.objects.create(
            county_id=cooperative.county_id, run=run, lot=locked, grams=grams
        )
        if lot_used_g(locked) == lot_net_g(locked):
            locked.save(update_fields=LOT_MACHINE.move(locked, LotStatus.PROCESSED))
    for fresh, quantity, best_before in checked_outputs:
        stock_lot = receive_stock_lot(
            fresh,
            quantity,
            actor=actor,
            origin=LotOrigin.PROCESSING_RUN,
            origin_id=run.pk,
            received_on=ran_on,
            best_before=best_before,
            check_permission=False,
        )
        ProcessingOutput.objects.create(
            county_id=cooperative.county_id, run=run, stock_lot=stock_lot
        )
    audit.record(
        actor,
        "coops.processing_run.recorded",
        run,
        {
            "inputs": {lot.code: grams for lot, grams in locked_inputs},
            "outputs": {sku.code: quantity for sku, quantity, _bb in checked_outputs},
            "processing_cost_fen": processing_cost_fen,
        },
    )
    return run


def run_yield(run: ProcessingRun) -> Fraction | None:
    """Output grams over input grams, or None when an output's weight is not known."""
    input_g = sum(item.grams for item in run.inputs.all())
    output_g = 0
    for output in run.outputs.select_related("stock_lot__sku"):
        grams = grams_of(output.stock_lot.sku, output.stock_lot.received_quantity)
        if grams is None:
            return None
        output_g += grams
    return Fraction(output_g, input_g) if input_g else None
