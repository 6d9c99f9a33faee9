"""Member settlement of one lot with 1,000,000 intakes from 20,000 members.

    .venv/bin/python -m bench.coops_settlement --engine postgres --out /tmp/pg.json
    .venv/bin/python -m bench.coops_settlement --engine sqlite --out /tmp/sqlite.json

Each run makes its own database (PostgreSQL `h_settle_bench` on 127.0.0.1, or an SQLite
file in a temporary directory), migrated, with the demo county loaded, and drops it at
the end. Set-up (not timed) runs in one process: 20,000 member households, an advance
paid to every fourth, 1,000,000 intake rows written with COPY (PostgreSQL) or
executemany (SQLite), the lot received into stock and sold in one delivered order.

Then a fresh process measures (so its peak memory is the settlement's, not the set-up's):
`draft_settlement` end to end and committed, three times (each run deleted after); and
three times the
database's floor, one raw aggregate over the same rows
(SELECT member_id, SUM(net_g), SUM(net_g*factor_bp), SUM(advance_fen) … GROUP BY
member_id, fetched). Reported: best and median seconds, their ratio, the process's peak
resident memory (and its growth during the drafts), and whether Σ shares == net.
Goal: ≤ 10 s, ≤ 300 MB, ≤ 3× the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "h_settle_bench"
REPEAT = 3
INTAKE_COLUMNS = (
    "county_id",
    "cooperative_id",
    "member_id",
    "produce_id",
    "grade_id",
    "factor_bp",
    "gross_g",
    "tare_g",
    "net_g",
    "attributes",
    "photo",
    "point_id",
    "recorded_at",
    "recorded_by_id",
    "check_code",
    "advance_fen",
    "lot_id",
    "created_at",
)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "highland.settings")
    import django

    django.setup()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --- set-up (not timed) --------------------------------------------------------------------------


def set_up(members: int, intakes: int, out: Path) -> None:
    _django()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from highland.catalog.models import LotOrigin, Sku, StockLot
    from highland.coops.models import LotStatus, Member, PayoutMethod, ProduceLot
    from highland.coops.testing import make_coop_setup
    from highland.core.models import County, User
    from highland.demo import load_demo_county
    from highland.ledger import accounts
    from highland.ledger.services import post_entry
    from highland.network.models import ServicePoint
    from highland.orders import services
    from highland.orders.models import LineLotAllocation, Order, OrderStatus
    from highland.testing import OrderFactory

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    load_demo_county()
    county = County.objects.get(code="513334")
    coop = make_coop_setup(county)
    point = ServicePoint.objects.get(county=county, code="LT-S01-V01")
    with transaction.atomic():
        User.objects.bulk_create(
            (
                User(
                    username=f"bench-m{i}",
                    county=county,
                    password="!",  # noqa: S106 (an unusable password, as set_unusable_password)
                    display_name=f"牧户{i}",
                )
                for i in range(members)
            ),
            batch_size=5000,
        )
        heads = dict(
            User.objects.filter(username__startswith="bench-m").values_list("username", "pk")
        )
        Member.objects.bulk_create(
            (
                Member(
                    county=county,
                    cooperative=coop.cooperative,
                    number=f"B{i:06d}",
                    household=f"牧户{i}家",
                    head_id=heads[f"bench-m{i}"],
                    point=point,
                    payout_method=PayoutMethod.CASH if i % 3 == 0 else PayoutMethod.BANK,
                    payout_account="" if i % 3 == 0 else f"62284800{i:011d}",
                    joined_on=dt.date(2026, 1, 1),
                )
                for i in range(members)
            ),
            batch_size=5000,
        )
    member_ids = list(
        Member.objects.filter(number__startswith="B")
        .order_by("number")
        .values_list("pk", flat=True)
    )
    advances = {
        pk: 2_000 + (index % 7) * 1_000 for index, pk in enumerate(member_ids) if index % 4 == 0
    }
    with transaction.atomic():
        lines = [(accounts.member_advance(pk), amount) for pk, amount in advances.items()]
        post_entry(
            county,
            kind="coops.bench.advanced",
            description="bench: advances paid at the point",
            lines=[*lines, (accounts.cash_at_point(point.code), -sum(advances.values()))],
            actor=coop.manager,
        )
    sku = Sku.objects.get(code="LT-YJ-100")
    stock = StockLot.objects.create(
        county=county,
        sku=sku,
        code="BENCH-SL-1",
        received_quantity=10,
        on_hand=10,
        received_on=timezone.localdate(),
        origin=LotOrigin.COOP_LOT,
    )
    lot = ProduceLot.objects.create(
        county=county,
        cooperative=coop.cooperative,
        code="BENCH-LOT-1",
        produce=coop.yak,
        grade_code="A",
        collected_on=timezone.localdate() - dt.timedelta(days=30),
        status=LotStatus.STOCKED,
        stock_lot=stock,
        logistics_cost_fen=12_345,
        created_by=coop.manager,
    )
    grades = [coop.grades["YAK-A"], coop.grades["YAK-B"], coop.grades["YAK-C"]]
    now = timezone.now()
    rng = random.Random(9)  # noqa: S311 (weights for a benchmark)
    advanced_once: set[int] = set()

    def rows() -> Any:
        for k in range(intakes):
            member_id = member_ids[k % members]
            grade = grades[k % 3]
            net = rng.randint(1_000, 50_000)
            advance = 0
            if member_id in advances and member_id not in advanced_once:
                advanced_once.add(member_id)
                advance = advances[member_id]
            yield (
                county.pk,
                coop.cooperative.pk,
                member_id,
                coop.yak.pk,
                grade.pk,
                grade.factor_bp,
                net + 300,
                300,
                net,
                "{}",
                "",
                point.pk,
                now,
                coop.manager.pk,
                f"B{k:011d}",
                advance,
                lot.pk,
                now,
            )

    loaded = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY coops_intake ({', '.join(INTAKE_COLUMNS)}) FROM STDIN"
            stamp = now.isoformat()
            with cursor.cursor.copy(copy_sql) as copy:
                # Text format in large chunks: write_row per row costs more Python time
                # than the database spends on the rows.
                chunk: list[str] = []
                for row in rows():
                    chunk.append(
                        "\t".join(
                            stamp if value is now else ("" if value == "" else str(value))
                            for value in row
                        )
                    )
                    if len(chunk) == 50_000:
                        copy.write("\n".join(chunk) + "\n")
                        chunk = []
                if chunk:
                    copy.write("\n".join(chunk) + "\n")
        else:
            columns = ", ".join(INTAKE_COLUMNS)
            placeholders = ", ".join(["%s"] * len(INTAKE_COLUMNS))
            insert = f"INSERT INTO coops_intake ({columns}) VALUES ({placeholders})"  # noqa: S608
            batch: list[tuple[Any, ...]] = []
            for row in rows():
                batch.append(row)
                if len(batch) == 50_000:
                    cursor.executemany(insert, batch)
                    batch = []
            if batch:
                cursor.executemany(insert, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE coops_intake")
    inserted = time.monotonic()
    # The lot's ten packs, sold in one order delivered eight days ago: its seller payable
    # is earned (the payout rule's week has passed).
    demo = type(
        "Demo",
        (),
        {"county": county, "user": staticmethod(lambda name: User.objects.get(username=name))},
    )
    order = OrderFactory(demo).paid([("LT-YJ-100", 10)])
    operator = User.objects.get(username="operator")
    services.pack_order(order, {}, actor=operator)
    LineLotAllocation.objects.create(county=county, line=order.lines.get(), lot=stock, quantity=10)
    StockLot.objects.filter(pk=stock.pk).update(on_hand=0)
    services.advance_order(order, OrderStatus.SHIPPED, actor=operator)
    services.advance_order(order, OrderStatus.DELIVERED, actor=operator)
    Order.objects.filter(pk=order.pk).update(delivered_at=now - dt.timedelta(days=8))
    out.write_text(
        json.dumps(
            {
                "lot_id": lot.pk,
                "cooperative_id": coop.cooperative.pk,
                "members": members,
                "intakes": intakes,
                "insert_seconds": round(inserted - loaded, 1),
                "setup_seconds": round(time.monotonic() - started, 1),
            }
        ),
        encoding="utf-8",
    )


# --- measurement ------------------------------------------------------------------------------


def measure(setup_file: Path, out: Path, profile: bool = False) -> None:
    _django()
    from django.db import connection, transaction
    from django.db.models import Sum

    from highland.coops.models import Intake, ProduceLot, SettledAllocation
    from highland.coops.services.settlement import draft_settlement
    from highland.core.models import Organisation, User

    facts = json.loads(setup_file.read_text(encoding="utf-8"))
    lot = ProduceLot.objects.get(pk=facts["lot_id"])
    cooperative = Organisation.objects.get(pk=facts["cooperative_id"])
    accountant = User.objects.get(username="coop_accountant")
    assert Intake.objects.filter(lot=lot).count() == facts["intakes"]
    floor_sql = (
        "SELECT member_id, SUM(net_g), SUM(net_g * factor_bp), SUM(advance_fen) "
        "FROM coops_intake WHERE lot_id = %s GROUP BY member_id ORDER BY member_id"
    )

    def floor() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(floor_sql, [lot.pk])
            groups = cursor.fetchall()
        elapsed = time.perf_counter() - started
        assert len(groups) == facts["members"]
        return elapsed

    floor()  # warm the cache: both are then measured on rows already in memory
    rss_before = _rss_mb()
    drafts: list[float] = []
    exact = True
    shares = net = 0
    for _round in range(REPEAT):
        # Committed, so the deferred foreign-key checks of 20,000 shares are in the time;
        # the run is deleted afterwards (not timed) for the next round.
        started = time.perf_counter()
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            run = profiler.runcall(draft_settlement, cooperative, lots=[lot], actor=accountant)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        else:
            run = draft_settlement(cooperative, lots=[lot], actor=accountant)
        drafts.append(time.perf_counter() - started)
        shares = int(run.shares.aggregate(total=Sum("share_fen"))["total"] or 0)
        net = run.net_fen
        count = run.shares.count()
        exact = exact and shares == net and count == facts["members"] and net > 0
        with transaction.atomic():
            SettledAllocation.objects.filter(settlement_lot__run=run).delete()
            run.shares.all().delete()
            run.lots.all().delete()
            run.delete()
    rss_after = _rss_mb()
    floors = [floor() for _round in range(REPEAT)]
    out.write_text(
        json.dumps(
            {
                **facts,
                "engine": connection.vendor,
                "draft_seconds": [round(s, 3) for s in drafts],
                "floor_seconds": [round(s, 3) for s in floors],
                "draft_best": round(min(drafts), 3),
                "draft_median": round(statistics.median(drafts), 3),
                "floor_best": round(min(floors), 3),
                "floor_median": round(statistics.median(floors), 3),
                "ratio_best": round(min(drafts) / min(floors), 2),
                "ratio_median": round(statistics.median(drafts) / statistics.median(floors), 2),
                "peak_rss_mb": round(rss_after, 1),
                "rss_growth_mb": round(rss_after - rss_before, 1),
                "net_fen": net,
                "shares_fen": shares,
                "exact": exact,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


# --- the driver --------------------------------------------------------------------------------


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--intakes", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--stage", choices=("drive", "setup", "measure"), default="drive")
    parser.add_argument("--setup-file", type=Path)
    parser.add_argument("--profile", action="store_true", help="cProfile the drafts")
    args = parser.parse_args()
    if args.stage == "setup":
        set_up(args.members, args.intakes, args.out)
        return
    if args.stage == "measure":
        measure(args.setup_file, args.out, profile=args.profile)
        return
    work = Path(tempfile.mkdtemp(prefix="highland-coops-bench."))
    env = {**os.environ, "HIGHLAND_VAR_DIR": str(work / "var"), "DEBUG": "false"}
    env.pop("HIGHLAND_PROFILE", None)
    if args.engine == "postgres":
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
    else:
        env.pop("DATABASE_URL", None)
    setup_file = work / "setup.json"
    try:
        common = [sys.executable, "-m", "bench.coops_settlement", "--engine", args.engine]
        subprocess.run(  # noqa: S603 (this module, run by this interpreter)
            [
                *common,
                "--stage",
                "setup",
                "--members",
                str(args.members),
                "--intakes",
                str(args.intakes),
                "--out",
                str(setup_file),
            ],
            env=env,
            check=True,
        )
        subprocess.run(  # noqa: S603 (this module, run by this interpreter)
            [
                *common,
                "--stage",
                "measure",
                "--setup-file",
                str(setup_file),
                "--out",
                str(args.out),
                *(["--profile"] if args.profile else []),
            ],
            env=env,
            check=True,
        )
    finally:
        if args.engine == "postgres":
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
