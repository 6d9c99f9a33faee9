"""The idempotency mechanism on its own: fingerprints, claims, conflicts, rollbacks, expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone

from highland.core import idempotency
from highland.core.errors import Conflict, DomainError, ValidationFailed
from highland.core.idempotency import IdempotentRequest
from highland.core.models import County, IdempotencyRecord


@dataclass(frozen=True)
class Line:
    sku_id: int
    quantity: int


def test_the_fingerprint_is_the_sha256_of_canonical_json():
    canonical = '{"a":[1,{"b":"藏"}],"c":null}'  # keys sorted, no spaces, UTF-8

    assert idempotency.fingerprint({"c": None, "a": [1, {"b": "藏"}]}) == (
        hashlib.sha256(canonical.encode()).hexdigest()
    )


def test_rows_dataclasses_and_key_order_do_not_change_the_fingerprint(demo):
    county = demo.county
    as_objects = {"county": county, "lines": [Line(3, 2)], "when": dt.date(2026, 12, 3)}
    as_data = {"when": "2026-12-03", "lines": [{"quantity": 2, "sku_id": 3}], "county": county.pk}

    assert idempotency.fingerprint(as_objects) == idempotency.fingerprint(as_data)
    assert idempotency.fingerprint(as_objects) != idempotency.fingerprint(
        as_data | {"lines": [{"quantity": 3, "sku_id": 3}]}
    )


@pytest.mark.parametrize("key", ["abcdefgh", "K" * 80, "N0f3a9c2e:retry_1.x-y"])
def test_keys_within_bounds_are_accepted(key):
    assert IdempotentRequest.of(key, {}).key == key


@pytest.mark.parametrize(
    "key", ["", "abcdefg", "K" * 81, "with space", "藏文钥匙藏文钥匙", "a/b/c/d/e"]
)
def test_keys_out_of_bounds_are_a_422(key):
    with pytest.raises(ValidationFailed) as refusal:
        IdempotentRequest.of(key, {})

    assert refusal.value.status_code == 422
    assert refusal.value.code == "bad_idempotency_key"
    assert refusal.value.errors == {
        "Idempotency-Key": [
            "An Idempotency-Key has 8 to 80 characters: letters, digits, hyphens, "
            "underscores, dots or colons."
        ]
    }


def test_a_form_request_leaves_its_key_out_of_the_fingerprint():
    request = IdempotentRequest.of_form(
        {"idempotency_key": "form-key-0001", "quantity": 2}, group_buy_id=7
    )

    assert request.key == "form-key-0001"
    assert request.fingerprint == idempotency.fingerprint(
        {"form": {"quantity": 2}, "path": {"group_buy_id": 7}}
    )


def claim(
    key: str = "order-key-01",
    body: object = None,
    *,
    caller: str = "user:1",
    scope: str = "orders.checkout",
) -> idempotency.Claim:
    request = IdempotentRequest.of(key, body if body is not None else {"quantity": 1})
    return idempotency.claim(scope, caller=caller, request=request)


@pytest.mark.django_db
def test_the_same_request_replays_what_the_first_stored(demo):
    with transaction.atomic():
        first = claim()
        first.complete(obj=demo.county)

    with transaction.atomic():
        again = claim()

    assert (first.replayed, again.replayed) == (False, True)
    assert again.record.pk == first.record.pk
    assert again.stored_object(County) == demo.county
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_stored_answer_is_replayed_as_stored():
    with transaction.atomic():
        claim(scope="payments.gateway.notification").complete(
            status_code=200, body={"text": "success"}
        )

    with transaction.atomic():
        again = claim(scope="payments.gateway.notification")

    assert again.replayed
    assert (again.record.status_code, again.record.body) == (200, {"text": "success"})


@pytest.mark.django_db
def test_the_same_key_with_another_request_is_a_409():
    with transaction.atomic():
        claim(body={"quantity": 1}).complete(status_code=201, body={})
    before = list(IdempotencyRecord.objects.values())

    with pytest.raises(Conflict) as refusal, transaction.atomic():
        claim(body={"quantity": 2})

    assert refusal.value.status_code == 409
    assert refusal.value.code == "idempotency_key_reused"
    assert list(IdempotencyRecord.objects.values()) == before


@pytest.mark.django_db
def test_another_caller_or_scope_claims_the_same_key_afresh():
    with transaction.atomic():
        mine = claim(caller="user:1")
        theirs = claim(caller="user:2", body={"quantity": 9})
        elsewhere = claim(scope="orders.groupbuy.join", body={"other": True})

    assert (mine.replayed, theirs.replayed, elsewhere.replayed) == (False, False, False)
    assert sorted(IdempotencyRecord.objects.values_list("scope", "caller")) == [
        ("orders.checkout", "user:1"),
        ("orders.checkout", "user:2"),
        ("orders.groupbuy.join", "user:1"),
    ]


@pytest.mark.django_db
def test_a_refused_action_leaves_no_claim_behind():
    with pytest.raises(DomainError), transaction.atomic():
        claim(body={"quantity": 1})
        raise DomainError("out of stock", code="out_of_stock")

    assert IdempotencyRecord.objects.count() == 0
    with transaction.atomic():
        corrected = claim(body={"quantity": 2})
    assert corrected.replayed is False


@pytest.mark.django_db(transaction=True)
def test_a_claim_needs_the_actions_transaction():
    with pytest.raises(RuntimeError):
        claim()
    with pytest.raises(ValueError), transaction.atomic():
        claim(scope="checkout")
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_expired_records_are_deleted_and_recent_ones_kept():
    now = timezone.now()
    with transaction.atomic():
        for index in range(3):
            claim(key=f"order-key-0{index}").complete(status_code=200, body={})
    old_keys = ["order-key-00", "order-key-01"]
    IdempotencyRecord.objects.filter(key__in=old_keys).update(
        created_at=now - idempotency.RETENTION - dt.timedelta(seconds=1)
    )

    deleted = idempotency.delete_expired_records(now=now)

    assert deleted == 2
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["order-key-02"]
