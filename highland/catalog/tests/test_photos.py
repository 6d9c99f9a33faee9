"""Product photos: WebP thumbnails at most 480 px wide, and clear refusals."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from highland.catalog import services
from highland.catalog.models import ProductPhoto
from highland.catalog.tests.test_services import catalog_state
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord


def image_file(
    width: int, height: int, image_format: str = "JPEG", mode: str = "RGB", name: str = "yak.jpg"
) -> SimpleUploadedFile:
    data = io.BytesIO()
    colour = (200, 120, 40, 128) if mode == "RGBA" else (200, 120, 40)
    Image.new(mode, (width, height), colour).save(data, image_format)
    return SimpleUploadedFile(name, data.getvalue())


def opened(field) -> Image.Image:
    with field.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
        return image


def test_a_photo_gets_a_webp_thumbnail_480_px_wide(shop, media_root):
    product = shop.product("牦牛肉干")

    photo = services.add_photo(product, image_file(4000, 3000), actor=shop.user("coop_manager"))

    thumbnail = opened(photo.thumbnail)
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (480, 360))
    assert (photo.thumbnail_width, photo.thumbnail_height) == (480, 360)
    assert opened(photo.image).size == (4000, 3000)  # the original is kept as sent
    assert photo.image.name.startswith(f"catalog/photos/{shop.county.pk}/{product.pk}/")
    assert photo.thumbnail.name.endswith(".webp")
    assert (media_root / photo.thumbnail.name).stat().st_size < 20_000
    record = AuditRecord.objects.get(action="catalog.photo.added", object_id=str(photo.pk))
    assert record.changes["thumbnail"] == [480, 360]


def test_a_small_photo_is_not_enlarged(shop, media_root):
    photo = services.add_photo(
        shop.product("牦牛肉干"), image_file(300, 500), actor=shop.user("operator")
    )

    assert opened(photo.thumbnail).size == (300, 500)


def test_a_transparent_png_keeps_its_transparency(shop, media_root):
    photo = services.add_photo(
        shop.product("唐卡"),
        image_file(960, 960, "PNG", "RGBA", name="thangka.png"),
        actor=shop.user("seller"),
    )

    thumbnail = opened(photo.thumbnail)
    assert (thumbnail.size, thumbnail.mode) == ((480, 480), "RGBA")
    assert photo.image.name.endswith(".png")


def test_the_photo_is_turned_upright_from_its_exif_orientation(shop, media_root):
    data = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    Image.new("RGB", (1000, 600)).save(data, "JPEG", exif=exif)

    photo = services.add_photo(
        shop.product("唐卡"),
        SimpleUploadedFile("p.jpg", data.getvalue()),
        actor=shop.user("seller"),
    )

    assert opened(photo.thumbnail).size == (480, 800)


def test_positions_follow_the_upload_order(shop, media_root):
    product = shop.product("唐卡")
    first = services.add_photo(product, image_file(10, 10), actor=shop.user("seller"))
    second = services.add_photo(product, image_file(10, 10), actor=shop.user("seller"))

    assert (first.position, second.position) == (1, 2)


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.jpg", b"herding notes, not a photo"),
        SimpleUploadedFile("truncated.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
        SimpleUploadedFile("animation.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ],
    ids=["text", "broken-jpeg", "gif"],
)
def test_files_that_are_not_photos_are_refused(shop, media_root, upload):
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.add_photo(shop.product("唐卡"), upload, actor=shop.user("seller"))

    assert refusal.value.code == "not_an_image"
    assert refusal.value.errors == {
        "image": ["This file is not a photo. Send a JPEG, PNG or WebP image."]
    }
    assert catalog_state() == before
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_a_gif_image_is_refused_too(shop, media_root):
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.add_photo(
            shop.product("唐卡"),
            image_file(20, 20, "GIF", "RGB", "a.gif"),
            actor=shop.user("seller"),
        )

    assert refusal.value.code == "not_an_image"
    assert catalog_state() == before


def test_a_photo_over_8_mb_is_refused(shop, media_root):
    big = SimpleUploadedFile("big.jpg", b"\xff" * (8 * 1024 * 1024 + 1))
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.add_photo(shop.product("唐卡"), big, actor=shop.user("seller"))

    assert refusal.value.code == "too_large"
    assert refusal.value.errors == {"image": ["The photo is larger than 8 MB. Send a smaller one."]}
    assert catalog_state() == before


def test_a_photo_of_exactly_8_mb_is_read_in_full(shop, media_root):
    # At the limit the size check passes; the bytes still have to be a photo.
    exact = SimpleUploadedFile("exact.jpg", b"\xff" * (8 * 1024 * 1024))

    with pytest.raises(ValidationFailed) as refusal:
        services.add_photo(shop.product("唐卡"), exact, actor=shop.user("seller"))

    assert refusal.value.code == "not_an_image"


def test_a_product_has_at_most_nine_photos(shop, media_root):
    product = shop.product("唐卡")
    for _ in range(services.MAX_PHOTOS_PER_PRODUCT):
        services.add_photo(product, image_file(8, 8), actor=shop.user("seller"))
    before = catalog_state()

    with pytest.raises(ValidationFailed) as refusal:
        services.add_photo(product, image_file(8, 8), actor=shop.user("seller"))

    assert refusal.value.errors == {"image": ["A product has at most 9 photos. Remove one first."]}
    assert catalog_state() == before


def test_only_those_who_manage_the_product_add_or_remove_photos(shop, media_root):
    product = shop.product("唐卡")
    photo = services.add_photo(product, image_file(8, 8), actor=shop.user("seller"))
    before = catalog_state()

    for who in ("coop_manager", "agent", "buyer"):
        with pytest.raises(PermissionDenied):
            services.add_photo(product, image_file(8, 8), actor=shop.user(who))
        with pytest.raises(PermissionDenied):
            services.remove_photo(photo, actor=shop.user(who))

    assert catalog_state() == before
    assert ProductPhoto.objects.filter(product=product).count() == 1
