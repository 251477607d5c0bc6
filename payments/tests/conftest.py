import pytest

from payments.tests.fakes.daraja import FakeDaraja
from payments.tests.fakes.stripe import FakeStripe
from store.models import Order
from store.tests.conftest import django_assert_max_num_queries  # noqa: F401 (budgets count the endpoint's queries)
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order

WEBHOOK_SECRET = "whsec_test_duka_endpoint_secret"
CALLBACK_TOKEN = "c" * 40


@pytest.fixture
def stripe_server(settings):
    """Stripe configured against a local fake Stripe server."""
    with FakeStripe() as server:
        settings.STRIPE_SECRET_KEY = server.secret_key
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_duka"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.url
        settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS = 2.0
        yield server


@pytest.fixture
def daraja(settings):
    """M-Pesa configured against a local fake Daraja server."""
    with FakeDaraja() as server:
        settings.MPESA_API_BASE = server.url
        settings.MPESA_CONSUMER_KEY = server.consumer_key
        settings.MPESA_CONSUMER_SECRET = server.consumer_secret
        settings.MPESA_SHORTCODE = server.shortcode
        settings.MPESA_PASSKEY = server.passkey
        settings.MPESA_CALLBACK_BASE_URL = "https://shop.example.com"
        settings.MPESA_CALLBACK_TOKEN = CALLBACK_TOKEN
        settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS = 2.0
        yield server


@pytest.fixture(autouse=True)
def _payment_jobs_run_inline(jobs_run_inline):
    """Refunds and payment emails are jobs: here they run in the test's process."""


@pytest.fixture
def product(db):
    return ProductFactory(price="750.00", discount_price=None, stock=10)


@pytest.fixture
def order(customer, product) -> Order:
    """A pending order of 2 × 750.00 = 1500.00 placed by `customer` through checkout."""
    return place_order(customer, (product, 2))
