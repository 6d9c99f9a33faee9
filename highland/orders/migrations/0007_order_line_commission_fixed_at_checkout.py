"""Each order line keeps the commission rate in force at checkout (ADR 0006).

Existing lines take the rate their order's seller and category have now (the rate a
payment would have used), and the commission on their amount as packed; orders not yet
paid get their commission now, as checkout fixes it from here on. Re-runnable.
"""

from django.db import migrations, models

BASIS_POINTS = 10_000


def _commission_fen(amount_fen: int, rate_bp: int) -> int:
    # As highland.orders.pricing.commission_fen: half up, integers only.
    return (2 * amount_fen * rate_bp + BASIS_POINTS) // (2 * BASIS_POINTS)


def fix_commission_per_line(apps, schema_editor):
    OrderLine = apps.get_model("orders", "OrderLine")
    Order = apps.get_model("orders", "Order")
    lines = OrderLine.objects.select_related("order__seller", "sku__product__category").order_by(
        "pk"
    )
    changed = []
    for line in lines.iterator(chunk_size=500):
        override = line.order.seller.commission_override_bp
        rate = override if override is not None else line.sku.product.category.commission_bp
        line.commission_bp = rate
        line.commission_fen = _commission_fen(line.line_fen + line.adjustment_fen, rate)
        changed.append(line)
        if len(changed) == 500:
            OrderLine.objects.bulk_update(changed, ["commission_bp", "commission_fen"])
            changed = []
    OrderLine.objects.bulk_update(changed, ["commission_bp", "commission_fen"])
    for order in Order.objects.filter(status="pending_payment").order_by("pk"):
        order.commission_fen = sum(line.commission_fen for line in order.lines.all())
        order.save(update_fields=["commission_fen"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_payout_debt_recovered"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="commission_bp",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="orderline",
            name="commission_fen",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(fix_commission_per_line, migrations.RunPython.noop),
    ]
