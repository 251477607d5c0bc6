"""Order rules at the service level: where an order may move, who may cancel it, and the stock put back."""

import pytest
from django.core.exceptions import PermissionDenied

from store.errors import ErrorCode, InvalidStatusTransition
from store.models import Order
from store.services.orders import order_cancel, order_status_change
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order, stock_of, world_state

PENDING, PAID, SHIPPED, DELIVERED, CANCELLED = (
    Order.Status.PENDING,
    Order.Status.PAID,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.CANCELLED,
)
# Pending → paid is not the store's to make: only a payment pays an order (payments.services).
ALLOWED = [(PAID, SHIPPED), (SHIPPED, DELIVERED), (PENDING, CANCELLED), (PAID, CANCELLED)]
REFUSED = [(current, target) for current in Order.Status for target in Order.Status if (current, target) not in ALLOWED]


def pair_id(pair: tuple[str, str]) -> str:
    return f"{pair[0]}-to-{pair[1]}"


@pytest.fixture
def product(db):
    return ProductFactory(stock=10)


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), ALLOWED, ids=map(pair_id, ALLOWED))
def test_a_manager_moves_an_order_along_the_allowed_transitions(manager, customer, product, current, target):
    order = place_order(customer, (product, 3), status=current)

    moved = order_status_change(order_id=order.pk, status=target, by=manager)

    assert moved.status == Order.objects.get(pk=order.pk).status == target
    assert stock_of(product) == [10 if target == CANCELLED else 7]


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), REFUSED, ids=map(pair_id, REFUSED))
def test_every_other_transition_is_refused_and_changes_nothing(manager, customer, product, current, target):
    order = place_order(customer, (product, 3), status=current)
    before = world_state()

    with pytest.raises(InvalidStatusTransition) as refused:
        order_status_change(order_id=order.pk, status=target, by=manager)

    assert refused.value.code == ErrorCode.INVALID_STATUS_TRANSITION
    assert world_state() == before


# --- cancel -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(Order.Status))
def test_the_owner_may_cancel_only_a_pending_order(customer, product, status):
    order = place_order(customer, (product, 3), status=status)
    before = world_state()

    if status != PENDING:
        with pytest.raises(InvalidStatusTransition) as refused:
            order_cancel(order_id=order.pk, by=customer)
        assert refused.value.code == ErrorCode.INVALID_STATUS_TRANSITION
        assert world_state() == before
        return
    cancelled = order_cancel(order_id=order.pk, by=customer)
    assert (cancelled.status, Order.objects.get().status) == (CANCELLED, CANCELLED)
    assert stock_of(product) == [10]


@pytest.mark.django_db
@pytest.mark.parametrize("staff", ["manager", "admin_user"])
@pytest.mark.parametrize("status", list(Order.Status))
def test_managers_and_admins_may_cancel_until_the_order_ships(request, customer, product, staff, status):
    by = request.getfixturevalue(staff)
    order = place_order(customer, (product, 3), status=status)
    before = world_state()

    if status not in {PENDING, PAID}:
        with pytest.raises(InvalidStatusTransition):
            order_cancel(order_id=order.pk, by=by)
        assert world_state() == before
        return
    order_cancel(order_id=order.pk, by=by)
    assert (Order.objects.get().status, stock_of(product)) == (CANCELLED, [10])


@pytest.mark.django_db
@pytest.mark.parametrize("status", [PENDING, PAID])
def test_a_customer_cannot_cancel_another_customers_order(other_customer, customer, product, status):
    order = place_order(customer, (product, 3), status=status)
    before = world_state()

    with pytest.raises(PermissionDenied):
        order_cancel(order_id=order.pk, by=other_customer)

    assert world_state() == before


@pytest.mark.django_db
def test_a_deactivated_manager_is_no_longer_staff_and_cannot_cancel(manager, customer, product):
    order = place_order(customer, (product, 3))
    manager.is_active = False

    with pytest.raises(PermissionDenied):
        order_cancel(order_id=order.pk, by=manager)

    assert Order.objects.get().status == PENDING


@pytest.mark.django_db
def test_cancelling_puts_every_line_back_in_stock(customer, product):
    mug = ProductFactory(stock=4)
    order = place_order(customer, (product, 3), (mug, 4))
    assert stock_of(product, mug) == [7, 0]

    order_cancel(order_id=order.pk, by=customer)

    assert stock_of(product, mug) == [10, 4]


@pytest.mark.django_db
def test_cancelling_restores_the_stock_of_the_remaining_products_only(customer, product):
    gone = ProductFactory(stock=5)
    order = place_order(customer, (product, 2), (gone, 1))
    gone.delete()

    order_cancel(order_id=order.pk, by=customer)

    assert stock_of(product) == [10]
    assert set(order.items.values_list("product_id", "quantity")) == {(product.pk, 2), (None, 1)}


@pytest.mark.django_db
def test_cancelling_keeps_sales_made_since_the_order(customer, other_customer, product):
    order = place_order(customer, (product, 3))
    place_order(other_customer, (product, 5))

    order_cancel(order_id=order.pk, by=customer)

    assert stock_of(product) == [5]


@pytest.mark.django_db
def test_cancelling_through_a_status_change_follows_the_cancel_rules(customer, product):
    order = place_order(customer, (product, 3), status=PAID)

    with pytest.raises(InvalidStatusTransition):
        order_status_change(order_id=order.pk, status=CANCELLED, by=customer)

    assert (Order.objects.get().status, stock_of(product)) == (PAID, [7])
