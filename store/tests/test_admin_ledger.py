"""The admin's stock ledger, restock orders and back-in-stock subscriptions."""

import pytest
from django.test import Client

from store.models import BackInStockSubscription, Product, RestockOrder, StockMovement
from store.services.catalog import product_stock_adjust
from store.services.orders import order_cancel
from store.services.restock import restock_order_create
from store.services.stock import stock_mismatches
from store.tests.admin_forms import admin_form, list_row
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.shopping import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


def test_the_order_page_shows_its_ledger_lines_read_only(manager_client, customer, manager):
    product = ProductFactory(stock=5, name="Copper Kettle")
    order = place_order(customer, (product, 2))
    order_cancel(order_id=order.pk, by=manager)

    page = manager_client.get(f"/admin/store/order/{order.pk}/change/").content.decode()

    assert "stock_movements-TOTAL_FORMS" in page
    assert page.count("Copper Kettle") >= 2
    assert ">Sale<" in page and ">Cancel<" in page
    assert 'name="stock_movements-0-delta"' not in page


@pytest.mark.parametrize(
    "url",
    [
        "/admin/store/stockmovement/",
        "/admin/store/stockmovement/?reason__exact=sale&q=kettle",
        "/admin/store/restockorder/",
        "/admin/store/restockorder/add/",
        "/admin/store/backinstocksubscription/",
    ],
)
def test_managers_browse_the_ledger_restocks_and_subscriptions(manager_client, manager, customer, url):
    product = ProductFactory(stock=0, name="Kettle")
    BackInStockSubscription.objects.create(user=customer, product=product)
    restock_order_create(actor=manager, lines=[{"product_id": product.pk, "quantity": 3}])

    assert manager_client.get(url).status_code == 200


def test_the_ledger_cannot_be_edited_in_the_admin(manager_client):
    movement = StockMovement.objects.get(product=ProductFactory(stock=2))

    assert manager_client.get("/admin/store/stockmovement/add/").status_code == 403
    assert manager_client.post(f"/admin/store/stockmovement/{movement.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StockMovement.objects.filter(pk=movement.pk).exists()


def test_products_added_and_edited_in_the_admin_go_through_the_ledger(manager_client, manager):
    category = CategoryFactory()
    form = admin_form(manager_client, "/admin/store/product/add/", "product_form")
    form.update(category=str(category.pk), name="Kettle", slug="kettle", sku="KT-1", price="20.00", stock="6")
    manager_client.post("/admin/store/product/add/", form)
    product = Product.objects.get(slug="kettle")
    fields = admin_form(manager_client, "/admin/store/product/", "changelist-form")
    fields[f"{list_row(fields, product.pk)}-stock"] = "4"

    response = manager_client.post("/admin/store/product/", {**fields, "_save": "Save"})

    assert response.status_code == 302
    assert list(StockMovement.objects.filter(product=product).order_by("id").values_list("delta", "actor")) == [
        (6, manager.pk),
        (-2, manager.pk),
    ]
    assert stock_mismatches() == []


def test_a_product_is_deleted_with_its_ledger(admin_client):
    product = ProductFactory(stock=3)
    product_stock_adjust(product=product, delta=1, reason="adjustment", actor=None)

    response = admin_client.post(f"/admin/store/product/{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not StockMovement.objects.filter(product_id=product.pk).exists()


def test_restock_actions_order_and_cancel(manager_client, manager):
    product = ProductFactory(stock=0)
    drafts = [restock_order_create(actor=manager, lines=[{"product_id": product.pk, "quantity": 2}]) for _ in range(2)]

    manager_client.post(
        "/admin/store/restockorder/",
        {"action": "restock_order_place", "_selected_action": [drafts[0].pk]},
    )
    manager_client.post(
        "/admin/store/restockorder/",
        {"action": "restock_order_cancel", "_selected_action": [draft.pk for draft in drafts]},
    )

    assert list(RestockOrder.objects.order_by("pk").values_list("status", flat=True)) == ["cancelled", "cancelled"]
    page = manager_client.get(f"/admin/store/restockorder/{drafts[0].pk}/change/").content.decode()
    assert 'name="lines-0-quantity_ordered"' not in page
