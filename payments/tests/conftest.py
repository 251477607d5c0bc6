import pytest

from duka_app.celery import app as celery_app
from store.models import Order
from store.tests.conftest import django_assert_max_num_queries  # noqa: F401 (budgets count the endpoint's queries)
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order


@pytest.fixture(autouse=True)
def jobs_run_inline(monkeypatch):
    """Jobs enqueued after a commit (emails, refunds) run in the test's process, as without a broker."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what the block's transactions left for after their commit (emails, refunds)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def product(db):
    return ProductFactory(price="750.00", discount_price=None, stock=10)


@pytest.fixture
def order(customer, product) -> Order:
    """A pending order of 2 × 750.00 = 1500.00 placed by `customer` through checkout."""
    return place_order(customer, (product, 2))
