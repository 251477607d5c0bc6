"""Managers editing a product while customers buy it, on real PostgreSQL with one connection per thread."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from core.tests.concurrency import run_concurrently
from store.models import Order, Product
from store.tests.admin_forms import admin_form, list_row
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart, stock_of

pytestmark = pytest.mark.race

INITIAL_STOCK = 20
BUYERS = 12
EDITS = 15


def checkout(buyer):
    def call() -> int:
        client = APIClient()
        client.force_authenticate(buyer)
        return client.post("/api/checkout/").status_code

    return call


def api_description_edits(manager, product):
    def call() -> list[int]:
        client = APIClient()
        client.force_authenticate(manager)
        return [
            client.patch(f"/api/products/{product.slug}/", {"description": f"Edit {n}."}, format="json").status_code
            for n in range(EDITS)
        ]

    return call


def admin_list_edits(client: Client, product):
    """Load the changelist, change the price in the product's row and save, as a manager in a browser does."""

    def call() -> list[int]:
        statuses = []
        for n in range(EDITS):
            form = admin_form(client, "/admin/store/product/", "changelist-form")
            form[f"{list_row(form, product.pk)}-price"] = f"{30 + n}.00"
            statuses.append(client.post("/admin/store/product/", {**form, "_save": "Save"}).status_code)
        return statuses

    return call


@pytest.mark.django_db(transaction=True)
def test_manager_edits_in_the_api_and_the_admin_list_never_undo_sales():
    product = ProductFactory(stock=INITIAL_STOCK, price=Decimal("25.00"))
    buyers = [UserFactory() for _ in range(BUYERS)]
    for buyer in buyers:
        fill_cart(buyer, (product, 1))
    api_manager, admin_manager = UserFactory(manager=True), UserFactory(manager=True)
    admin_client = Client()
    admin_client.force_login(admin_manager)

    *checkouts, api_edits, list_edits = run_concurrently(
        *[checkout(buyer) for buyer in buyers],
        api_description_edits(api_manager, product),
        admin_list_edits(admin_client, product),
    )

    assert checkouts == [201] * BUYERS
    assert api_edits == [200] * EDITS
    assert list_edits == [302] * EDITS
    assert Order.objects.count() == BUYERS
    assert stock_of(product) == [INITIAL_STOCK - BUYERS]
    assert Product.objects.filter(pk=product.pk).values_list("description", "price").get() == (
        f"Edit {EDITS - 1}.",
        Decimal(f"{30 + EDITS - 1}.00"),
    )
