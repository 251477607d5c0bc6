"""The stock ledger: every stock change writes a movement, the stock is their sum, and managers read and adjust it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conftest import ROLES
from store.constants import MAX_STOCK
from store.models import Category, Order, Product, StockMovement
from store.services.catalog import product_create, product_stock_adjust
from store.services.orders import order_cancel, order_expire
from store.services.stock import stock_mismatches
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order, stock_of

pytestmark = pytest.mark.django_db


def ledger_of(product: Product) -> list[tuple[int, str, int | None]]:
    return list(StockMovement.objects.filter(product=product).order_by("id").values_list("delta", "reason", "order_id"))


def movements_url(product: Product) -> str:
    return f"/api/products/{product.slug}/stock-movements/"


def adjustments_url(product: Product) -> str:
    return f"/api/products/{product.slug}/stock-adjustments/"


# --- every path writes a movement ------------------------------------------------------------------------------


def test_checkout_cancel_and_expiry_write_one_movement_per_product(customer, manager):
    kettle, mug = ProductFactory(stock=5), ProductFactory(stock=8)

    cancelled = place_order(customer, (kettle, 2), (mug, 3))
    order_cancel(order_id=cancelled.pk, by=manager)
    expired = place_order(customer, (kettle, 1))
    order_expire(order=Order.objects.select_for_update().get(pk=expired.pk))

    assert ledger_of(kettle) == [
        (5, "adjustment", None),
        (-2, "sale", cancelled.pk),
        (2, "cancel", cancelled.pk),
        (-1, "sale", expired.pk),
        (1, "expiry", expired.pk),
    ]
    assert ledger_of(mug) == [(8, "adjustment", None), (-3, "sale", cancelled.pk), (3, "cancel", cancelled.pk)]
    assert StockMovement.objects.get(reason="cancel", product=kettle).actor == manager
    assert stock_mismatches() == []


def test_product_create_records_its_opening_stock(manager):
    product = product_create(
        category=Category.objects.create(name="Tea", slug="tea"), name="Tin", sku="T-1", price=5, stock=7, actor=manager
    )

    assert list(StockMovement.objects.filter(product=product).values_list("delta", "reason", "actor")) == [
        (7, "adjustment", manager.pk)
    ]
    assert stock_of(product) == [7]


def test_an_adjustment_below_zero_changes_nothing(manager):
    product = ProductFactory(stock=2)

    with pytest.raises(Exception, match="Only 2 in stock"):
        product_stock_adjust(product=product, delta=-3, reason="adjustment", actor=manager)

    assert stock_of(product) == [2]
    assert ledger_of(product) == [(2, "adjustment", None)]


def test_a_return_is_a_movement_with_its_order(customer, manager):
    product = ProductFactory(stock=3)
    order = place_order(customer, (product, 2), status=Order.Status.DELIVERED)

    product_stock_adjust(product=product, delta=1, reason="return", actor=manager, order=order, note="Box dented")

    assert ledger_of(product)[-1] == (1, "return", order.pk)
    assert stock_of(product) == [2]


# --- check_stock -------------------------------------------------------------------------------------------------


def test_check_stock_passes_when_every_stock_is_its_ledger(customer):
    place_order(customer, (ProductFactory(stock=4), 1))
    out = StringIO()

    call_command("check_stock", stdout=out)

    assert "Every product's stock is the sum of its movements." in out.getvalue()


def test_check_stock_lists_a_stock_written_around_the_ledger_and_fails():
    fine, tampered = ProductFactory(stock=4), ProductFactory(stock=4)
    Product.objects.filter(pk=tampered.pk).update(stock=9)
    out = StringIO()

    with pytest.raises(CommandError, match="1 product"):
        call_command("check_stock", stdout=out)

    assert out.getvalue() == f"Product {tampered.pk}: stock 9, ledger 4 (+5)\n"
    assert stock_mismatches() == [(tampered.pk, 9, 4)]
    assert fine.pk not in [row[0] for row in stock_mismatches()]


# --- GET /api/products/{slug}/stock-movements/ --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_stock_movements_role_matrix(client_as, role):
    product = ProductFactory(stock=3)

    response = client_as(role).get(movements_url(product))

    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 200, "admin": 200}[role]
    assert response.status_code == expected
    if expected == 200:
        assert [(row["delta"], row["reason"]) for row in response.json()["results"]] == [(3, "adjustment")]


def test_stock_movements_newest_first_with_filters(client_for, manager, customer):
    product = ProductFactory(stock=5)
    order = place_order(customer, (product, 2))
    product_stock_adjust(product=product, delta=4, reason="adjustment", actor=manager, note="Found")
    StockMovement.objects.filter(product=product, reason="sale").update(created_at=timezone.now() - timedelta(days=3))
    client = client_for(manager)

    everything = client.get(movements_url(product)).json()
    sales = client.get(movements_url(product), {"reason": "sale"}).json()
    recent = client.get(movements_url(product), {"date_from": str(timezone.localdate() - timedelta(days=1))}).json()
    old = client.get(movements_url(product), {"date_to": str(timezone.localdate() - timedelta(days=2))}).json()

    assert everything["count"] == 3
    assert everything["results"][0] | {"id": 0, "created_at": ""} == {
        "id": 0,
        "product_id": product.pk,
        "delta": 4,
        "reason": "adjustment",
        "order_id": None,
        "restock_order_id": None,
        "actor_id": manager.pk,
        "note": "Found",
        "created_at": "",
    }
    assert [(row["delta"], row["order_id"]) for row in sales["results"]] == [(-2, order.pk)]
    assert [row["delta"] for row in recent["results"]] == [4, 5]
    assert [row["delta"] for row in old["results"]] == [-2]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"reason": "theft"}, 400),
        ({"date_from": "yesterday"}, 400),
        ({"date_to": "2026-13-45"}, 400),
        ({"page": "9"}, 404),
    ],
    ids=["unknown-reason", "bad-date-from", "bad-date-to", "page-beyond"],
)
def test_stock_movements_bad_filters_are_4xx(client_for, manager, query, status):
    product = ProductFactory(stock=1)

    response = client_for(manager).get(movements_url(product), query)

    assert response.status_code == status


def test_stock_movements_of_an_unknown_product_are_404(client_for, manager):
    assert client_for(manager).get("/api/products/no-such-thing/stock-movements/").status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_stock_movements_queries_do_not_grow_with_the_page(client_for, manager, django_assert_max_num_queries, count):
    product = ProductFactory(stock=1)
    for _ in range(count):
        product_stock_adjust(product=product, delta=1, reason="adjustment", actor=manager)
    client = client_for(manager)

    # The product, the count and the page.
    with django_assert_max_num_queries(3):
        response = client.get(movements_url(product), {"page_size": 50})

    assert response.json()["count"] == count + 1


# --- POST /api/products/{slug}/stock-adjustments/ -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_stock_adjustment_role_matrix(client_as, role):
    product = ProductFactory(stock=3)

    response = client_as(role).post(adjustments_url(product), {"delta": 2, "note": "Count"}, format="json")

    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 201, "admin": 201}[role]
    assert response.status_code == expected
    assert stock_of(product) == [5 if expected == 201 else 3]
    assert StockMovement.objects.filter(product=product).count() == (2 if expected == 201 else 1)


def test_stock_adjustment_applies_the_difference_and_answers_the_movement(client_for, manager):
    product = ProductFactory(stock=3)

    response = client_for(manager).post(
        adjustments_url(product), {"delta": -1, "reason": "adjustment", "note": "Broken"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["delta"], body["reason"], body["note"], body["stock"], body["actor_id"]) == (
        -1,
        "adjustment",
        "Broken",
        2,
        manager.pk,
    )
    assert ledger_of(product)[-1] == (-1, "adjustment", None)


def test_stock_adjustment_below_zero_is_409_and_changes_nothing(client_for, manager):
    product = ProductFactory(stock=3)

    response = client_for(manager).post(adjustments_url(product), {"delta": -4}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 3 in stock; cannot remove 4.",
        "code": "insufficient_stock",
        "items": [{"product_id": product.pk, "requested": 4, "available": 3}],
    }
    assert stock_of(product) == [3]
    assert StockMovement.objects.filter(product=product).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"delta": 0},
        {"delta": "two"},
        {"delta": 1.5},
        {"delta": MAX_STOCK + 1},
        {"delta": -MAX_STOCK - 1},
        {"delta": 10**30},
        {"delta": 1, "reason": "sale"},
        {"delta": 1, "reason": "restock_received"},
        {"delta": 1, "note": "x" * 501},
        {"delta": None},
    ],
    ids=[
        "missing",
        "zero",
        "text",
        "fraction",
        "above-max",
        "below-min",
        "huge",
        "flow-reason",
        "restock-reason",
        "long-note",
        "null",
    ],
)
def test_stock_adjustment_bad_input_is_400_and_changes_nothing(client_for, manager, body):
    product = ProductFactory(stock=3)

    response = client_for(manager).post(adjustments_url(product), body, format="json")

    assert response.status_code == 400
    assert stock_of(product) == [3]
    assert StockMovement.objects.filter(product=product).count() == 1


def test_stock_adjustment_above_the_maximum_stock_is_400_and_changes_nothing(client_for, manager):
    product = ProductFactory(stock=3)

    response = client_for(manager).post(adjustments_url(product), {"delta": MAX_STOCK}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "stock_out_of_range"
    assert stock_of(product) == [3]


def test_stock_adjustment_malformed_json_is_400(client_for, manager):
    product = ProductFactory(stock=3)

    response = client_for(manager).post(adjustments_url(product), "{delta:", content_type="application/json")

    assert response.status_code == 400
    assert stock_of(product) == [3]


def test_stock_adjustment_of_an_unknown_product_is_404(client_for, manager):
    response = client_for(manager).post("/api/products/nope/stock-adjustments/", {"delta": 1}, format="json")

    assert response.status_code == 404


# --- the migration's opening balances ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_ledger_migration_gives_every_product_its_stock_as_opening_balance():
    before, after = [("store", "0006_cart_guest_token")], [("store", "0007_stock_ledger_restock_back_in_stock")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        category = old_apps.get_model("store", "Category").objects.create(name="Kitchen", slug="kitchen")
        product_model = old_apps.get_model("store", "Product")
        stocked = product_model.objects.create(
            category=category, name="Kettle", slug="kettle", sku="KT-1", price=10, stock=7
        )
        product_model.objects.create(category=category, name="Mug", slug="mug", sku="MG-1", price=3, stock=0)

        executor = MigrationExecutor(connection)
        executor.migrate(after)

        movements = executor.loader.project_state(after).apps.get_model("store", "StockMovement").objects
        assert list(movements.values_list("product_id", "delta", "reason")) == [(stocked.pk, 7, "adjustment")]
        assert stock_mismatches() == []
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
