"""Checkouts, cancels and restock receipts of the same products at once keep the stock equal to its ledger."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from core.tests.concurrency import run_concurrently
from store.models import Order, StockMovement
from store.services.restock import restock_order_create, restock_order_place
from store.services.stock import stock_mismatches
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart, place_order, stock_of

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

BUYERS, CANCELS, RECEIPTS = 20, 5, 3
INITIAL_STOCK, PER_RECEIPT = 12, 2


def as_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def checkout(buyer):
    return lambda: as_client(buyer).post("/api/checkout/").status_code


def cancel(owner, order):
    return lambda: as_client(owner).post(f"/api/orders/{order.pk}/cancel/").status_code


def receive(manager, restock_order, products):
    lines = [{"product_id": product.pk, "quantity": PER_RECEIPT} for product in reversed(products)]
    return lambda: (
        as_client(manager)
        .post(f"/api/restock-orders/{restock_order.pk}/receive/", {"lines": lines}, format="json")
        .status_code
    )


def test_checkouts_cancels_and_receipts_in_parallel_leave_stock_equal_to_the_ledger():
    kettle, mug = ProductFactory(stock=INITIAL_STOCK), ProductFactory(stock=INITIAL_STOCK)
    manager = UserFactory(manager=True)
    owners = [UserFactory() for _ in range(CANCELS)]
    to_cancel = [place_order(owner, (kettle, 1), (mug, 1)) for owner in owners]
    buyers = [UserFactory() for _ in range(BUYERS)]
    for number, buyer in enumerate(buyers):
        # Half the carts name the products in the other order: locks are still taken in primary-key order.
        fill_cart(buyer, *([(kettle, 1), (mug, 1)] if number % 2 else [(mug, 1), (kettle, 1)]))
    restock_orders = [
        restock_order_place(
            restock_order_id=restock_order_create(
                actor=manager,
                lines=[{"product_id": product.pk, "quantity": PER_RECEIPT} for product in (kettle, mug)],
            ).pk
        )
        for _ in range(RECEIPTS)
    ]

    results = run_concurrently(
        *[checkout(buyer) for buyer in buyers],
        *[cancel(owner, order) for owner, order in zip(owners, to_cancel, strict=True)],
        *[receive(manager, restock_order, (kettle, mug)) for restock_order in restock_orders],
    )

    checkouts, cancels, receipts = results[:BUYERS], results[BUYERS : BUYERS + CANCELS], results[BUYERS + CANCELS :]
    sold = checkouts.count(201)
    assert set(checkouts) <= {201, 409}
    assert cancels == [200] * CANCELS
    assert receipts == [200] * RECEIPTS
    # The 12 units less the 5 held by the orders to cancel, which come back, and the 6 received.
    available = INITIAL_STOCK + RECEIPTS * PER_RECEIPT
    assert sold <= available
    assert stock_of(kettle, mug) == [available - sold] * 2
    assert stock_mismatches() == []
    assert StockMovement.objects.filter(reason="sale").count() == 2 * (sold + CANCELS)
    assert Order.objects.filter(status=Order.Status.PENDING).count() == sold
