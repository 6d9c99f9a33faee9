"""place_order called directly from 8 threads, all buying the same hot SKU.

No HTTP: Django runs in this process against the bench database, so this measures
the checkout transaction itself (permission checks, inserts, audit, the conditional
stock UPDATE, COMMIT) and the hot row's lock. Compared with pgbench TPC-B at 8
clients, which also funnels every transaction through a few hot rows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
import time
from pathlib import Path

from bench.django_setup import setup
from bench.flash_sale import DELIVERY, PLENTY_UNITS
from bench.locks import LockSampler
from bench.machine import cpu_snapshot, cpu_used

THREADS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    setup()

    from django.db import connection

    from highland.catalog import services as catalog_services
    from highland.catalog.models import Sku
    from highland.core.models import County, User
    from highland.orders import services

    fixtures = json.loads(args.fixtures.read_text(encoding="utf-8"))
    county = County.objects.get(code=fixtures["county_code"])
    sku_id = fixtures["hot_sku_id"]
    operator = User.objects.get(username="operator")
    hot = Sku.objects.select_related("product__seller").get(pk=sku_id)
    catalog_services.set_stock(hot, PLENTY_UNITS, actor=operator, reason="bench direct checkout")
    buyer_ids = [buyer["id"] for buyer in fixtures["buyers"]]
    delivery = services.DeliveryDetails(**DELIVERY)
    lines = [services.CheckoutLine(sku_id=sku_id, quantity=1)]

    ready = threading.Barrier(THREADS + 1)
    go = threading.Event()
    finished = threading.Barrier(THREADS + 1)
    release = threading.Event()
    counts = [0] * THREADS
    failures: list[BaseException] = []
    deadline = 0.0

    def buy(index: int) -> None:
        try:
            buyers = list(User.objects.filter(pk__in=buyer_ids[index::THREADS]))
            # Warm-up order: opens this thread's connection, fills per-thread caches.
            services.place_order(
                county,
                lines,
                buyer=buyers[0],
                actor=buyers[0],
                delivery=delivery,
                payment_method="bank_transfer",
            )
            ready.wait()
            go.wait()
            done = 0
            while time.perf_counter() < deadline:
                buyer = buyers[done % len(buyers)]
                services.place_order(
                    county,
                    lines,
                    buyer=buyer,
                    actor=buyer,
                    delivery=delivery,
                    payment_method="bank_transfer",
                )
                done += 1
            counts[index] = done
            # Keep the connection open until the main thread has read its backend's CPU.
            finished.wait()
            release.wait()
        except BaseException as error:
            failures.append(error)
            ready.abort()
            finished.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    # A thread that fails while warming up breaks the barrier; the failure is reported below.
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    database = str(connection.settings_dict["NAME"])
    cpu_before = cpu_snapshot(os.getpid(), database)
    started = time.perf_counter()
    deadline = started + args.seconds
    sampler = LockSampler()
    sampler.start()
    go.set()
    with contextlib.suppress(threading.BrokenBarrierError):
        finished.wait()
    elapsed = time.perf_counter() - started
    # This process (all threads; with one GIL, at most ~1 s of Python per second) and
    # the database backends it used, read while the threads' connections are still open.
    cpu = cpu_used(cpu_before, cpu_snapshot(os.getpid(), database))
    locks = sampler.stop()
    release.set()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"bench: direct checkout failed: {failures[0]!r}")

    orders = sum(counts)
    taken = PLENTY_UNITS - Sku.objects.get(pk=sku_id).stock
    if taken != orders + THREADS:  # + one warm-up order per thread
        raise SystemExit(f"bench: direct checkout took {taken} units for {orders + THREADS} orders")
    result = {
        "threads": THREADS,
        "orders": orders,
        "seconds": elapsed,
        "orders_per_s": orders / elapsed,
        "client_cpu_ms_per_order": 1000 * cpu["django"] / max(1, orders),
        "client_cpu_share": cpu["django"] / elapsed,
        "postgres_cpu_ms_per_order": 1000 * cpu["postgres"] / max(1, orders),
        **locks,
    }
    args.out.write_text(json.dumps(result, indent=1))
    print(
        f"bench: place_order x{THREADS} threads: {orders} orders, {orders / elapsed:.1f}/s, "
        f"{result['client_cpu_ms_per_order']:.1f} ms of this process's CPU per order"
    )


if __name__ == "__main__":
    main()
