import pytest

from fulfilment.models import ReturnLine, ReturnRequest, Shipment, ShipmentEvent
from payments.models import Payment, Refund
from payments.tests.conftest import stripe_server  # noqa: F401 (the Stripe fake server: returns paid by card)
from store.models import Order, OrderEvent, Product
from store.tests.conftest import django_assert_max_num_queries  # noqa: F401 (budgets count the endpoint's queries)
from store.tests.factories import ProductFactory
from store.tests.shopping import pay, place_order


@pytest.fixture(autouse=True)
def _fulfilment_jobs_run_inline(jobs_run_inline):
    """Shipment emails and refunds are jobs: here they run in the test's process."""


@pytest.fixture
def kettle(db) -> Product:
    return ProductFactory(name="Kettle", price="750.00", discount_price=None, stock=10)


@pytest.fixture
def mug(db) -> Product:
    return ProductFactory(name="Mug", price="200.00", discount_price=None, stock=10)


@pytest.fixture
def paid_order(customer, kettle, mug) -> Order:
    """2 kettles and 3 mugs (2100.00), paid with the fake provider."""
    return pay(place_order(customer, (kettle, 2), (mug, 3)))


def world_state() -> tuple:
    """Everything a failed fulfilment request must leave untouched."""
    return (
        list(Order.objects.order_by("pk").values_list("pk", "status")),
        list(OrderEvent.objects.order_by("pk").values_list("pk", "kind")),
        list(Shipment.objects.order_by("pk").values_list("pk", "status", "tracking_number", "delivered_at")),
        list(ShipmentEvent.objects.order_by("pk").values_list("pk", "status", "carrier_event_id")),
        list(ReturnRequest.objects.order_by("pk").values_list("pk", "status", "note", "refund_id")),
        list(ReturnLine.objects.order_by("pk").values_list("pk", "order_item_id", "quantity")),
        list(Product.objects.order_by("pk").values_list("pk", "stock")),
        list(Payment.objects.order_by("pk").values_list("pk", "status", "refunded_amount")),
        list(Refund.objects.order_by("pk").values_list("pk", "status", "amount")),
    )
