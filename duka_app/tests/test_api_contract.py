"""The API against its own OpenAPI schema: every operation in /api/schema/, fuzzed by schemathesis.

A live server on the test database serves the schema and answers the generated requests, once as a
customer and once as a manager. Each response must be no server error, carry a documented status code
and content type, and match the documented body. New endpoints are covered as soon as they appear in
the schema. Generation is derandomised and bounded, so a run is repeatable and its cost predictable.
"""

import json
import os

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tests.factories import UserFactory

# Bounded for CI; `CONTRACT_EXAMPLES=200 pytest duka_app/tests/test_api_contract.py` digs deeper locally.
EXAMPLES_PER_OPERATION = int(os.environ.get("CONTRACT_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = pytest.mark.django_db(transaction=True)


def bearer_headers(*, manager: bool) -> dict[str, str]:
    """A new user of the role and the `Authorization` header of an access token minted for it.

    Minted rather than obtained from /api/auth/token/: login is throttled per IP and backed off per
    (username, IP), and the fuzzing of that very operation must not lock the other operations out.
    """
    user = UserFactory(manager=manager)
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


@pytest.fixture
def customer_headers(live_server):
    return bearer_headers(manager=False)


@pytest.fixture
def manager_headers(live_server):
    return bearer_headers(manager=True)


def generated_schema() -> dict:
    """The schema /api/schema/ serves, built by the same generator (no server is needed to collect the tests)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(generated_schema())
bounded = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@bounded
def test_every_operation_as_a_customer(case, live_server, customer_headers):
    case.call_and_validate(base_url=live_server.url, headers=customer_headers, checks=CHECKS)


@schema.parametrize()
@bounded
def test_every_operation_as_a_manager(case, live_server, manager_headers):
    case.call_and_validate(base_url=live_server.url, headers=manager_headers, checks=CHECKS)


def test_the_fuzzed_schema_is_the_one_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert json.loads(response.content) == generated_schema()
