"""The back office's home page: its selectors, each within its query budget, and the page that shows them."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.selectors import (
    low_stock_products,
    open_restock_orders,
    orders_in_status,
    orders_per_status,
    sales_per_day,
)
from backoffice.tests.conftest import browser_for
from core.models import RequestLogDaily
from core.tests.factories import BlacklistedIPFactory, SuspiciousIPFactory
from store.models import Order, RestockOrder, RestockOrderLine
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order


@pytest.fixture(autouse=True)
def _many_pending_orders(settings):
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = 1000


def order_on(customer, product, day: date, status: str, quantity: int = 1) -> Order:
    order = place_order(customer, (product, quantity), status=status)
    Order.objects.filter(pk=order.pk).update(created_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    return order


@pytest.fixture
def lamp(db):
    return ProductFactory(name="Lamp", price="100.00", discount_price=None, stock=500)


@pytest.mark.django_db
def test_sales_per_day_counts_every_order_and_the_revenue_of_those_paid(customer, lamp, django_assert_max_num_queries):
    today = date(2026, 3, 10)
    order_on(customer, lamp, today, Order.Status.PAID, quantity=2)
    order_on(customer, lamp, today, Order.Status.DELIVERED)
    order_on(customer, lamp, today, Order.Status.PENDING)
    order_on(customer, lamp, today - timedelta(days=2), Order.Status.SHIPPED)
    order_on(customer, lamp, today - timedelta(days=2), Order.Status.CANCELLED)
    order_on(customer, lamp, today - timedelta(days=3), Order.Status.PAID)  # before the range
    order_on(customer, lamp, today + timedelta(days=1), Order.Status.PAID)  # after it

    with django_assert_max_num_queries(1):
        sales = sales_per_day(day_to=today, days=3)

    assert [(row["day"], row["orders"], row["revenue"]) for row in sales] == [
        (date(2026, 3, 8), 2, Decimal("100.00")),
        (date(2026, 3, 9), 0, Decimal("0.00")),
        (date(2026, 3, 10), 3, Decimal("300.00")),
    ]


@pytest.mark.django_db
def test_orders_per_status_lists_every_status(customer, lamp, django_assert_max_num_queries):
    for status in (Order.Status.PENDING, Order.Status.PENDING, Order.Status.PAID, Order.Status.CANCELLED):
        place_order(customer, (lamp, 1), status=status)

    with django_assert_max_num_queries(1):
        counts = orders_per_status()

    assert counts == {"pending": 2, "paid": 1, "shipped": 0, "delivered": 0, "cancelled": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 5])
def test_the_order_queues_are_the_oldest_first_with_their_customer(
    customer, lamp, count, django_assert_max_num_queries
):
    orders = [place_order(customer, (lamp, 1), status=Order.Status.PAID) for _ in range(count)]
    place_order(customer, (lamp, 1))

    with django_assert_max_num_queries(1):
        queue = orders_in_status(status=Order.Status.PAID, limit=3)
        names = [order.user.username for order in queue]

    assert [order.pk for order in queue] == [order.pk for order in orders][:3]
    assert names == [customer.username] * min(count, 3)


@pytest.mark.django_db
def test_low_stock_products_are_those_at_or_under_their_level(settings, django_assert_max_num_queries):
    settings.LOW_STOCK_THRESHOLD = 5
    at_threshold = ProductFactory(name="Cup", stock=5)
    own_level = ProductFactory(name="Pan", stock=12, reorder_level=15)
    ProductFactory(name="Pot", stock=6)
    ProductFactory(name="Jug", stock=20, reorder_level=10)
    ProductFactory(name="Old", stock=0, is_active=False)
    empty = ProductFactory(name="Tin", stock=0)

    with django_assert_max_num_queries(1):
        products = low_stock_products(limit=10)

    assert [(product.name, product.stock) for product in products] == [("Tin", 0), ("Cup", 5), ("Pan", 12)]
    assert [product.pk for product in products] == [empty.pk, at_threshold.pk, own_level.pk]


@pytest.mark.django_db
def test_open_restock_orders_show_the_units_still_due(lamp, django_assert_max_num_queries):
    cup = ProductFactory(stock=1)
    draft = RestockOrder.objects.create(supplier_name="Acme")
    RestockOrderLine.objects.create(restock_order=draft, product=lamp, quantity_ordered=20, quantity_received=0)
    partly = RestockOrder.objects.create(status=RestockOrder.Status.PARTIALLY_RECEIVED)
    RestockOrderLine.objects.create(restock_order=partly, product=lamp, quantity_ordered=10, quantity_received=4)
    RestockOrderLine.objects.create(restock_order=partly, product=cup, quantity_ordered=5, quantity_received=5)
    RestockOrder.objects.create(status=RestockOrder.Status.RECEIVED)
    RestockOrder.objects.create(status=RestockOrder.Status.CANCELLED)
    empty_draft = RestockOrder.objects.create()

    with django_assert_max_num_queries(1):
        restock_orders = open_restock_orders(limit=10)

    assert [(order.pk, order.units_expected) for order in restock_orders] == [
        (draft.pk, 20),
        (partly.pk, 6),
        (empty_draft.pk, 0),
    ]


def fill_the_store(customer, size: int) -> None:
    today = timezone.now().date()
    for number in range(size):
        product = ProductFactory(name=f"Item {number}", price="10.00", discount_price=None, stock=50)
        order_on(customer, product, today - timedelta(days=number), Order.Status.PAID)
        place_order(customer, (product, 1))
        ProductFactory(name=f"Scarce {number}", stock=number % 3)
        RestockOrder.objects.create(supplier_name=f"Supplier {number}")
        RequestLogDaily.objects.create(day=today, ip=f"198.51.100.{number + 1}", country="KE", request_count=number + 1)
    BlacklistedIPFactory()
    SuspiciousIPFactory()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 12])
def test_the_dashboard_page_keeps_to_its_query_budget(manager, customer, size, django_assert_max_num_queries):
    fill_the_store(customer, size)
    browser = browser_for(manager)

    with django_assert_max_num_queries(15):
        page = browser.get("/admin/")

    assert page.status_code == 200
    dashboard = page.context["dashboard"]
    assert dashboard["to_ship_count"] == size
    assert dashboard["awaiting_payment_count"] == size
    assert len(dashboard["to_ship"]) == min(size, 8)
    assert dashboard["orders_total"] == 2 * size
    assert dashboard["revenue_total"] == Decimal("10.00") * size
    assert dashboard["security"]["total_requests"] == size * (size + 1) // 2
    assert (dashboard["security"]["blacklisted_count"], dashboard["security"]["suspicious_count"]) == (1, 1)


@pytest.mark.django_db
def test_the_dashboard_shows_the_queues_with_links_to_act(manager, customer, lamp):
    pending = place_order(customer, (lamp, 1))
    paid = place_order(customer, (lamp, 1), status=Order.Status.PAID)
    scarce = ProductFactory(name="Scarce thing", stock=1)
    today = timezone.now().date()
    RequestLogDaily.objects.create(day=today, ip="203.0.113.9", country="TZ", request_count=42)

    html = browser_for(manager).get("/admin/").content.decode()

    assert f'href="/admin/store/order/{pending.pk}/change/"' in html
    assert f'href="/admin/store/order/{paid.pk}/change/"' in html
    assert f'href="/admin/store/product/{scarce.pk}/change/"' in html
    assert 'href="/admin/core/blacklistedip/add/?ip=203.0.113.9"' in html
    assert 'href="/admin/core/suspiciousip/?resolved__exact=0"' in html
    assert html.count('class="chart"') == 2
    assert "https://" not in html and "http://" not in html.replace("http://www.w3.org", "")


@pytest.mark.django_db
def test_staff_without_the_manager_role_see_no_figures(customer):
    customer.is_staff = True
    customer.save()

    page = browser_for(customer).get("/admin/")

    assert page.status_code == 200
    assert "dashboard" not in page.context
    assert 'id="dashboard"' not in page.content.decode()
