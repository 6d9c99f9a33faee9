"""Assisted listing: a household's produce goes on sale only with its recorded consent."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from highland.catalog import services
from highland.catalog.consent import record_listing_consent, revoke_listing_consent
from highland.catalog.models import Category, ListingConsent, Product, Seller, SellerKind
from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.models import AuditRecord


@pytest.fixture
def household(demo):
    """A second herder household represented by the station agent, with no consent yet."""
    from highland.core.models import Membership, Role, User

    herder = User.objects.create_user(
        "herder_dawa", county=demo.county, password=None, display_name="达瓦"
    )
    Membership.objects.create(county=demo.county, user=herder, role=Role.BUYER)
    return Seller.objects.create(
        county=demo.county,
        kind=SellerKind.INDIVIDUAL,
        member=herder,
        represented_by=demo.user("agent"),
        name_zh="达瓦家",
    )


def draft_product(demo, seller):
    product = services.create_product(
        seller,
        services.ProductDetails(
            category=Category.objects.get(county=demo.county, code="meat-dairy"),
            name_zh="酥油",
            storage_class="chilled",
            shelf_life_days=60,
        ),
        actor=demo.user("agent"),
    )
    services.add_sku(
        product,
        services.SkuDetails(
            code="DW-SY-500",
            label_zh="500 克",
            price_fen=6000,
            selling_unit="pack",
            unit_weight_g=520,
            stock=10,
        ),
        actor=demo.user("agent"),
    )
    return product


def photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), "white").save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_without_consent_the_product_cannot_go_on_sale(demo, household):
    product = draft_product(demo, household)

    with pytest.raises(ValidationFailed) as refusal:
        services.change_product_status(product, "active", actor=demo.user("agent"))

    assert refusal.value.code == "no_consent"
    product.refresh_from_db()
    assert product.status == "draft"


def test_thumbprint_consent_lets_the_agent_list(demo, household):
    product = draft_product(demo, household)

    consent = record_listing_consent(
        household, actor=demo.user("agent"), method="thumbprint", evidence=photo()
    )
    services.change_product_status(product, "active", actor=demo.user("agent"))

    assert consent.evidence.name.endswith(".webp")
    assert Product.objects.get(pk=product.pk).status == "active"
    record = AuditRecord.objects.get(action="catalog.consent.recorded", object_id=str(consent.pk))
    assert (record.actor, record.on_behalf_of) == (demo.user("agent"), household.member)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "witness"}, "witness_name"),
        ({"method": "signature"}, "evidence"),
        ({"method": "fingers"}, "method"),
    ],
)
def test_consent_needs_its_evidence(demo, household, kwargs, field):
    with pytest.raises(ValidationFailed) as refusal:
        record_listing_consent(household, actor=demo.user("agent"), **kwargs)
    assert field in refusal.value.errors
    assert not ListingConsent.objects.filter(seller=household).exists()


@pytest.mark.parametrize("username", ["village_agent", "seller", "buyer"])
def test_only_the_representing_agent_or_operator_records_consent(demo, household, username):
    with pytest.raises(PermissionDenied):
        record_listing_consent(
            household, actor=demo.user(username), method="witness", witness_name="x"
        )
    assert not ListingConsent.objects.filter(seller=household).exists()


def test_withdrawn_consent_takes_products_off_sale(demo, household):
    product = draft_product(demo, household)
    consent = record_listing_consent(
        household, actor=demo.user("agent"), method="witness", witness_name="村主任 洛绒"
    )
    services.change_product_status(product, "active", actor=demo.user("agent"))

    revoke_listing_consent(consent, actor=demo.user("agent"))

    assert Product.objects.get(pk=product.pk).status == "draft"


def test_consent_page(demo, household, client_as):
    client = client_as(demo.user("agent"))

    response = client.post(
        f"/shop/manage/sellers/{household.pk}/consent/",
        {"method": "witness", "witness_name": "村主任 洛绒"},
    )

    assert response.status_code == 302
    assert ListingConsent.objects.get(seller=household).witness_name == "村主任 洛绒"
    assert (
        client_as(demo.user("seller"))
        .get(f"/shop/manage/sellers/{household.pk}/consent/")
        .status_code
        == 403
    )


def test_published_photo_carries_no_gps(demo):
    from PIL import Image as PILImage

    from highland.catalog.models import Product

    exif = PILImage.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 1.0, 0.0), 3: "E", 4: (100.0, 16.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    PILImage.new("RGB", (800, 600), "green").save(buffer, "JPEG", exif=exif)
    buffer.seek(0)
    product = Product.objects.filter(county=demo.county).first()

    photo = services.add_photo(product, buffer, actor=demo.user("operator"))

    with PILImage.open(photo.image.path) as stored:
        assert dict(stored.getexif()) == {}
