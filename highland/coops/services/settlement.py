"""Member settlement: a run drafted from sold lots, reviewed, approved by a second person
(paid in `payouts`). What each lot earned comes from the ledger (`proceeds`); the net is
shared by net weight × grade factor, aggregated in SQL and split by largest remainder;
advances and debts are recovered from the shares, never below zero (ADR 0011)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import Seller, StockLot
from highland.coops.models import (
    BASIS_POINTS,
    SETTLEMENT_MACHINE,
    Intake,
    LotStatus,
    MemberShare,
    ProduceLot,
    SettledAllocation,
    SettlementLot,
    SettlementRun,
    SettlementStatus,
)
from highland.coops.services.proceeds import lot_proceeds
from highland.coops.services.rules import rules_in_force
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import County, Organisation, OrganisationType, User
from highland.core.money import allocate, format_fen
from highland.core.permissions import require
from highland.ledger import accounts
from highland.ledger.selectors import balances

# Runs still counting their lots' proceeds (a discarded run counts nothing).
LIVE_STATUSES = (
    SettlementStatus.DRAFT,
    SettlementStatus.REVIEWED,
    SettlementStatus.APPROVED,
    SettlementStatus.PAID,
)
UNPAID_STATUSES = (SettlementStatus.DRAFT, SettlementStatus.REVIEWED, SettlementStatus.APPROVED)


def half_up(amount: int, basis_points: int) -> int:
    """`basis_points` of a non-negative `amount`, rounded half up."""
    return (amount * basis_points + BASIS_POINTS // 2) // BASIS_POINTS


def cooperative_seller(cooperative: Organisation) -> Seller:
    seller = Seller.objects.filter(organisation=cooperative).first()
    if seller is None:
        raise ValidationFailed(
            _("The cooperative does not sell on the marketplace: nothing to settle."),
            code="not_a_seller",
        )
    return seller


def account_family(prefix: str) -> str:
    """ "Assets:MemberAdvance:M" → "Assets:MemberAdvance:", the form `balances` takes."""
    return prefix.rsplit(":", 1)[0] + ":"


def owed_by_members(county: County, member_ids: Sequence[int]) -> dict[int, int]:
    """member id → what their advance account holds (advances not yet recovered: their
    debt), from the ledger."""
    wanted = set(member_ids)
    found: dict[int, int] = {}
    if not wanted:
        return found
    for code, amount in balances(county, account_family(accounts.MEMBER_ADVANCE_PREFIX)).items():
        member_id = accounts.member_of(code)
        if member_id in wanted and amount > 0:
            found[member_id] = amount
    return found


@dataclass(frozen=True)
class Split:
    """One member's part: the share and what is recovered from it."""

    member_id: int
    net_g: int
    weighted: int
    share_fen: int
    advances_fen: int
    debt_brought_fen: int
    payable_fen: int
    debt_carried_fen: int


def split_net(
    net_fen: int,
    rows: Sequence[tuple[int, int, int, int]],
    owed: dict[int, int],
) -> list[Split]:
    """Share `net_fen` among members by weighted grams, largest remainder, and recover
    what each owes from their share. `rows` are (member id, net g, weighted, advances of
    the run's intakes) in member order; `owed` is each member's advance balance (which
    includes those advances). Pure: the property tests call it directly."""
    rows = sorted(rows)
    weights = [weighted for _member, _net, weighted, _advances in rows]
    parts = allocate(net_fen, weights) if rows and any(weights) else [0] * len(rows)
    splits = []
    for (member_id, net_g, weighted, advances), share in zip(rows, parts, strict=True):
        owing = max(owed.get(member_id, 0), 0)
        advances_part = min(advances, owing)
        recovered = min(share, owing)
        splits.append(
            Split(
                member_id=member_id,
                net_g=net_g,
                weighted=weighted,
                share_fen=share,
                advances_fen=advances_part,
                debt_brought_fen=owing - advances_part,
                payable_fen=share - recovered,
                debt_carried_fen=owing - recovered,
            )
        )
    return splits


