import pytest

from store.models import Order
from store.tests.conftest import django_assert_max_num_queries  # noqa: F401 (budgets count the endpoint's queries)
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order


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
