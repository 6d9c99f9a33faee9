"""Flash sale through the HTTP API: 500 buyers, each with their own device token, check
out one unit of the hot SKU at once (64 requests in flight).

Run 1 has 100 units: exactly 100 must sell and 400 be refused as out of stock, or the
bench fails. Run 2 has 100,000 units, so every checkout succeeds; its orders/s is the
throughput figure. Stock is reset through catalog.services.set_stock between runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.django_setup import setup
from bench.locks import LockSampler
from bench.machine import cpu_snapshot, cpu_used

IN_FLIGHT = 64
SCARCE_UNITS = 100
PLENTY_UNITS = 100_000
CHECKOUT_PATH = "/api/v1/orders/checkout"
DELIVERY: dict[str, Any] = {
    "method": "address",
    "recipient_name": "陈静",
    "phone": "13800000013",
    "province": "四川省",
    "city": "成都市",
    "district": "武侯区",
    "township": "浆洗街街道",
    "detail": "洗面桥街 18 号",
}


class BenchFailure(SystemExit):
    """The flash sale broke an invariant: fail the whole bench loudly."""

    def __init__(self, message: str) -> None:
        super().__init__(f"bench: FLASH SALE FAILED: {message}")


@dataclass(frozen=True)
class Outcome:
    status: int
    code: str
    seconds: float


def checkout(host: str, port: int, token: str, sku_id: int) -> Outcome:
    body = json.dumps(
        {
            "delivery": DELIVERY,
            "payment_method": "bank_transfer",
            "lines": [{"sku_id": sku_id, "quantity": 1}],
        }
    )
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": uuid.uuid4().hex,
        "Content-Type": "application/json",
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("POST", CHECKOUT_PATH, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    code = ""
    if response.status >= 400:
        try:
            code = str(json.loads(payload).get("code", ""))
        except ValueError:
            code = "unparsable"
    return Outcome(status=response.status, code=code, seconds=seconds)


def fire(
    base_url: str, tokens: list[str], sku_id: int, in_flight: int
) -> tuple[list[Outcome], float]:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        outcomes = list(pool.map(lambda token: checkout(host, port, token, sku_id), tokens))
    return outcomes, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarise(label: str, stock: int, outcomes: list[Outcome], seconds: float) -> dict[str, Any]:
    sold = sum(1 for outcome in outcomes if outcome.status == 201)
    refused = sum(1 for outcome in outcomes if outcome.code == "out_of_stock")
    latencies = [outcome.seconds for outcome in outcomes]
    return {
        "label": label,
        "units": stock,
        "checkouts": len(outcomes),
        "sold": sold,
        "out_of_stock": refused,
        "other": sorted(
            {f"{o.status} {o.code}".strip() for o in outcomes if o.status != 201}
            - {"422 out_of_stock"}
        ),
        "seconds": seconds,
        "checkouts_per_s": len(outcomes) / seconds,
        "orders_per_s": sold / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--server-pid", type=int, required=True, help="gunicorn's master")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    setup()

    from django.db import connection

    from highland.catalog import services as catalog_services
    from highland.catalog.models import Sku
    from highland.core.models import User
    from highland.orders.models import OrderLine

    database = str(connection.settings_dict["NAME"])

    fixtures = json.loads(args.fixtures.read_text(encoding="utf-8"))
    sku_id = fixtures["hot_sku_id"]
    operator = User.objects.get(username="operator")
    tokens = [buyer["token"] for buyer in fixtures["buyers"]]

    def restock(units: int) -> None:
        sku = Sku.objects.select_related("product__seller").get(pk=sku_id)
        catalog_services.set_stock(sku, units, actor=operator, reason="bench flash sale")

    def sold_lines() -> int:
        return OrderLine.objects.filter(sku_id=sku_id).count()

    # Warm-up: the API path's first request in each worker pays for imports and schema
    # building; spend that on separate buyers before anything is timed.
    restock(PLENTY_UNITS)
    warm_tokens = [buyer["token"] for buyer in fixtures["warm_up_buyers"]]
    warm, _ = fire(args.base_url, warm_tokens, sku_id, in_flight=len(warm_tokens))
    if any(outcome.status != 201 for outcome in warm):
        raise BenchFailure(f"warm-up checkouts failed: {sorted({o.status for o in warm})}")

    results = []
    for label, units in (("scarce", SCARCE_UNITS), ("plenty", PLENTY_UNITS)):
        restock(units)
        lines_before = sold_lines()
        cpu_before = cpu_snapshot(args.server_pid, database)
        sampler = LockSampler()
        sampler.start()
        outcomes, seconds = fire(args.base_url, tokens, sku_id, IN_FLIGHT)
        locks = sampler.stop()
        cpu = cpu_used(cpu_before, cpu_snapshot(args.server_pid, database))
        summary = summarise(label, units, outcomes, seconds) | locks
        summary["django_cpu_ms"] = 1000 * cpu["django"] / len(outcomes)
        summary["postgres_cpu_ms"] = 1000 * cpu["postgres"] / len(outcomes)
        stock_after = Sku.objects.get(pk=sku_id).stock
        summary["stock_after"] = stock_after
        summary["order_lines_written"] = sold_lines() - lines_before
        expected = min(units, len(tokens))
        if summary["other"]:
            raise BenchFailure(f"{label}: unexpected responses {summary['other']}")
        if summary["sold"] != expected:
            raise BenchFailure(f"{label}: sold {summary['sold']} of {units} units, not {expected}")
        if summary["order_lines_written"] != expected or stock_after != units - expected:
            raise BenchFailure(
                f"{label}: {summary['order_lines_written']} order lines and stock "
                f"{stock_after} after selling {expected} of {units}"
            )
        if summary["sold"] + summary["out_of_stock"] != len(tokens):
            raise BenchFailure(f"{label}: refusals other than out_of_stock")
        print(
            f"bench: flash sale {label}: {units} units, sold {summary['sold']}, "
            f"{summary['out_of_stock']} out of stock, {summary['checkouts_per_s']:.1f} "
            f"checkouts/s, {summary['orders_per_s']:.1f} orders/s, p99 {summary['p99_ms']:.0f} ms"
        )
        results.append(summary)
    args.out.write_text(json.dumps({"in_flight": IN_FLIGHT, "runs": results}, indent=1))


if __name__ == "__main__":
    main()