def weighted_rows(lot_ids: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """(member id, Σ net g, Σ net g × factor, Σ advances) per member over the intakes of
    the lots: one GROUP BY in the database, whatever the number of intakes."""
    big: BigIntegerField[int, int] = BigIntegerField()
    return [
        (int(member_id), int(net_g), int(weighted), int(advances))
        for member_id, net_g, weighted, advances in Intake.objects.filter(lot_id__in=lot_ids)
        .order_by()
        .values("member_id")
        .annotate(
            net=Cast(Sum("net_g"), big),
            weighted=Cast(Sum(F("net_g") * F("factor_bp"), output_field=big), big),
            advances=Cast(Sum("advance_fen"), big),
        )
        .order_by("member_id")
        .values_list("member_id", "net", "weighted", "advances")
    ]


SHARE_COLUMNS = (
    "county_id",
    "run_id",
    "member_id",
    "net_g",
    "weighted",
    "share_fen",
    "advances_fen",
    "debt_brought_fen",
    "payable_fen",
    "debt_carried_fen",
)


def store_shares(run: SettlementRun, splits: Sequence[Split]) -> None:
    """Insert the run's shares as plain rows: on PostgreSQL one INSERT … SELECT FROM
    unnest(arrays), elsewhere one executemany (SQLite's is native).

    Not bulk_create: building and preparing 20,000 model instances took 60 % of a draft
    of 1,000,000 intakes (docs/benchmarks.md), and psycopg's parsing of a query with a
    placeholder per value cost as much again. The table's constraints check every row.
    """
    if not splits:
        return
    rows = [
        (
            run.county_id,
            run.pk,
            split.member_id,
            split.net_g,
            split.weighted,
            split.share_fen,
            split.advances_fen,
            split.debt_brought_fen,
            split.payable_fen,
            split.debt_carried_fen,
        )
        for split in splits
    ]
    table = connection.ops.quote_name(MemberShare._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in SHARE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(["%s::bigint[]"] * len(SHARE_COLUMNS))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays})",  # noqa: S608
                # Array literals: joining digits is far cheaper than adapting each int.
                ["{" + ",".join(map(str, column)) + "}" for column in zip(*rows, strict=True)],
            )
        else:
            placeholders = ", ".join(["%s"] * len(SHARE_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )


def _next_number(cooperative: Organisation) -> str:
    today = timezone.localdate()
    count = SettlementRun.objects.filter(cooperative=cooperative).count() + 1
    return f"JS{cooperative.pk}-{today:%y%m%d}-{count}"


def _check_lots(
    cooperative: Organisation, lot_ids: Sequence[int], *, partial: bool
) -> list[ProduceLot]:
    if not lot_ids:
        raise ValidationFailed(_("Choose at least one lot to settle."), field="lots")
    lots = list(
        ProduceLot.objects.select_for_update()
        .filter(pk__in=set(lot_ids), county=cooperative.county)
        .order_by("pk")
    )
    found = {lot.pk for lot in lots}
    for lot_id in lot_ids:
        if lot_id not in found:
            raise ValidationFailed(
                _("Lot #%(lot)s does not exist.") % {"lot": lot_id}, field="lots", code="no_lot"
            )
    for lot in lots:
        if lot.cooperative_id != cooperative.pk:
            raise ValidationFailed(
                _("Lot %(lot)s belongs to another cooperative.") % {"lot": lot.code},
                field="lots",
                code="other_cooperative",
            )
        if lot.status == LotStatus.OPEN:
            raise ValidationFailed(
                _("Lot %(lot)s is still open for intakes: close it first.") % {"lot": lot.code},
                field="lots",
                code="lot_open",
            )
        if lot.status == LotStatus.CLOSED and not partial:
            raise ValidationFailed(
                _(
                    "Lot %(lot)s is not in stock yet: nothing of it has sold. Mark the run "
                    "partial to settle it anyway."
                )
                % {"lot": lot.code},
                field="lots",
                code="unsold_stock",
            )
    busy = (
        SettlementLot.objects.filter(lot__in=lots, run__status__in=UNPAID_STATUSES)
        .select_related("run", "lot")
        .first()
    )
    if busy is not None:
        raise ValidationFailed(
            _("Lot %(lot)s is already in run %(run)s, not paid yet: finish or discard it.")
            % {"lot": busy.lot.code, "run": busy.run.number},
            field="lots",
            code="lot_in_run",
        )
    settled = (
        SettlementLot.objects.filter(
            lot__in=lots, run__status=SettlementStatus.PAID, run__partial=False
        )
        .select_related("run", "lot")
        .first()
    )
    if settled is not None:
        raise ValidationFailed(
            _("Lot %(lot)s was settled in full by run %(run)s.")
            % {"lot": settled.lot.code, "run": settled.run.number},
            field="lots",
            code="lot_settled",
        )
    return lots


def _already_charged(lots: list[ProduceLot]) -> dict[int, tuple[int, int]]:
    """lot id → (logistics, processing) charged by live runs before."""
    charged: dict[int, tuple[int, int]] = {}
    for lot_id, logistics, processing in (
        SettlementLot.objects.filter(lot__in=lots, run__status__in=LIVE_STATUSES)
        .values("lot_id")
        .annotate(logistics=Sum("logistics_cost_fen"), processing=Sum("processing_cost_fen"))
        .values_list("lot_id", "logistics", "processing")
    ):
        charged[lot_id] = (int(logistics or 0), int(processing or 0))
    return charged


@transaction.atomic
def draft_settlement(
    cooperative: Organisation,
    *,
    lots: Sequence[int | ProduceLot],
    partial: bool = False,
    actor: User,
) -> SettlementRun:
    """Draft a run settling `lots` (ids or lots) of `cooperative`: their proceeds not yet
    settled, less each lot's logistics and processing costs (charged once, and never
    beyond what the lot's proceeds cover: the rest waits for the lot's next run or, in a
    final run, is the shortfall), less the cooperative's fee under the rules in force
    today; shared among the members who brought the produce in."""
    require(actor, "coops.draft_settlement", cooperative)
    if cooperative.type != OrganisationType.COOPERATIVE:
        raise ValidationFailed(_("Only a cooperative settles with members."), code="not_coop")
    # One draft at a time per cooperative: the run number and the lots' counts stay apart.
    Organisation.objects.select_for_update().filter(pk=cooperative.pk).first()
    lot_ids = [lot if isinstance(lot, int) else lot.pk for lot in lots]
    chosen = _check_lots(cooperative, lot_ids, partial=partial)
    seller = cooperative_seller(cooperative)
    rules = rules_in_force(cooperative, timezone.localdate())
    proceeds = lot_proceeds(chosen, seller_id=seller.pk)
    if not partial:
        unsold_lots = set(
            StockLot.objects.filter(
                pk__in=[pk for lot in chosen for pk in proceeds.stock_lots[lot.pk]], on_hand__gt=0
            ).values_list("pk", flat=True)
        )
        for lot in chosen:
            if proceeds.stock_lots[lot.pk] & unsold_lots or proceeds.pending[lot.pk]:
                raise ValidationFailed(
                    _(
                        "Lot %(lot)s still has stock unsold or orders not yet delivered: "
                        "mark the run partial to settle what has sold so far."
                    )
                    % {"lot": lot.code},
                    field="lots",
                    code="unsold_stock",
                )
    charged_before = _already_charged(chosen)
    run = SettlementRun.objects.create(
        county=cooperative.county,
        cooperative=cooperative,
        number=_next_number(cooperative),
        partial=partial,
        fee_bp=rules.service_fee_bp,
        drafted_by=actor,
    )
    total_proceeds = total_costs = shortfall = 0
    for lot in chosen:
        counted = proceeds.new_for(lot.pk)
        lot_proceeds_fen = sum(counted.values())
        logistics_before, processing_before = charged_before.get(lot.pk, (0, 0))
        logistics_due = max(lot.logistics_cost_fen - logistics_before, 0)
        processing_due = max(proceeds.processing_cost[lot.pk] - processing_before, 0)
        room = max(lot_proceeds_fen, 0)
        logistics = min(logistics_due, room)
        processing = min(processing_due, room - logistics)
        if not partial:
            shortfall += logistics_due - logistics + processing_due - processing
        settlement_lot = SettlementLot.objects.create(
            county=cooperative.county,
            run=run,
            lot=lot,
            proceeds_fen=lot_proceeds_fen,
            logistics_cost_fen=logistics,
            processing_cost_fen=processing,
        )
        SettledAllocation.objects.bulk_create(
            SettledAllocation(settlement_lot=settlement_lot, allocation_id=pk, amount_fen=amount)
            for pk, amount in sorted(counted.items())
        )
        total_proceeds += lot_proceeds_fen
        total_costs += logistics + processing
        run.logistics_cost_fen += logistics
        run.processing_cost_fen += processing
    base = total_proceeds - total_costs
    fee = half_up(base, rules.service_fee_bp) if base > 0 else 0
    run.proceeds_fen = total_proceeds
    run.fee_fen = fee
    run.net_fen = max(base - fee, 0)
    run.shortfall_fen = shortfall + max(-base, 0)
    run.save(
        update_fields=[
            "proceeds_fen",
            "logistics_cost_fen",
            "processing_cost_fen",
            "fee_fen",
            "net_fen",
            "shortfall_fen",
        ]
    )
    rows = weighted_rows([lot.pk for lot in chosen])
    owed = owed_by_members(cooperative.county, [row[0] for row in rows])
    splits = split_net(run.net_fen, rows, owed)
    store_shares(run, splits)
    audit.record(
        actor,
        "coops.settlement.drafted",
        run,
        {
            "lots": [lot.code for lot in chosen],
            "partial": partial,
            "proceeds_fen": run.proceeds_fen,
            "costs_fen": total_costs,
            "fee_fen": fee,
            "net_fen": run.net_fen,
            "shortfall_fen": run.shortfall_fen,
            "members": len(splits),
        },
    )
    return run


def _locked(run: SettlementRun) -> SettlementRun:
    return (
        SettlementRun.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=run.pk)
    )


