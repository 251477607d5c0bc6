"""Checkout, cancel and status changes racing each other on real PostgreSQL, one connection per thread."""

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from core.tests.concurrency import run_concurrently
from store.models import Order, OrderItem
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart, place_order, stock_of

pytestmark = pytest.mark.race


def post_as(user, url: str, **extra):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(url, **extra).status_code

    return call


def patch_as(user, url: str, body: dict):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.patch(url, body, format="json").status_code

    return call


def ordered(product) -> int:
    """Units of the product in every order placed, cancelled or not."""
    return OrderItem.objects.filter(product=product).aggregate(total=Sum("quantity"))["total"] or 0


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_racing_for_ten_units_buy_exactly_ten():
    product = ProductFactory(stock=10)
    buyers = [UserFactory() for _ in range(50)]
    for buyer in buyers:
        fill_cart(buyer, (product, 1))

    statuses = run_concurrently(*[post_as(buyer, "/api/checkout/") for buyer in buyers])

    assert sorted(statuses) == [201] * 10 + [409] * 40
    assert stock_of(product) == [0]
    assert Order.objects.count() == 10
    assert ordered(product) == 10


@pytest.mark.django_db(transaction=True)
def test_carts_holding_two_products_in_opposite_orders_never_deadlock():
    first, second = ProductFactory(stock=15), ProductFactory(stock=15)
    buyers = [UserFactory() for _ in range(20)]
    for index, buyer in enumerate(buyers):
        lines = [(first, 1), (second, 1)]
        fill_cart(buyer, *(lines if index % 2 else reversed(lines)))

    statuses = run_concurrently(*[post_as(buyer, "/api/checkout/") for buyer in buyers])

    assert sorted(statuses) == [201] * 15 + [409] * 5
    assert stock_of(first, second) == [0, 0]
    assert (ordered(first), ordered(second)) == (15, 15)


@pytest.mark.django_db(transaction=True)
def test_overlapping_carts_of_different_sizes_keep_stock_exact():
    products = [ProductFactory(stock=30) for _ in range(4)]
    buyers = [UserFactory() for _ in range(16)]
    for index, buyer in enumerate(buyers):
        # Each buyer wants a different, overlapping slice of the products, listed from the far end.
        chosen = [products[(index + offset) % 4] for offset in range(1 + index % 4)]
        fill_cart(buyer, *[(product, 1 + index % 3) for product in reversed(chosen)])

    statuses = run_concurrently(*[post_as(buyer, "/api/checkout/") for buyer in buyers])

    assert set(statuses) <= {201, 409}
    assert statuses.count(201) == Order.objects.count()
    for product in products:
        assert stock_of(product) == [30 - ordered(product)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempts", [2, 5])
def test_simultaneous_checkouts_with_one_idempotency_key_place_one_order(attempts):
    buyer = UserFactory()
    product = ProductFactory(stock=10)
    fill_cart(buyer, (product, 2))

    statuses = run_concurrently(
        *[post_as(buyer, "/api/checkout/", HTTP_IDEMPOTENCY_KEY="checkout-1") for _ in range(attempts)]
    )

    assert sorted(statuses) == [200] * (attempts - 1) + [201]
    assert Order.objects.count() == 1
    assert stock_of(product) == [8]


@pytest.mark.django_db(transaction=True)
def test_a_customer_cancel_racing_a_payment_leaves_stock_exact(settings):
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = 10  # the buyer holds all ten pending orders at once
    buyer, manager = UserFactory(), UserFactory(manager=True)
    product = ProductFactory(stock=100)
    orders = [place_order(buyer, (product, 3)) for _ in range(10)]

    for order in orders:
        statuses = run_concurrently(
            post_as(buyer, f"/api/orders/{order.pk}/cancel/"),
            patch_as(manager, f"/api/orders/{order.pk}/", {"status": "paid"}),
        )
        # Whichever takes the order row first wins; the other finds a status it cannot move from.
        assert sorted(statuses) == [200, 400]

    cancelled = Order.objects.filter(status=Order.Status.CANCELLED).count()
    paid = Order.objects.filter(status=Order.Status.PAID).count()
    assert cancelled + paid == 10
    assert stock_of(product) == [100 - 3 * paid]


@pytest.mark.django_db(transaction=True)
def test_a_manager_cancel_racing_shipping_leaves_stock_exact():
    buyer, manager, other_manager = UserFactory(), UserFactory(manager=True), UserFactory(manager=True)
    product = ProductFactory(stock=100)
    orders = [place_order(buyer, (product, 3), status=Order.Status.PAID) for _ in range(10)]

    for order in orders:
        statuses = run_concurrently(
            post_as(manager, f"/api/orders/{order.pk}/cancel/"),
            patch_as(other_manager, f"/api/orders/{order.pk}/", {"status": "shipped"}),
        )
        assert sorted(statuses) == [200, 400]

    shipped = Order.objects.filter(status=Order.Status.SHIPPED).count()
    assert Order.objects.filter(status=Order.Status.CANCELLED).count() == 10 - shipped
    assert stock_of(product) == [100 - 3 * shipped]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_cancels_restore_stock_once():
    buyer, manager = UserFactory(), UserFactory(manager=True)
    product = ProductFactory(stock=10)
    order = place_order(buyer, (product, 4))

    statuses = run_concurrently(
        post_as(buyer, f"/api/orders/{order.pk}/cancel/"),
        post_as(manager, f"/api/orders/{order.pk}/cancel/"),
        patch_as(manager, f"/api/orders/{order.pk}/", {"status": "cancelled"}),
    )

    assert sorted(statuses) == [200, 400, 400]
    assert stock_of(product) == [10]


@pytest.mark.django_db(transaction=True)
def test_checkouts_racing_a_cancel_of_the_same_product_keep_stock_exact():
    product = ProductFactory(stock=5)
    first_buyer = UserFactory()
    order = place_order(first_buyer, (product, 5))
    buyers = [UserFactory() for _ in range(5)]
    for buyer in buyers:
        fill_cart(buyer, (product, 1))

    statuses = run_concurrently(
        post_as(first_buyer, f"/api/orders/{order.pk}/cancel/"),
        *[post_as(buyer, "/api/checkout/") for buyer in buyers],
    )

    assert statuses[0] == 200
    assert set(statuses[1:]) <= {201, 409}
    assert stock_of(product) == [5 - statuses[1:].count(201)]
    assert ordered(product) == 5 + statuses[1:].count(201)
