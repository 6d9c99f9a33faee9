"""Making parcels: a new SSCC each, sizes checked, only the people who handle parcels."""

from __future__ import annotations

import pytest

from highland.core.errors import PermissionDenied, ValidationFailed
from highland.core.gs1 import is_valid_sscc
from highland.logistics.models import Parcel, ParcelKind
from highland.logistics.services.parcels import create_parcel


def test_an_order_parcel_gets_a_valid_sscc_and_an_estimated_volume(parcel_factory) -> None:
    parcel = parcel_factory.order_parcel(weight_g=600)
    assert is_valid_sscc(parcel.sscc)
    assert parcel.sscc[1:8] == "6999513"
    assert parcel.volume_ml == 1200
    assert parcel.status == "created"


def test_two_parcels_never_share_an_sscc(parcel_factory) -> None:
    first = parcel_factory.collection()
    second = parcel_factory.collection()
    assert first.sscc != second.sscc


def test_an_empty_parcel_is_refused_and_nothing_is_stored(demo) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create_parcel(
            demo.county,
            kind=ParcelKind.COLLECTION,
            origin_point=demo.point("LT-S01-V01"),
            weight_g=0,
            temperature_class="ambient",
            actor=demo.user("operator"),
        )
    assert "weight_g" in refused.value.errors
    assert not Parcel.objects.exists()


def test_a_buyer_cannot_make_parcels(demo) -> None:
    with pytest.raises(PermissionDenied):
        create_parcel(
            demo.county,
            kind=ParcelKind.COLLECTION,
            origin_point=demo.point("LT-S01-V01"),
            weight_g=1000,
            temperature_class="ambient",
            actor=demo.user("buyer"),
        )
    assert not Parcel.objects.exists()
