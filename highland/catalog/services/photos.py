"""Product photos: checked, stripped of metadata, thumbnailed."""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import IO

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from highland.catalog.models import (
    Product,
    ProductPhoto,
)
from highland.catalog.services.fields import (
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    MAX_PHOTOS_PER_PRODUCT,
    PHOTO_FORMATS,
    THUMBNAIL_MAX_WIDTH,
    THUMBNAIL_QUALITY,
    _on_behalf_of,
)
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require

# --- photos ----------------------------------------------------------------------------------


def _read_upload(upload: IO[bytes] | File) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise _too_large()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise _too_large()
    if not data:
        raise ValidationFailed(_("The file is empty."), field="image")
    return bytes(data)


def _too_large() -> ValidationFailed:
    return ValidationFailed(
        _("The photo is larger than 8 MB. Send a smaller one."), code="too_large", field="image"
    )


def _not_an_image() -> ValidationFailed:
    return ValidationFailed(
        _("This file is not a photo. Send a JPEG, PNG or WebP image."),
        code="not_an_image",
        field="image",
    )


def without_metadata(data: bytes) -> bytes:
    """The photo re-encoded upright with no EXIF: a phone's photo carries the GPS position
    of a herder's home, which must not be published. Call after make_thumbnail checked it."""
    with Image.open(io.BytesIO(data)) as image:
        image_format = image.format or "JPEG"
        upright = ImageOps.exif_transpose(image) or image
        output = io.BytesIO()
        if image_format == "JPEG":
            upright.convert("RGB").save(output, "JPEG", quality=90)
        else:
            upright.save(
                output, image_format, **({"quality": 90} if image_format == "WEBP" else {})
            )
    return output.getvalue()


def make_thumbnail(data: bytes) -> tuple[bytes, int, int, str]:
    """Check the photo and make its WebP thumbnail: (webp bytes, width, height, extension).

    At most THUMBNAIL_MAX_WIDTH pixels wide, turned upright from the EXIF orientation.
    Raises ValidationFailed for anything that is not a JPEG, PNG or WebP image.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    if image_format not in PHOTO_FORMATS:
        raise _not_an_image()
    if width * height > MAX_PHOTO_PIXELS:
        raise ValidationFailed(
            _("The photo has too many pixels. Send one of at most 40 megapixels."),
            code="too_large",
            field="image",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            has_alpha = upright.mode in ("RGBA", "LA") or (
                upright.mode == "P" and "transparency" in upright.info
            )
            converted = upright.convert("RGBA" if has_alpha else "RGB")
            if converted.width > THUMBNAIL_MAX_WIDTH:
                new_height = max(1, round(converted.height * THUMBNAIL_MAX_WIDTH / converted.width))
                converted = converted.resize(
                    (THUMBNAIL_MAX_WIDTH, new_height), Image.Resampling.LANCZOS
                )
            output = io.BytesIO()
            converted.save(output, "WEBP", quality=THUMBNAIL_QUALITY, method=4)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    return output.getvalue(), converted.width, converted.height, PHOTO_FORMATS[image_format]


@transaction.atomic
def add_photo(product: Product, upload: IO[bytes] | File, *, actor: User) -> ProductPhoto:
    """Store a product photo (at most 8 MB; JPEG, PNG or WebP) and its WebP thumbnail.

    The files are written before the row; if the transaction then rolls back they stay
    behind unreferenced (clean them with a media sweep, not here).
    """
    require(actor, "catalog.manage_product", product)
    if product.photos.count() >= MAX_PHOTOS_PER_PRODUCT:
        raise ValidationFailed(
            _("A product has at most %(count)d photos. Remove one first.")
            % {"count": MAX_PHOTOS_PER_PRODUCT},
            code="too_many_photos",
            field="image",
        )
    data = _read_upload(upload)
    thumbnail, width, height, extension = make_thumbnail(data)
    stem = PurePath(str(getattr(upload, "name", "") or "photo")).stem[:40] or "photo"
    position = (product.photos.aggregate(last=Max("position"))["last"] or 0) + 1
    photo = ProductPhoto(
        product=product,
        county_id=product.county_id,
        position=position,
        thumbnail_width=width,
        thumbnail_height=height,
    )
    photo.image.save(f"{stem}.{extension}", ContentFile(without_metadata(data)), save=False)
    photo.thumbnail.save(f"{stem}.webp", ContentFile(thumbnail), save=False)
    photo.save()
    audit.record(
        actor,
        "catalog.photo.added",
        photo,
        {
            "product": product.pk,
            "image": photo.image.name,
            "bytes": len(data),
            "thumbnail": [width, height],
        },
        on_behalf_of=_on_behalf_of(product.seller, actor),
    )
    shop_changed(product.county)
    return photo


@transaction.atomic
def remove_photo(photo: ProductPhoto, *, actor: User) -> None:
    """Remove a photo; its files are deleted once the removal has committed."""
    require(actor, "catalog.manage_product", photo)
    product = photo.product
    names = [photo.image.name, photo.thumbnail.name]
    storage = photo.image.storage
    audit.record(
        actor,
        "catalog.photo.removed",
        photo,
        {"product": product.pk, "image": photo.image.name},
        on_behalf_of=_on_behalf_of(product.seller, actor),
    )
    photo.delete()

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    shop_changed(photo.county)
