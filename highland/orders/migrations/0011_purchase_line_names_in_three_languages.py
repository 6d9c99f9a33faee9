from django.db import migrations, models

BATCH = 500


def names_in_three_languages(apps, schema_editor):
    """Purchase lines get Tibetan and English: those their orders' lines kept for the same
    SKU under the same Chinese name, otherwise the Chinese copied; re-runnable."""
    PurchaseLine = apps.get_model("orders", "ConsolidatedPurchaseLine")
    OrderLine = apps.get_model("orders", "OrderLine")
    unknown = models.Q(product_name_bo="") | models.Q(product_name_en="")
    unknown |= models.Q(sku_label_bo="") | models.Q(sku_label_en="")
    last_pk = 0
    while True:
        batch = list(PurchaseLine.objects.filter(unknown, pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        for line in batch:
            kept = (
                OrderLine.objects.filter(
                    sku_id=line.sku_id,
                    product_name_zh=line.product_name_zh,
                    sku_label_zh=line.sku_label_zh,
                )
                .order_by("-pk")
                .first()
            )
            for stem in ("product_name", "sku_label"):
                for language in ("bo", "en"):
                    name = f"{stem}_{language}"
                    if not getattr(line, name):
                        value = getattr(kept, name, "") if kept is not None else ""
                        setattr(line, name, value or getattr(line, f"{stem}_zh"))
        PurchaseLine.objects.bulk_update(
            batch, ["product_name_bo", "product_name_en", "sku_label_bo", "sku_label_en"]
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0010_order_line_names_in_three_languages")]

    operations = [
        migrations.RenameField("consolidatedpurchaseline", "product_name", "product_name_zh"),
        migrations.RenameField("consolidatedpurchaseline", "sku_label", "sku_label_zh"),
        migrations.AlterField(
            model_name="consolidatedpurchaseline",
            name="product_name_zh",
            field=models.CharField(max_length=200, verbose_name="product (Chinese)"),
        ),
        migrations.AlterField(
            model_name="consolidatedpurchaseline",
            name="sku_label_zh",
            field=models.CharField(max_length=200, verbose_name="variant (Chinese)"),
        ),
        migrations.AddField(
            model_name="consolidatedpurchaseline",
            name="product_name_bo",
            field=models.CharField(blank=True, max_length=200, verbose_name="product (Tibetan)"),
        ),
        migrations.AddField(
            model_name="consolidatedpurchaseline",
            name="product_name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="product (English)"),
        ),
        migrations.AddField(
            model_name="consolidatedpurchaseline",
            name="sku_label_bo",
            field=models.CharField(blank=True, max_length=200, verbose_name="variant (Tibetan)"),
        ),
        migrations.AddField(
            model_name="consolidatedpurchaseline",
            name="sku_label_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="variant (English)"),
        ),
        migrations.RunPython(names_in_three_languages, migrations.RunPython.noop, elidable=True),
    ]
