"""Adding a produce from the rules page and the API: what intake will measure, bad input
named, nothing saved, and only the cooperative's manager may."""

from __future__ import annotations

import json
from typing import Any

import pytest

from highland.coops.models import Produce

pytestmark = pytest.mark.django_db

FORM = {
    "code": "cordyceps",
    "name_zh": "虫草",
    "name_bo": "དབྱར་རྩྭ་དགུན་འབུ།",
    "name_en": "Caterpillar fungus",
    "attributes-TOTAL_FORMS": "3",
    "attributes-INITIAL_FORMS": "0",
    "attributes-0-key": "length_mm",
    "attributes-0-label_zh": "长度",
    "attributes-0-label_bo": "རིང་ཚད།",
    "attributes-0-label_en": "Length",
    "attributes-0-unit": "mm",
    "attributes-0-min": "10",
    "attributes-0-max": "120",
    "attributes-0-required": "on",
}


def test_the_manager_adds_a_produce_with_its_measurements(coop: Any, client_as: Any) -> None:
    client = client_as(coop.manager)
    url = f"/coops/{coop.cooperative.pk}/produce/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    assert response.status_code == 302
    produce = Produce.objects.get(cooperative=coop.cooperative, code="CORDYCEPS")
    assert produce.name_bo == FORM["name_bo"]
    assert [spec["key"] for spec in produce.attributes] == ["length_mm"]
    rules_page = client.get(f"/coops/{coop.cooperative.pk}/rules/", HTTP_ACCEPT_LANGUAGE="bo")
    assert "CORDYCEPS" in rules_page.content.decode()


def test_a_bad_produce_is_refused_on_its_field_and_nothing_saved(coop: Any, client_as: Any) -> None:
    client = client_as(coop.manager)
    before = Produce.objects.count()
    taken = client.post(
        f"/coops/{coop.cooperative.pk}/produce/new/", {**FORM, "code": coop.yak.code}
    )
    assert taken.status_code == 200
    assert "already has a produce" in taken.content.decode()
    backwards = client.post(
        f"/coops/{coop.cooperative.pk}/produce/new/",
        {**FORM, "attributes-0-min": "200", "attributes-0-max": "10"},
    )
    assert backwards.status_code == 200
    assert Produce.objects.count() == before


def test_only_this_cooperatives_manager_adds_produce(coop: Any, client_as: Any) -> None:
    url = f"/coops/{coop.cooperative.pk}/produce/new/"
    assert client_as(coop.other_manager).post(url, FORM).status_code == 404
    assert client_as(coop.accountant).post(url, FORM).status_code == 403
    assert not Produce.objects.filter(code="CORDYCEPS").exists()


def test_the_api_adds_produce_and_names_the_bad_field(coop: Any, client_as: Any) -> None:
    client = client_as(coop.manager)
    url = f"/api/v1/coops/{coop.cooperative.pk}/produce"
    body = {
        "code": "CORDYCEPS",
        "name_zh": "虫草",
        "attributes": [
            {"key": "length_mm", "label_zh": "长度", "unit": "mm", "min": 10, "max": 120}
        ],
    }
    created = client.post(url, json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["attributes"][0]["key"] == "length_mm"
    again = client.post(url, json.dumps(body), content_type="application/json")
    assert again.status_code == 422
    assert "code" in json.dumps(again.json())
    other = client_as(coop.other_manager).post(
        url, json.dumps({**body, "code": "X1"}), content_type="application/json"
    )
    assert other.status_code == 404
