import pytest
from django.test import Client

from store.models import Order, Product
from store.tests.conftest import django_assert_max_num_queries  # noqa: F401 (budgets count the page's own queries)
from store.tests.factories import ProductFactory
from store.tests.shopping import pay, place_order


@pytest.fixture(autouse=True)
def _back_office_jobs_run_inline(jobs_run_inline):
    """Emails and refunds are jobs: here they run in the test's process."""


@pytest.fixture
def kettle(db) -> Product:
    return ProductFactory(name="Kettle", price="750.00", discount_price=None, stock=10)


@pytest.fixture
def pending_order(customer, kettle) -> Order:
    """2 kettles (1500.00), not paid yet."""
    return place_order(customer, (kettle, 2))


@pytest.fixture
def paid_order(pending_order) -> Order:
    return pay(pending_order)


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_browser(manager) -> Client:
    return browser_for(manager)
