"""After-sale evidence photos are private files, seen only by those who see the request."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from highland.orders import aftersales
from highland.orders.tests.test_aftersales import delivered, image_file, open_request


@pytest.fixture
def evidence(shop, chengdu_address, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    aftersale = open_request(shop, delivered(shop, chengdu_address))
    return aftersales.add_aftersale_photo(aftersale, image_file(800, 600), actor=shop.buyer())


def photo_url(photo) -> str:
    return f"/orders/aftersales/{photo.aftersale_id}/photos/{photo.pk}/"


def test_the_photo_is_stored_privately(evidence, tmp_path):
    assert (tmp_path / "private" / evidence.thumbnail.name).is_file()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))
    with pytest.raises(ValueError, match="A private file has no URL"):
        _ = evidence.thumbnail.url


def test_the_photo_has_no_public_url(evidence, client_as):
    assert client_as(None).get(f"/media/{evidence.thumbnail.name}").status_code == 404


@pytest.mark.parametrize("username", ["buyer", "seller", "operator"])
def test_who_sees_the_request_sees_the_photo(shop, evidence, client_as, username):
    response = client_as(shop.demo.user(username)).get(photo_url(evidence))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, max-age=3600"
    with evidence.thumbnail.open("rb") as stored:
        assert response.content == stored.read()


def test_another_county_does_not_see_the_photo(evidence, other_county, client_as):
    assert client_as(other_county.operator).get(photo_url(evidence)).status_code == 404


def test_anonymous_is_sent_to_log_in(evidence, client_as):
    response = client_as(None).get(photo_url(evidence))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_migration_moves_existing_photos(evidence, tmp_path):
    # given the photo where it used to be stored, under the public MEDIA_ROOT
    name = evidence.thumbnail.name
    old_place, new_place = tmp_path / "media" / name, tmp_path / "private" / name
    old_place.parent.mkdir(parents=True)
    new_place.rename(old_place)
    migration = importlib.import_module(
        "highland.orders.migrations.0008_aftersale_photos_in_private_storage"
    )

    # when the migration runs, twice (it is re-runnable)
    migration.move_aftersale_photos_to_private_storage(apps, None)
    migration.move_aftersale_photos_to_private_storage(apps, None)

    # then it is in private storage only, under the same name
    assert new_place.read_bytes()[:4] == b"RIFF"
    assert not old_place.exists()


def test_the_admin_links_the_photo_through_its_view(shop, evidence, client_as):
    response = client_as(shop.demo.user("admin")).get(
        f"/admin/orders/aftersale/{evidence.aftersale_id}/change/"
    )

    assert response.status_code == 200
    assert f'href="{photo_url(evidence)}"' in response.content.decode()
