"""Consent photos move from the public MEDIA_ROOT to private storage (same names)."""

from django.conf import settings
from django.db import migrations, models

import highland.catalog.models
import highland.core.storage
from highland.core.storage import move_files


def _stored_names(apps):
    ListingConsent = apps.get_model("catalog", "ListingConsent")
    return ListingConsent.objects.exclude(evidence="").values_list("evidence", flat=True).iterator()


def move_consent_photos_to_private_storage(apps, schema_editor):
    move_files(_stored_names(apps), source=settings.MEDIA_ROOT, target=settings.PRIVATE_MEDIA_ROOT)


def back_to_public_storage(apps, schema_editor):
    move_files(_stored_names(apps), source=settings.PRIVATE_MEDIA_ROOT, target=settings.MEDIA_ROOT)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_listing_consents"),
    ]

    operations = [
        migrations.AlterField(
            model_name="listingconsent",
            name="evidence",
            field=models.ImageField(
                blank=True,
                storage=highland.core.storage.private_storage,
                upload_to=highland.catalog.models.consent_evidence_path,
                verbose_name="evidence photo",
            ),
        ),
        migrations.RunPython(move_consent_photos_to_private_storage, back_to_public_storage),
    ]