@transaction.atomic
def review_settlement(run: SettlementRun, *, actor: User) -> SettlementRun:
    """The accountant has checked the draft's figures."""
    require(actor, "coops.draft_settlement", run)
    run = _locked(run)
    fields = SETTLEMENT_MACHINE.move(run, SettlementStatus.REVIEWED)
    run.reviewed_by = actor
    run.save(update_fields=[*fields, "reviewed_by"])
    audit.record(actor, "coops.settlement.reviewed", run, {"net_fen": run.net_fen})
    return run


@transaction.atomic
def approve_settlement(run: SettlementRun, *, actor: User) -> SettlementRun:
    """A second person approves a reviewed run; the one who drafted it cannot."""
    require(actor, "coops.approve_settlement", run)
    run = _locked(run)
    if run.drafted_by_id == actor.pk:
        raise ValidationFailed(
            _("The person who drafted a run cannot approve it."), code="drafter_approves"
        )
    fields = SETTLEMENT_MACHINE.move(run, SettlementStatus.APPROVED)
    run.approved_by = actor
    run.save(update_fields=[*fields, "approved_by"])
    audit.record(actor, "coops.settlement.approved", run, {"net_fen": run.net_fen})
    return run


@transaction.atomic
def discard_settlement(run: SettlementRun, *, actor: User) -> SettlementRun:
    """Drop a draft or reviewed run: its lots may be drafted again; it counts nothing."""
    require(actor, "coops.draft_settlement", run)
    run = _locked(run)
    fields = SETTLEMENT_MACHINE.move(run, SettlementStatus.DISCARDED)
    run.save(update_fields=fields)
    audit.record(actor, "coops.settlement.discarded", run, {"net_fen": run.net_fen})
    return run


