"""Schemathesis drives every API operation from the OpenAPI document against a live server:
no input the schema allows may cause a server error or a response that breaks the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from highland.api import api

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))


@pytest.fixture
def operator_token(demo, transactional_db):
    from highland.core import services

    issued = services.issue_api_token(
        demo.user("operator"), actor=demo.user("operator"), name="fuzz"
    )
    return issued.raw_key


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_schema_valid_input(case, live_server, operator_token):
    response = case.call(
        base_url=live_server.url, headers={"Authorization": f"Bearer {operator_token}"}
    )
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
