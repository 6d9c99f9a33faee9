from django.db import migrations, models

BATCH = 500


def names_in_three_languages(apps, schema_editor):
    """Lines frozen in one language get Tibetan and English: the catalogue's when the product
    and SKU still carry the frozen Chinese name, otherwise the Chinese copied; re-runnable."""
    OrderLine = apps.get_model("orders", "OrderLine")
    Sku = apps.get_model("catalog", "Sku")
    unknown = models.Q(product_name_bo="") | models.Q(product_name_en="")
    unknown |= models.Q(sku_label_bo="") | models.Q(sku_label_en="")
    last_pk = 0
    while True:
        batch = list(OrderLine.objects.filter(unknown, pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        skus = Sku.objects.select_related("product").in_bulk({line.sku_id for line in batch})
        for line in batch:
            sku = skus.get(line.sku_id)
            product = sku.product if sku is not None else None
            for language in ("bo", "en"):
                name_field, label_field = f"product_name_{language}", f"sku_label_{language}"
                if not getattr(line, name_field):
                    same = product is not None and product.name_zh == line.product_name_zh
                    catalog_name = getattr(product, f"name_{language}", "") if same else ""
                    setattr(line, name_field, catalog_name or line.product_name_zh)
                if not getattr(line, label_field):
                    same = sku is not None and sku.label_zh == line.sku_label_zh
                    catalog_label = getattr(sku, f"label_{language}", "") if same else ""
                    setattr(line, label_field, catalog_label or line.sku_label_zh)
        OrderLine.objects.bulk_update(
            batch, ["product_name_bo", "product_name_en", "sku_label_bo", "sku_label_en"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_consent_evidence_in_private_storage"),
        ("orders", "0009_payout_returned_by_the_bank"),
    ]

    operations = [
        migrations.RenameField("orderline", "product_name", "product_name_zh"),
        migrations.RenameField("orderline", "sku_label", "sku_label_zh"),
        migrations.AlterField(
            model_name="orderline",
            name="product_name_zh",
            field=models.CharField(max_length=200, verbose_name="product (Chinese)"),
        ),
        migrations.AlterField(
            model_name="orderline",
            name="sku_label_zh",
            field=models.CharField(max_length=200, verbose_name="variant (Chinese)"),
        ),
        migrations.AddField(
            model_name="orderline",
            name="product_name_bo",
            field=models.CharField(blank=True, max_length=200, verbose_name="product (Tibetan)"),
        ),
        migrations.AddField(
            model_name="orderline",
            name="product_name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="product (English)"),
        ),
        migrations.AddField(
            model_name="orderline",
            name="sku_label_bo",
            field=models.CharField(blank=True, max_length=200, verbose_name="variant (Tibetan)"),
        ),
        migrations.AddField(
            model_name="orderline",
            name="sku_label_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="variant (English)"),
        ),
        migrations.RunPython(names_in_three_languages, migrations.RunPython.noop, elidable=True),
    ]
