"""Consent photos (signatures, thumbprints) are private files; product photos are public."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from PIL import Image

from highland.catalog import services
from highland.catalog.consent import record_listing_consent
from highland.catalog.tests import test_consent
from highland.catalog.tests.test_consent import photo
from highland.core.tests.profiles import run_python_in_production

household = test_consent.household  # the fixture: a household the agent represents


def jpeg(width=800, height=600) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 60)).save(data, "JPEG")
    data.seek(0)
    return data


@pytest.fixture
def thumbprint(demo, household, private_media_root, media_root):
    return record_listing_consent(
        household, actor=demo.user("agent"), method="thumbprint", evidence=photo()
    )


def evidence_url(consent) -> str:
    return f"/shop/manage/sellers/{consent.seller_id}/consents/{consent.pk}/evidence/"


def test_consent_photo_is_stored_outside_the_public_media(
    thumbprint, private_media_root, media_root
):
    assert (private_media_root / thumbprint.evidence.name).is_file()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))
    with pytest.raises(ValueError, match="A private file has no URL"):
        _ = thumbprint.evidence.url


def test_consent_photo_has_no_public_url(thumbprint, client_as):
    response = client_as(None).get(f"/media/{thumbprint.evidence.name}")

    assert response.status_code == 404


@pytest.mark.parametrize("username", ["agent", "operator"])
def test_who_sees_the_consent_record_sees_its_photo(demo, thumbprint, client_as, username):
    response = client_as(demo.user(username)).get(evidence_url(thumbprint))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, max-age=3600"
    with thumbprint.evidence.open("rb") as stored:
        assert response.content == stored.read()


@pytest.mark.parametrize(("username", "status"), [("seller", 403), ("buyer", 403)])
def test_others_of_the_county_do_not_see_the_photo(demo, thumbprint, client_as, username, status):
    assert client_as(demo.user(username)).get(evidence_url(thumbprint)).status_code == status


def test_another_county_does_not_see_the_photo(thumbprint, other_county, client_as):
    assert client_as(other_county.operator).get(evidence_url(thumbprint)).status_code == 404


def test_anonymous_is_sent_to_log_in(thumbprint, client_as):
    response = client_as(None).get(evidence_url(thumbprint))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_witness_consent_has_no_photo(demo, household, client_as):
    consent = record_listing_consent(
        household, actor=demo.user("agent"), method="witness", witness_name="洛绒"
    )

    assert client_as(demo.user("agent")).get(evidence_url(consent)).status_code == 404


def test_the_consent_page_links_the_photo(demo, thumbprint, client_as):
    page = client_as(demo.user("agent")).get(
        f"/shop/manage/sellers/{thumbprint.seller_id}/consent/"
    )

    assert f'href="{evidence_url(thumbprint)}"' in page.content.decode()


def test_product_photos_are_public(shop, client_as, media_root):
    product = shop.product("牦牛肉干")
    added = services.add_photo(product, jpeg(), actor=shop.user("admin"))

    image = client_as(None).get(added.image.url)
    thumbnail = client_as(None).get(added.thumbnail.url)

    assert (image.status_code, thumbnail.status_code) == (200, 200)
    assert thumbnail["Content-Type"] == "image/webp"
    assert thumbnail["Cache-Control"] == "public, max-age=86400"
    assert b"".join(thumbnail.streaming_content) == (media_root / added.thumbnail.name).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/media/catalog/consent/1/x.webp",
        "/media/orders/aftersales/1/1/x.webp",
        "/media/catalog/photos/../../secret_key",
        "/media/catalog/photos/1/1/page.html",
    ],
)
def test_nothing_but_product_photos_is_served_at_media(client_as, media_root, path):
    for name in ("catalog/consent/1/x.webp", "orders/aftersales/1/1/x.webp"):
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(b"RIFF")
    (media_root / "catalog/photos/1/1").mkdir(parents=True, exist_ok=True)
    (media_root / "catalog/photos/1/1/page.html").write_text("<script>alert(1)</script>")

    assert client_as(None).get(path).status_code == 404


def test_production_serves_product_photos(tmp_path):
    # A production process: a thumbnail on disk under its MEDIA_ROOT, fetched over HTTPS.
    line = run_python_in_production(
        tmp_path,
        "from django.conf import settings; from django.test import Client; "
        "path = settings.MEDIA_ROOT / 'catalog/thumbnails/1/2/tea.webp'; "
        "path.parent.mkdir(parents=True); path.write_bytes(b'RIFF-photo'); "
        "response = Client().get('/media/catalog/thumbnails/1/2/tea.webp', secure=True, "
        "HTTP_HOST='shop.example.cn'); "
        "print(response.status_code, response['Content-Type'], response['Cache-Control'], "
        "b''.join(response.streaming_content).decode())",
    )

    assert line == "200 image/webp public, max-age=86400 RIFF-photo"


def test_the_migration_moves_existing_consent_photos(
    demo,
    household,
    settings,
    tmp_path,
):
    # given a consent photo stored where it used to be, under the public MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    consent = record_listing_consent(
        household, actor=demo.user("agent"), method="signature", evidence=photo()
    )
    name = consent.evidence.name
    with consent.evidence.open("rb") as stored:
        data = stored.read()
    consent.evidence.storage.delete(name)
    old_place, new_place = tmp_path / "media" / name, tmp_path / "private" / name
    old_place.parent.mkdir(parents=True, exist_ok=True)
    old_place.write_bytes(data)
    migration = importlib.import_module(
        "highland.catalog.migrations.0004_consent_evidence_in_private_storage"
    )

    # when the migration runs, twice (it is re-runnable)
    migration.move_consent_photos_to_private_storage(apps, None)
    migration.move_consent_photos_to_private_storage(apps, None)

    # then the file is in private storage only, under the same name
    assert new_place.read_bytes()[:4] == b"RIFF"
    assert not old_place.exists()
    with consent.evidence.open("rb") as stored:
        assert stored.read(4) == b"RIFF"


def test_the_admin_links_the_consent_photo_through_its_view(demo, thumbprint, client_as):
    response = client_as(demo.user("admin")).get(
        f"/admin/catalog/listingconsent/{thumbprint.pk}/change/"
    )

    assert response.status_code == 200
    assert f'href="{evidence_url(thumbprint)}"' in response.content.decode()
