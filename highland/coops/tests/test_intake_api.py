"""The intake API: a required Idempotency-Key, replays, racing twins, reading intakes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from highland.coops.models import Intake
from highland.coops.services.intake import record_intake_once
from highland.core.idempotency import IdempotentRequest
from highland.core.models import IdempotencyRecord
from highland.ledger.models import Entry
from highland.messaging.models import TextMessage
from highland.testing import run_concurrently


def body(coop: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "member_id": coop.members[1].pk,
        "produce_code": "MT",
        "grade_code": "A",
        "gross_g": 5_400,
        "tare_g": 400,
        "attributes": {"cap_mm": 60},
        "advance_fen": 10_000,
    }
    data.update(overrides)
    return data


def post(client: Any, coop: Any, data: dict[str, Any], key: str | None = "intake-key-0001"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        f"/api/v1/coops/{coop.cooperative.pk}/intakes",
        data=json.dumps(data),
        content_type="application/json",
        **headers,
    )


def counts() -> tuple[int, int, int]:
    return Intake.objects.count(), Entry.objects.count(), TextMessage.objects.count()


@pytest.mark.django_db
def test_record_then_replay_returns_the_first_intake(coop, demo, client_as):
    client = client_as(demo.user("village_agent"))

    first = post(client, coop, body(coop))
    again = post(client, coop, body(coop))

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again.json() == first.json() | {"created": False}
    assert first.json()["net_g"] == 5_000 and first.json()["point_code"] == "LT-S01-V01"
    assert counts() == (1, 1, 1)


@pytest.mark.django_db
def test_a_missing_key_is_a_400_and_nothing_is_saved(coop, demo, client_as):
    response = post(client_as(demo.user("village_agent")), coop, body(coop), key=None)

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_missing"
    assert "Idempotency-Key" in response.json()["errors"]
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_the_same_key_for_another_body_is_a_409(coop, demo, client_as):
    client = client_as(demo.user("village_agent"))
    post(client, coop, body(coop))

    response = post(client, coop, body(coop, gross_g=6_000))

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert counts() == (1, 1, 1)


@pytest.mark.django_db
def test_a_refusal_names_the_field_and_a_corrected_retry_runs(coop, demo, client_as):
    client = client_as(demo.user("village_agent"))

    refused = post(client, coop, body(coop, tare_g=9_000))
    corrected = post(client, coop, body(coop))

    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["tare_g"]
    assert corrected.status_code == 201
    assert counts() == (1, 1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_manager", "member", "buyer", "agent"])
def test_strangers_cannot_record(coop, demo, client_as, who):
    user = {
        "other_manager": coop.other_manager,
        "member": coop.members[0].head,
        "buyer": demo.user("buyer"),
        "agent": demo.user("agent"),  # the station's agent, not of the village point
    }[who]

    response = post(client_as(user), coop, body(coop))

    assert response.status_code in (403, 404)
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_list_and_look_up_by_check_code(coop, demo, client_as):
    client = client_as(demo.user("village_agent"))
    made = post(client, coop, body(coop)).json()
    post(client, coop, body(coop, member_id=coop.members[2].pk), key="intake-key-0002")
    base = f"/api/v1/coops/{coop.cooperative.pk}/intakes"

    everything = client.get(base).json()
    of_member = client.get(f"{base}?member_id={coop.members[1].pk}").json()
    by_code = client.get(f"/api/v1/coops/intakes/{made['check_code'].lower()}")
    by_lot = client.get(f"{base}?lot_id=999999").json()
    today = client.get(f"{base}?on={timezone.localdate().isoformat()}").json()
    long_ago = client.get(f"{base}?on=2026-01-02").json()

    assert len(everything) == 2
    assert [row["check_code"] for row in of_member] == [made["check_code"]]
    assert by_code.status_code == 200 and by_code.json()["id"] == made["id"]
    assert by_lot == [] == long_ago
    assert len(today) == 2
    household = client_as(coop.members[1].head)
    stranger = client_as(coop.other_manager)
    assert household.get(f"/api/v1/coops/intakes/{made['check_code']}").status_code == 200
    assert stranger.get(f"/api/v1/coops/intakes/{made['check_code']}").status_code == 404
    assert stranger.get(base).status_code == 404


RACERS = 4


@pytest.mark.django_db(transaction=True)
def test_racing_identical_requests_record_one_intake(coop, demo):
    """Real threads: on PostgreSQL the twins' claims wait on the first's unique key; on
    SQLite they wait for the write lock; either way they find the first and replay it."""
    member = coop.members[1]
    actor = demo.user("village_agent")
    request = IdempotentRequest.of("race-intake-0001", {"gross_g": 5_400})

    def record() -> tuple[int, bool]:
        with transaction.atomic():
            recorded = record_intake_once(
                member,
                produce=coop.matsutake,
                grade_code="A",
                gross_g=5_400,
                tare_g=400,
                attributes={"cap_mm": 60},
                point=member.point,
                advance_fen=10_000,
                actor=actor,
                idempotent_request=request,
            )
            time.sleep(0.3)  # hold the transaction so the twins arrive before it commits
        return recorded.intake.pk, recorded.created

    results = run_concurrently(record, RACERS)

    assert [result for result in results if isinstance(result, BaseException)] == []
    assert len({intake_id for intake_id, _created in results}) == 1
    assert sorted(created for _id, created in results) == [False, False, False, True]
    assert Intake.objects.count() == 1
    assert Entry.objects.filter(kind="coops.intake.advance_paid").count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_intakes_of_different_members_open_one_lot(coop, demo):
    """The first intake of the day opens the lot; a simultaneous one joins it rather than
    opening a second lot (the lot code is unique, the loser looks again)."""
    actor = demo.user("village_agent")

    def record(member_index: int) -> int:
        member = coop.members[member_index]
        with transaction.atomic():
            intake = record_intake_once(
                member,
                produce=coop.yak,
                grade_code="B",
                gross_g=8_000,
                tare_g=0,
                attributes={},
                point=member.point,
                actor=actor,
                idempotent_request=None,
            ).intake
            time.sleep(0.3)
        return intake.lot_id  # type: ignore[return-value]

    results = run_concurrently(record, [(0,), (1,), (2,)])

    assert [result for result in results if isinstance(result, BaseException)] == []
    assert len(set(results)) == 1
    assert Intake.objects.count() == 3
