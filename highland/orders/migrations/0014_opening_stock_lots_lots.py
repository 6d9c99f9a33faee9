"""Today's stock into one opening lot per SKU (ADR 0010).

A lot holds what is physically there, reserved or not: on hand = the SKU's sellable
stock + what orders awaiting payment or paid (not yet packed) reserved. Orders packed
before this migration stay without allocations: which lot their goods came from was never
recorded, and inventing it would be a false trace. `orders.stock_invariants` reads the
time this migration was applied (django_migrations) and checks only lines packed after.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Sum
from django.utils import timezone

UNPACKED = ("pending_payment", "paid")


def open_lots(apps: Any, schema_editor: Any) -> None:
    Sku = apps.get_model("catalog", "Sku")
    StockLot = apps.get_model("catalog", "StockLot")
    OrderLine = apps.get_model("orders", "OrderLine")
    reserved = dict(
        OrderLine.objects.filter(order__status__in=UNPACKED)
        .values("sku_id")
        .annotate(total=Sum("quantity"))
        .values_list("sku_id", "total")
    )
    with_lots = set(StockLot.objects.values_list("sku_id", flat=True).distinct())
    today = timezone.localdate()
    lots = []
    for sku in Sku.objects.order_by("pk").iterator():
        on_hand = sku.stock + int(reserved.get(sku.pk, 0))
        if on_hand <= 0 or sku.pk in with_lots:
            continue
        lots.append(
            StockLot(
                county_id=sku.county_id,
                sku_id=sku.pk,
                code=f"OPEN-{sku.code}"[:40],
                received_quantity=on_hand,
                on_hand=on_hand,
                received_on=today,
                best_before=None,
                origin="opening",
            )
        )
    StockLot.objects.bulk_create(lots, batch_size=1000)


def close_lots(apps: Any, schema_editor: Any) -> None:
    apps.get_model("catalog", "StockLot").objects.filter(origin="opening").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_stock_lots"),
        ("orders", "0013_line_lot_allocations"),
    ]

    operations = [migrations.RunPython(open_lots, close_lots)]
