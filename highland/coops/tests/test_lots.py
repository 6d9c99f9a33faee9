"""Produce lots and processing runs: close, reopen, move an intake, receive into stock,
process into packs; refusals name the field and change nothing; only the cooperative's
staff act."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from django.utils import timezone

from highland.catalog.models import LotOrigin, SellingUnit, Sku, StockLot
from highland.coops.models import Intake, LotStatus, ProcessingRun, ProduceLot
from highland.coops.services.intake import record_intake
from highland.coops.services.lots import (
    close_lot,
    lots_with_totals,
    move_intake_to_lot,
    receive_lot_into_stock,
    record_processing_run,
    reopen_lot,
    run_yield,
)
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def weigh(coop: Any, demo: Any, member_index: int = 1, grade: str = "A", net: int = 10_000):
    member = coop.members[member_index]
    return record_intake(
        member,
        produce=coop.yak,
        grade_code=grade,
        gross_g=net + 500,
        tare_g=500,
        attributes={},
        point=member.point,
        actor=demo.user("village_agent"),
    )


def closed_lot(coop: Any, demo: Any, *nets: int) -> ProduceLot:
    for index, net in enumerate(nets or (10_000,)):
        intake = weigh(coop, demo, member_index=index % 3, net=net)
    return close_lot(intake.lot, actor=coop.manager)  # type: ignore[arg-type]


def pack_sku(demo: Any) -> Sku:
    return Sku.objects.get(county=demo.county, code="LT-YJ-100")


def weight_sku(demo: Any) -> Sku:
    pack = pack_sku(demo)
    return Sku.objects.create(
        product=pack.product,
        county=demo.county,
        code="LT-YAK-FRESH",
        label_zh="鲜牦牛肉 散装",
        selling_unit=SellingUnit.WEIGHT,
        price_fen=4_000,
    )


def state() -> tuple[Any, ...]:
    return (
        sorted(ProduceLot.objects.values_list("code", "status", "stock_lot_id")),
        sorted(Intake.objects.values_list("pk", "lot_id")),
        StockLot.objects.count(),
        sorted(Sku.objects.values_list("code", "stock")),
        ProcessingRun.objects.count(),
        AuditRecord.objects.filter(action__startswith="coops.lot").count(),
    )


def test_the_lot_list_counts_net_and_members(coop, demo):
    weigh(coop, demo, 0, net=4_000)
    weigh(coop, demo, 1, net=6_000)
    weigh(coop, demo, 1, net=1_000)

    lot = lots_with_totals(coop.cooperative).get()

    assert (lot.net_g, lot.member_count, lot.used_g) == (11_000, 2, 0)  # type: ignore[attr-defined]


def test_close_and_reopen(coop, demo):
    lot = closed_lot(coop, demo)
    assert lot.status == LotStatus.CLOSED and lot.closed_at is not None

    reopened = reopen_lot(lot, actor=coop.manager)

    assert reopened.status == LotStatus.OPEN and reopened.closed_at is None
    assert weigh(coop, demo).lot_id == lot.pk


def test_a_stocked_lot_cannot_be_reopened(coop, demo):
    lot = closed_lot(coop, demo)
    receive_lot_into_stock(lot, sku=weight_sku(demo), quantity=10_000, actor=coop.manager)
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        reopen_lot(lot, actor=coop.manager)

    assert refused.value.field == "lot"
    assert state() == before


def test_receive_a_lot_by_weight(coop, demo):
    lot = closed_lot(coop, demo, 6_000, 4_000)
    sku = weight_sku(demo)

    stocked = receive_lot_into_stock(
        lot,
        sku=sku,
        quantity=9_800,
        best_before=timezone.localdate() + dt.timedelta(days=5),
        logistics_cost_fen=1_500,
        actor=coop.manager,
    )

    assert stocked.status == LotStatus.STOCKED
    assert stocked.logistics_cost_fen == 1_500
    stock_lot = stocked.stock_lot
    assert stock_lot is not None
    assert (stock_lot.origin, stock_lot.origin_id, stock_lot.received_quantity) == (
        LotOrigin.COOP_LOT,
        lot.pk,
        9_800,
    )
    sku.refresh_from_db()
    assert sku.stock == 9_800


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"quantity": 10_001}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 5_000, "logistics_cost_fen": -1}, "logistics_cost_fen"),
    ],
)
def test_bad_receipts_into_stock_are_refused(coop, demo, arguments, field):
    lot = closed_lot(coop, demo)
    sku = weight_sku(demo)
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        receive_lot_into_stock(lot, sku=sku, actor=coop.manager, **arguments)

    assert refused.value.field == field
    assert state() == before


def test_an_open_lot_or_another_sellers_sku_is_refused(coop, demo):
    open_lot = weigh(coop, demo).lot
    by_weight = weight_sku(demo)
    before = state()

    with pytest.raises(ValidationFailed) as not_closed:
        receive_lot_into_stock(open_lot, sku=by_weight, quantity=100, actor=coop.manager)
    lot = close_lot(open_lot, actor=coop.manager)
    other_seller = Sku.objects.get(county=demo.county, code="LT-SR-W")
    with pytest.raises(ValidationFailed) as foreign:
        receive_lot_into_stock(lot, sku=other_seller, quantity=100, actor=coop.manager)

    assert not_closed.value.field == "lot"
    assert foreign.value.field == "sku"
    assert state()[2:4] == before[2:4]


def test_packs_weigh_no_more_than_the_lot(coop, demo):
    lot = closed_lot(coop, demo, 1_000)
    sku = pack_sku(demo)
    assert sku.unit_weight_g
    too_many = 1_000 // sku.unit_weight_g + 1

    with pytest.raises(ValidationFailed) as refused:
        receive_lot_into_stock(lot, sku=sku, quantity=too_many, actor=coop.manager)
    stocked = receive_lot_into_stock(lot, sku=sku, quantity=too_many - 1, actor=coop.manager)

    assert refused.value.field == "quantity"
    assert stocked.status == LotStatus.STOCKED


def test_move_an_intake_into_another_open_lot(coop, demo):
    intake = weigh(coop, demo)
    target = ProduceLot.objects.create(
        county=demo.county,
        cooperative=coop.cooperative,
        code="YAK-A-EXTRA",
        produce=coop.yak,
        grade_code="A",
        collected_on=timezone.localdate(),
        created_by=coop.manager,
    )

    moved = move_intake_to_lot(intake, target, actor=coop.manager)

    assert moved.lot == target
    assert AuditRecord.objects.filter(action="coops.intake.moved").count() == 1


def test_moves_that_are_refused(coop, demo):
    intake = weigh(coop, demo)
    other_grade = weigh(coop, demo, grade="B").lot
    stocked_intake = weigh(coop, demo, grade="C")
    stocked = close_lot(stocked_intake.lot, actor=coop.manager)
    receive_lot_into_stock(stocked, sku=weight_sku(demo), quantity=100, actor=coop.manager)
    closed = closed_lot(coop, demo)  # intake's own lot, now closed
    fresh_c = weigh(coop, demo, grade="C").lot
    later_a = weigh(coop, demo)  # into a new open lot of grade A
    before = state()

    with pytest.raises(ValidationFailed) as wrong_grade:
        move_intake_to_lot(intake, other_grade, actor=coop.manager)
    with pytest.raises(ValidationFailed) as not_open:
        move_intake_to_lot(later_a, closed, actor=coop.manager)
    with pytest.raises(ValidationFailed) as from_stocked:
        move_intake_to_lot(stocked_intake, fresh_c, actor=coop.manager)

    assert wrong_grade.value.field == not_open.value.field == "lot"
    assert from_stocked.value.field == "intake"
    assert state() == before


def test_a_processing_run_uses_grams_and_receives_outputs(coop, demo):
    first = closed_lot(coop, demo, 6_000, 4_000)
    second = close_lot(weigh(coop, demo, grade="B", net=5_000).lot, actor=coop.manager)
    jerky = pack_sku(demo)
    stock_before = jerky.stock

    run = record_processing_run(
        coop.cooperative,
        inputs=[(first, 10_000), (second, 2_000)],
        outputs=[(jerky, 30, timezone.localdate() + dt.timedelta(days=180))],
        processing_cost_fen=12_000,
        ran_on=timezone.localdate(),
        note="风干",
        actor=coop.manager,
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == LotStatus.PROCESSED  # all 10 kg used
    assert second.status == LotStatus.CLOSED  # 3 kg left
    output = run.outputs.get()
    assert (output.stock_lot.origin, output.stock_lot.origin_id) == (
        LotOrigin.PROCESSING_RUN,
        run.pk,
    )
    jerky.refresh_from_db()
    assert jerky.stock == stock_before + 30
    assert run_yield(run) == Fraction(30 * jerky.unit_weight_g, 12_000)  # type: ignore[operator]
    with pytest.raises(ValidationFailed) as too_much:
        record_processing_run(
            coop.cooperative,
            inputs=[(second, 3_001)],
            outputs=[(jerky, 1, None)],
            actor=coop.manager,
        )
    assert too_much.value.field == "inputs.0"


@pytest.mark.parametrize(
    "case", ["no_inputs", "no_outputs", "open_lot", "other_coop_sku", "negative_cost", "zero"]
)
def test_bad_processing_runs_are_refused(coop, demo, case):
    lot = closed_lot(coop, demo)
    jerky = pack_sku(demo)
    arguments: dict[str, Any] = {
        "inputs": [(lot, 1_000)],
        "outputs": [(jerky, 5, None)],
        "processing_cost_fen": 0,
    }
    field = {
        "no_inputs": "inputs",
        "no_outputs": "outputs",
        "open_lot": "inputs.0",
        "other_coop_sku": "outputs.0",
        "negative_cost": "processing_cost_fen",
        "zero": "inputs.0",
    }[case]
    if case == "no_inputs":
        arguments["inputs"] = []
    elif case == "no_outputs":
        arguments["outputs"] = []
    elif case == "open_lot":
        arguments["inputs"] = [(weigh(coop, demo, grade="B").lot, 1_000)]
    elif case == "other_coop_sku":
        arguments["outputs"] = [(Sku.objects.get(county=demo.county, code="LT-SR-W"), 5, None)]
    elif case == "negative_cost":
        arguments["processing_cost_fen"] = -1
    else:
        arguments["inputs"] = [(lot, 0)]
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        record_processing_run(coop.cooperative, actor=coop.manager, **arguments)

    assert refused.value.field == field
    assert state()[2:] == before[2:]


def test_another_cooperatives_lot_is_refused_in_a_run(coop, demo):
    lot = closed_lot(coop, demo)
    before = state()

    with pytest.raises((ValidationFailed, PermissionDenied)):
        record_processing_run(
            coop.other_cooperative,
            inputs=[(lot, 100)],
            outputs=[(pack_sku(demo), 1, None)],
            actor=coop.other_manager,
        )

    assert state() == before


@pytest.mark.parametrize("who", ["other_manager", "village_agent", "member", "buyer"])
def test_only_the_cooperatives_staff_manage_lots(coop, demo, who):
    actor = {
        "other_manager": coop.other_manager,
        "village_agent": demo.user("village_agent"),
        "member": coop.members[0].head,
        "buyer": demo.user("buyer"),
    }[who]
    lot = closed_lot(coop, demo)
    by_weight = weight_sku(demo)
    before = state()

    for action in (
        lambda: reopen_lot(lot, actor=actor),
        lambda: close_lot(weigh(coop, demo, grade="B").lot, actor=actor),
        lambda: receive_lot_into_stock(lot, sku=by_weight, quantity=1, actor=actor),
        lambda: record_processing_run(
            coop.cooperative,
            inputs=[(lot, 100)],
            outputs=[(pack_sku(demo), 1, None)],
            actor=actor,
        ),
    ):
        with pytest.raises(PermissionDenied):
            action()
    after = state()
    assert after[2:] == before[2:]
    assert [row for row in after[0] if row[1] != LotStatus.OPEN] == [
        row for row in before[0] if row[1] != LotStatus.OPEN
    ]