def proceeds_changed(run: SettlementRun) -> list[str]:
    """Lots whose proceeds no longer match what the run counted (a refund came after the
    draft), each as a sentence; [] when the run may be paid as drafted."""
    lots = list(ProduceLot.objects.filter(settlements__run=run).order_by("pk"))
    seller = cooperative_seller(run.cooperative)
    now = lot_proceeds(lots, seller_id=seller.pk)
    problems = []
    for settlement_lot in run.lots.select_related("lot").prefetch_related("allocations"):
        lot_id = settlement_lot.lot_id
        for counted in settlement_lot.allocations.all():
            key = (lot_id, counted.allocation_id)
            if now.value.get(key) != now.counted.get(key):
                problems.append(
                    _(
                        "Lot %(lot)s: the proceeds counted (%(counted)s) changed since the "
                        "draft (now %(now)s)."
                    )
                    % {
                        "lot": settlement_lot.lot.code,
                        "counted": format_fen(now.counted.get(key, 0)),
                        "now": format_fen(now.value.get(key, 0)),
                    }
                )
                break
    return problems


def refunded_after_payment(run: SettlementRun) -> int:
    """What refunds took back, after this paid run, from proceeds it counted (fen, ≥ 0):
    the cooperative's payable went down by it while the members' shares stay paid; the
    next partial run of the same lots deducts it."""
    if run.status != SettlementStatus.PAID:
        return 0
    lots = list(ProduceLot.objects.filter(settlements__run=run).order_by("pk"))
    now = lot_proceeds(lots, seller_id=cooperative_seller(run.cooperative).pk)
    missing = 0
    for counted in SettledAllocation.objects.filter(settlement_lot__run=run).select_related(
        "settlement_lot"
    ):
        key = (counted.settlement_lot.lot_id, counted.allocation_id)
        if key in now.value:
            missing += max(now.counted.get(key, 0) - now.value[key], 0)
    return missing
