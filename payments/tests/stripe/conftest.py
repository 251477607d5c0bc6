import itertools
from decimal import Decimal

import pytest

from payments.providers.base import PaymentRequest
from payments.providers.stripe import StripeProvider
from payments.tests.fakes.stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_5ecretOfTheEndpoint"
PUBLISHABLE_KEY = "pk_test_51NfakePublishableKey"
TOLERANCE_SECONDS = 300


@pytest.fixture
def stripe_server():
    with FakeStripe() as server:
        yield server


def make_provider(server: FakeStripe, **overrides) -> StripeProvider:
    config = {
        "secret_key": server.secret_key,
        "publishable_key": PUBLISHABLE_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "tolerance_seconds": TOLERANCE_SECONDS,
        "api_base": server.url,
        "timeout": 5.0,
        **overrides,
    }
    return StripeProvider(**config)


@pytest.fixture
def provider(stripe_server):
    return make_provider(stripe_server)


_payment_ids = itertools.count(1)


def payment_request(**overrides) -> PaymentRequest:
    payment_id = next(_payment_ids)
    fields = {
        "payment_id": payment_id,
        "order_id": 500 + payment_id,
        "amount": Decimal("1250.50"),
        "currency": "KES",
        "idempotency_key": f"payment-{payment_id}-attempt-1",
        **overrides,
    }
    return PaymentRequest(**fields)
