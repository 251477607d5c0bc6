"""The API against its own OpenAPI schema: every operation in /api/schema/, fuzzed by schemathesis.

A live server on the test database serves the schema and answers the generated requests, once as a
customer and once as a manager. Each response must be no server error, carry a documented status code
and content type, and match the documented body. New endpoints are covered as soon as they appear in
the schema. Generation is derandomised and bounded, so a run is repeatable and its cost predictable.
"""

import json
import os
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
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

from accounts.models import Address
from core.models import BlacklistedIP, SuspiciousIP
from core.request_logs import request_logs_insert
from core.tests.conftest import entry
from store.models import Order, OrderEvent, WishlistItem
from store.services.orders import order_event_record
from store.tests.factories import CategoryFactory, OrderFactory, OrderItemFactory, ProductFactory
from store.tests.shopping import fill_cart

# Bounded for CI; `CONTRACT_EXAMPLES=200 pytest duka_app/tests/test_api_contract.py` digs deeper locally.
EXAMPLES_PER_OPERATION = int(os.environ.get("CONTRACT_EXAMPLES", "30"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Sequences restart for each operation, so the fuzzer's small ids (1, 2, ...) name the objects below.
pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True, reset_sequences=True)]


def bearer_headers(user) -> dict[str, str]:
    """The `Authorization` header of an access token minted for the user.

    Minted rather than obtained from /api/auth/token/: login is throttled per IP and backed off per
    (username, IP), and the fuzzing of that very operation must not lock the other operations out.
    """
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


@pytest.fixture
def store(customer):
    """A small store, so the generated requests reach success paths and conflicts, not only 400s and 404s.

    Its ids are those of the schema's examples (1), so the documented requests run against real objects:
    a category with products (delete → 409) and an empty one, active, inactive and sold-out products, the
    customer's cart line, saved product and saved address, a pending and a paid order with some history, a
    blacklisted and a suspicious IP, two days of traffic.
    """
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    CategoryFactory(name="Garden", slug="garden")
    skillet = ProductFactory(category=kitchen, name="Cast Iron Skillet", slug="cast-iron-skillet", stock=25)
    ProductFactory(category=kitchen, name="Old Kettle", slug="old-kettle", is_active=False)
    ProductFactory(category=kitchen, name="Chef Knife", slug="chef-knife", stock=0)
    fill_cart(customer, (skillet, 2))
    WishlistItem.objects.create(user=customer, product=skillet)
    Address.objects.create(
        user=customer, name="Carol", phone="+254700000000", line1="12 Moi Avenue", city="Nairobi", country="KE"
    )
    for status in (Order.Status.PENDING, Order.Status.PAID):
        order = OrderFactory(user=customer, status=status, total_amount="10.00")
        OrderItemFactory(order=order, product=skillet)
        order_event_record(order=order, kind=OrderEvent.Kind.PLACED, actor=customer, data={"total_amount": "10.00"})
        order_event_record(order=order, kind=OrderEvent.Kind.REMINDER_SENT)
    BlacklistedIP.objects.create(ip="203.0.113.7", reason="Credential stuffing")
    now = timezone.now()
    SuspiciousIP.objects.create(ip="198.51.100.23", reason="Many 404s", first_seen=now, last_seen=now)
    request_logs_insert(
        entries=[entry(ip, now - timedelta(days=days)) for days, ip in enumerate(["198.51.100.23", "192.0.2.1"])],
        countries={"198.51.100.23": "KE", "192.0.2.1": "US"},
    )


@pytest.fixture
def customer_headers(live_server, store, customer):
    return bearer_headers(customer)


@pytest.fixture
def manager_headers(live_server, store, manager):
    return bearer_headers(manager)


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
