"""Consent for assisted listing: an agent lists a household's produce only with its consent."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from highland.catalog.models import ConsentMethod, ListingConsent, Product, Seller, SellerKind
from highland.catalog.selectors import has_consent
from highland.catalog.services import MAX_PHOTO_BYTES, make_thumbnail
from highland.core import audit
from highland.core.errors import ValidationFailed
from highland.core.models import User
from highland.core.pagecache import shop_changed
from highland.core.permissions import require


@transaction.atomic
def record_listing_consent(
    seller: Seller,
    *,
    actor: User,
    method: str,
    evidence: IO[bytes] | None = None,
    witness_name: str = "",
    product: Product | None = None,
    given_at: dt.datetime | None = None,
) -> ListingConsent:
    """Record that the household agreed to be listed, with a photo of the signature or
    thumbprint, or the name of a witness."""
    require(actor, "catalog.record_consent", seller)
    if seller.kind != SellerKind.INDIVIDUAL or seller.member is None:
        raise ValidationFailed(
            _("Consent is recorded for a household seller."), code="not_a_household"
        )
    if product is not None and product.seller_id != seller.pk:
        raise ValidationFailed(_("The product belongs to another seller."), field="product")
    if method not in ConsentMethod.values:
        raise ValidationFailed(_("Choose how consent was given."), field="method")
    if method == ConsentMethod.WITNESS and not witness_name.strip():
        raise ValidationFailed(_("Name the witness."), field="witness_name")
    thumbnail = None
    if method != ConsentMethod.WITNESS:
        if evidence is None:
            raise ValidationFailed(
                _("Take a photo of the signature or thumbprint."), field="evidence"
            )
        data = evidence.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationFailed(_("The photo is too large."), field="evidence")
        try:
            thumbnail = make_thumbnail(data)[0]
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field="evidence") from error
    given_at = given_at or timezone.now()
    if given_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed(_("Consent cannot be given in the future."), field="given_at")
    consent = ListingConsent(
        county=seller.county,
        seller=seller,
        product=product,
        given_by=seller.member,
        recorded_by=actor,
        method=method,
        witness_name=witness_name.strip()[:60],
        given_at=given_at,
    )
    if thumbnail is not None:
        consent.evidence.save("consent.webp", ContentFile(thumbnail), save=False)
    consent.save()
    audit.record(
        actor,
        "catalog.consent.recorded",
        consent,
        {"method": method, "product": product.pk if product else None},
        on_behalf_of=seller.member,
    )
    shop_changed(seller.county)
    return consent


@transaction.atomic
def revoke_listing_consent(consent: ListingConsent, *, actor: User) -> ListingConsent:
    """The household withdraws consent; their products covered only by it come off sale."""
    require(actor, "catalog.record_consent", consent.seller)
    if consent.revoked_at is not None:
        raise ValidationFailed(_("This consent was already withdrawn."), code="already_revoked")
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    withdrawn = []
    for product in consent.seller.products.filter(status="active"):
        if not has_consent(product):
            product.status = "draft"
            product.save(update_fields=["status", "updated_at"])
            withdrawn.append(product.pk)
    audit.record(
        actor,
        "catalog.consent.revoked",
        consent,
        {"withdrawn_products": withdrawn},
        on_behalf_of=consent.seller.member,
    )
    shop_changed(consent.county)
    return consent
