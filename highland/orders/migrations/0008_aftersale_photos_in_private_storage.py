"""After-sale evidence photos move from the public MEDIA_ROOT to private storage (same names)."""

from django.conf import settings
from django.db import migrations, models

import highland.core.storage
import highland.orders.models.aftersales
from highland.core.storage import move_files


def _stored_names(apps):
    AfterSalePhoto = apps.get_model("orders", "AfterSalePhoto")
    return (
        AfterSalePhoto.objects.exclude(thumbnail="").values_list("thumbnail", flat=True).iterator()
    )


def move_aftersale_photos_to_private_storage(apps, schema_editor):
    move_files(_stored_names(apps), source=settings.MEDIA_ROOT, target=settings.PRIVATE_MEDIA_ROOT)


def back_to_public_storage(apps, schema_editor):
    move_files(_stored_names(apps), source=settings.PRIVATE_MEDIA_ROOT, target=settings.MEDIA_ROOT)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_order_line_commission_fixed_at_checkout"),
    ]

    operations = [
        migrations.AlterField(
            model_name="aftersalephoto",
            name="thumbnail",
            field=models.ImageField(
                max_length=255,
                storage=highland.core.storage.private_storage,
                upload_to=highland.orders.models.aftersales.evidence_path,
                verbose_name="photo",
            ),
        ),
        migrations.RunPython(move_aftersale_photos_to_private_storage, back_to_public_storage),
    ]
