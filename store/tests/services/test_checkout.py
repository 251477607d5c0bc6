"""Checkout rules at the service level: what may be ordered, the per-line shortfall report, idempotency, totals."""

from decimal import Decimal

import pytest

from store.errors import CartEmpty, ErrorCode, InsufficientStock, ProductUnavailable
from store.models import Order, Product
from store.services.checkout import order_place
from store.tests.factories import ProductFactory
from store.tests.shopping import cart_state, fill_cart, stock_of, world_state


@pytest.fixture
def teapot(db):
    return ProductFactory(name="Teapot", sku="TEA-1", price=Decimal("25.00"), discount_price=Decimal("19.99"), stock=5)


@pytest.fixture
def mug(db):
    return ProductFactory(name="Mug", sku="MUG-1", price=Decimal("8.50"), stock=3)


@pytest.mark.django_db
def test_checkout_turns_the_cart_into_a_pending_order_and_empties_it(customer, teapot, mug):
    profile = customer.profile
    profile.phone, profile.city, profile.country = "+254700000001", "Nairobi", "Kenya"
    profile.save()
    fill_cart(customer, (teapot, 2), (mug, 3))

    order, created = order_place(user=customer)

    assert created
    assert (order.user, order.status) == (customer, Order.Status.PENDING)
    assert (order.phone, order.city, order.country) == ("+254700000001", "Nairobi", "Kenya")
    assert list(order.items.order_by("product_id").values_list("product_id", "product_name", "sku", "quantity")) == [
        (teapot.pk, "Teapot", "TEA-1", 2),
        (mug.pk, "Mug", "MUG-1", 3),
    ]
    assert stock_of(teapot, mug) == [3, 0]
    assert cart_state(customer) == []


@pytest.mark.django_db
def test_the_total_and_the_line_prices_use_the_final_price(customer, teapot, mug):
    fill_cart(customer, (teapot, 2), (mug, 3))

    order, _ = order_place(user=customer)

    assert order.total_amount == Decimal("65.48")
    assert dict(order.items.values_list("product_id", "price_at_purchase")) == {
        teapot.pk: Decimal("19.99"),
        mug.pk: Decimal("8.50"),
    }


@pytest.mark.django_db
def test_the_order_keeps_its_names_and_prices_when_the_product_changes(customer, teapot):
    fill_cart(customer, (teapot, 1))
    order, _ = order_place(user=customer)

    Product.objects.filter(pk=teapot.pk).update(name="Kettle", sku="KET-1", price=Decimal("99.00"), discount_price=None)

    order = Order.objects.get(pk=order.pk)
    assert order.total_amount == Decimal("19.99")
    assert order.items.values_list("product_name", "sku", "price_at_purchase").get() == (
        "Teapot",
        "TEA-1",
        Decimal("19.99"),
    )


@pytest.mark.django_db
def test_an_empty_cart_cannot_be_checked_out(customer, other_customer, teapot):
    fill_cart(other_customer, (teapot, 1))
    before = world_state()

    with pytest.raises(CartEmpty) as refused:
        order_place(user=customer)

    assert refused.value.code == ErrorCode.CART_EMPTY
    assert world_state() == before


@pytest.mark.django_db
def test_a_product_no_longer_for_sale_fails_the_whole_checkout(customer, teapot, mug):
    fill_cart(customer, (teapot, 2), (mug, 1))
    Product.objects.filter(pk=teapot.pk).update(is_active=False)
    before = world_state()

    with pytest.raises(ProductUnavailable) as refused:
        order_place(user=customer)

    assert refused.value.code == ErrorCode.PRODUCT_UNAVAILABLE
    assert refused.value.data == {"items": [{"product_id": teapot.pk, "requested": 2, "available": 0}]}
    assert world_state() == before


@pytest.mark.django_db
def test_insufficient_stock_reports_every_short_line_and_changes_nothing(customer, teapot, mug):
    plate = ProductFactory(stock=10)
    fill_cart(customer, (teapot, 2), (mug, 3), (plate, 4))
    Product.objects.filter(pk=teapot.pk).update(stock=1)
    Product.objects.filter(pk=mug.pk).update(stock=0)
    before = world_state()

    with pytest.raises(InsufficientStock) as refused:
        order_place(user=customer)

    assert refused.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert refused.value.data == {
        "items": [
            {"product_id": teapot.pk, "requested": 2, "available": 1},
            {"product_id": mug.pk, "requested": 3, "available": 0},
        ]
    }
    assert world_state() == before


@pytest.mark.django_db
def test_a_product_no_longer_for_sale_is_reported_before_any_shortfall(customer, teapot, mug):
    fill_cart(customer, (teapot, 2), (mug, 3))
    Product.objects.filter(pk=teapot.pk).update(is_active=False)
    Product.objects.filter(pk=mug.pk).update(stock=1)

    with pytest.raises(ProductUnavailable) as refused:
        order_place(user=customer)

    assert [line["product_id"] for line in refused.value.data["items"]] == [teapot.pk]


@pytest.mark.django_db
def test_a_line_of_exactly_the_stock_sells_out_the_product(customer, mug):
    fill_cart(customer, (mug, 3))

    order_place(user=customer)

    assert stock_of(mug) == [0]


# --- idempotency ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retry_with_the_same_key_returns_the_first_order_and_changes_nothing(customer, teapot, mug):
    fill_cart(customer, (teapot, 1))
    first, first_created = order_place(user=customer, idempotency_key="order-7f3a")
    fill_cart(customer, (mug, 1))
    before = world_state()

    retry, retry_created = order_place(user=customer, idempotency_key="order-7f3a")

    assert (first_created, retry_created) == (True, False)
    assert retry.pk == first.pk
    assert world_state() == before
    assert cart_state(customer) == [(mug.pk, 1)]


@pytest.mark.django_db
def test_a_new_key_places_a_new_order(customer, teapot):
    fill_cart(customer, (teapot, 1))
    first, _ = order_place(user=customer, idempotency_key="a")
    fill_cart(customer, (teapot, 1))

    second, created = order_place(user=customer, idempotency_key="b")

    assert created and second.pk != first.pk
    assert stock_of(teapot) == [3]


@pytest.mark.django_db
def test_without_a_key_every_checkout_places_a_new_order(customer, teapot):
    fill_cart(customer, (teapot, 1))
    order_place(user=customer)
    fill_cart(customer, (teapot, 1))

    _, created = order_place(user=customer)

    assert created
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_idempotency_keys_are_per_user(customer, other_customer, teapot):
    fill_cart(customer, (teapot, 1))
    fill_cart(other_customer, (teapot, 1))

    carols, _ = order_place(user=customer, idempotency_key="same")
    oscars, created = order_place(user=other_customer, idempotency_key="same")

    assert created and (carols.user, oscars.user) == (customer, other_customer)
    assert stock_of(teapot) == [3]


@pytest.mark.django_db
def test_a_refused_checkout_does_not_consume_its_key(customer, teapot):
    (line,) = fill_cart(customer, (teapot, 6))
    with pytest.raises(InsufficientStock):
        order_place(user=customer, idempotency_key="k")
    line.quantity = 5
    line.save()

    order, created = order_place(user=customer, idempotency_key="k")

    assert created and order.idempotency_key == "k"
    assert stock_of(teapot) == [0]
