"""At most MAX_PENDING_ORDERS_PER_CUSTOMER pending orders per customer: the next checkout is 409."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from core.tests.concurrency import run_concurrently
from store.models import Order, OrderEvent
from store.tests.factories import ProductFactory
from store.tests.shopping import cart_state, fill_cart, place_order, stock_of, world_state

CHECKOUT = "/api/checkout/"


@pytest.fixture
def product(db):
    return ProductFactory(stock=20)


def at_the_limit(user, product, status: str = Order.Status.PENDING) -> list[Order]:
    """Three orders in `status` (the default limit), with one more unit of `product` in the cart."""
    orders = [place_order(user, (product, 1), status=status) for _ in range(3)]
    fill_cart(user, (product, 1))
    return orders


@pytest.mark.django_db
def test_the_default_limit_is_three(settings):
    assert settings.MAX_PENDING_ORDERS_PER_CUSTOMER == 3


@pytest.mark.django_db
def test_a_fourth_pending_order_is_409_and_changes_nothing(client_for, customer, product):
    at_the_limit(customer, product)
    before, events = world_state(), OrderEvent.objects.count()

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You already have 3 pending orders; pay for or cancel one before placing another.",
        "code": "too_many_pending_orders",
        "limit": 3,
    }
    assert world_state() == before
    assert stock_of(product) == [17]
    assert cart_state(customer) == [(product.pk, 1)]
    assert Order.objects.filter(user=customer).count() == 3
    assert OrderEvent.objects.count() == events


@pytest.mark.django_db
def test_below_the_limit_the_checkout_goes_through(client_for, customer, product):
    place_order(customer, (product, 1))
    place_order(customer, (product, 1))
    fill_cart(customer, (product, 1))

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 201
    assert Order.objects.filter(user=customer, status=Order.Status.PENDING).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("freed_by", ["cancel", "payment"])
def test_a_cancelled_or_paid_order_frees_a_slot(client_for, customer, manager, product, freed_by):
    orders = at_the_limit(customer, product)
    if freed_by == "cancel":
        freeing = client_for(customer).post(f"/api/orders/{orders[0].pk}/cancel/")
    else:
        freeing = client_for(manager).patch(f"/api/orders/{orders[0].pk}/", {"status": "paid"}, format="json")
    assert freeing.status_code == 200

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 201
    assert Order.objects.filter(user=customer, status=Order.Status.PENDING).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["paid", "shipped", "delivered", "cancelled"])
def test_orders_past_pending_do_not_count(client_for, customer, product, status):
    at_the_limit(customer, product, status=status)

    assert client_for(customer).post(CHECKOUT).status_code == 201


@pytest.mark.django_db
def test_other_customers_pending_orders_do_not_count(client_for, customer, other_customer, product):
    for _ in range(3):
        place_order(other_customer, (product, 1))
    fill_cart(customer, (product, 1))

    assert client_for(customer).post(CHECKOUT).status_code == 201


@pytest.mark.django_db
def test_admins_shopping_are_held_to_the_same_limit(client_for, admin_user, product):
    at_the_limit(admin_user, product)

    response = client_for(admin_user).post(CHECKOUT)

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_pending_orders"


@pytest.mark.django_db
def test_the_limit_is_a_setting(client_for, customer, product, settings):
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = 1
    place_order(customer, (product, 1))
    fill_cart(customer, (product, 1))

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 409
    assert response.json()["limit"] == 1


@pytest.mark.django_db
def test_an_idempotent_retry_at_the_limit_returns_the_order_already_placed(client_for, customer, product):
    client = client_for(customer)
    placed = []
    for number in range(3):
        fill_cart(customer, (product, 1))
        response = client.post(CHECKOUT, HTTP_IDEMPOTENCY_KEY=f"checkout-{number}")
        assert response.status_code == 201
        placed.append(response.json()["id"])
    fill_cart(customer, (product, 1))
    before = world_state()

    retry = client.post(CHECKOUT, HTTP_IDEMPOTENCY_KEY="checkout-2")
    new_key = client.post(CHECKOUT, HTTP_IDEMPOTENCY_KEY="checkout-3")

    assert (retry.status_code, retry.json()["id"]) == (200, placed[2])
    assert (new_key.status_code, new_key.json()["code"]) == (409, "too_many_pending_orders")
    assert world_state() == before


@pytest.mark.django_db
def test_an_empty_cart_at_the_limit_is_told_about_the_limit(client_for, customer, product):
    for _ in range(3):
        place_order(customer, (product, 1))

    response = client_for(customer).post(CHECKOUT)

    assert (response.status_code, response.json()["code"]) == (409, "too_many_pending_orders")


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
@pytest.mark.parametrize("attempts", [2, 5])
def test_simultaneous_checkouts_one_below_the_limit_place_one_order(attempts):
    buyer = UserFactory()
    product = ProductFactory(stock=20)
    place_order(buyer, (product, 1))
    place_order(buyer, (product, 1))
    fill_cart(buyer, (product, 2))

    def checkout():
        client = APIClient()
        client.force_authenticate(buyer)
        return client.post(CHECKOUT).status_code

    statuses = run_concurrently(*[checkout] * attempts)

    # The cart lock makes them take turns: the first places the third order, the others find the limit reached.
    assert sorted(statuses) == [201] + [409] * (attempts - 1)
    assert Order.objects.filter(user=buyer, status=Order.Status.PENDING).count() == 3
    assert stock_of(product) == [16]
    assert cart_state(buyer) == []
