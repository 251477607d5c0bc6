import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import ROLES
from store.models import Order, OrderItem, Product
from store.services.checkout import order_place
from store.tests.factories import ProductFactory
from store.tests.shopping import cart_state, fill_cart, stock_of, world_state

CHECKOUT = "/api/checkout/"


@pytest.fixture
def teapot(db):
    return ProductFactory(
        name="Teapot", slug="teapot", sku="TEA-1", price=Decimal("25.00"), discount_price=Decimal("19.99"), stock=5
    )


@pytest.fixture
def mug(db):
    return ProductFactory(name="Mug", slug="mug", sku="MUG-1", price=Decimal("8.50"), stock=3)


@pytest.fixture
def shipping(customer):
    profile = customer.profile
    profile.phone, profile.address, profile.city = "+254700000001", "1 Moi Avenue", "Nairobi"
    profile.country, profile.postal_code = "Kenya", "00100"
    profile.save()
    return profile


@pytest.mark.django_db
def test_checkout_turns_the_cart_into_a_pending_order(client_for, customer, shipping, teapot, mug):
    fill_cart(customer, (teapot, 2), (mug, 3))

    response = client_for(customer).post(
        CHECKOUT, {"status": "delivered", "total_amount": "0.01", "user": 999}, format="json"
    )

    assert response.status_code == 201
    order = Order.objects.get()
    teapot_item, mug_item = order.items.order_by("product_id")
    body = response.json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*", body.pop("created_at"))
    assert body == {
        "id": order.pk,
        "status": "pending",
        "subtotal_amount": "65.48",
        "discount_amount": "0.00",
        "shipping_amount": "0.00",
        "tax_amount": "0.00",
        "total_amount": "65.48",
        "prices_include_tax": True,
        "shipping_method_name": "",
        "voucher_code": "",
        "items": [
            {
                "id": teapot_item.pk,
                "product_id": teapot.pk,
                "product_slug": "teapot",
                "product_name": "Teapot",
                "sku": "TEA-1",
                "quantity": 2,
                "price_at_purchase": "19.99",
                "line_total": "39.98",
                "discount_amount": "0.00",
                "tax_rate": "0.00",
                "net_amount": "39.98",
                "tax_amount": "0.00",
                "gross_amount": "39.98",
            },
            {
                "id": mug_item.pk,
                "product_id": mug.pk,
                "product_slug": "mug",
                "product_name": "Mug",
                "sku": "MUG-1",
                "quantity": 3,
                "price_at_purchase": "8.50",
                "line_total": "25.50",
                "discount_amount": "0.00",
                "tax_rate": "0.00",
                "net_amount": "25.50",
                "tax_amount": "0.00",
                "gross_amount": "25.50",
            },
        ],
        "name": "",
        "phone": "+254700000001",
        "address": "1 Moi Avenue",
        "line2": "",
        "city": "Nairobi",
        "region": "",
        "country": "Kenya",
        "postal_code": "00100",
    }
    assert (order.user, order.total_amount) == (customer, Decimal("65.48"))
    assert stock_of(teapot, mug) == [3, 0]
    assert cart_state(customer) == []


@pytest.mark.django_db
def test_the_order_keeps_its_prices_and_names_when_the_product_changes(client_for, customer, teapot):
    fill_cart(customer, (teapot, 1))
    order_id = client_for(customer).post(CHECKOUT).json()["id"]

    Product.objects.filter(pk=teapot.pk).update(name="Kettle", price=Decimal("99.00"), discount_price=None)
    response = client_for(customer).get(f"/api/orders/{order_id}/")

    item = response.json()["items"][0]
    assert (item["product_name"], item["price_at_purchase"], response.json()["total_amount"]) == (
        "Teapot",
        "19.99",
        "19.99",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_checkout_role_matrix(user_as, client_for, teapot, role):
    user = user_as(role)
    if user is not None:
        fill_cart(user, (teapot, 1))

    response = client_for(user).post(CHECKOUT)

    expected = {"anonymous": 401, "customer": 201, "other_customer": 201, "manager": 403, "admin": 201}
    assert response.status_code == expected[role]
    assert Order.objects.count() == (1 if expected[role] == 201 else 0)
    assert stock_of(teapot) == [4 if expected[role] == 201 else 5]


@pytest.mark.django_db
def test_an_empty_cart_cannot_be_checked_out(client_for, customer, other_customer, teapot):
    fill_cart(other_customer, (teapot, 1))
    before = world_state()

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 400
    assert response.json() == {"detail": "The cart is empty.", "code": "cart_empty"}
    assert world_state() == before


@pytest.mark.django_db
def test_a_line_above_stock_fails_the_whole_checkout(client_for, customer, teapot, mug):
    fill_cart(customer, (teapot, 2), (mug, 3))
    Product.objects.filter(pk=mug.pk).update(stock=1)
    before = world_state()

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Some products in the cart are not available in the requested quantity.",
        "code": "insufficient_stock",
        "items": [{"product_id": mug.pk, "requested": 3, "available": 1}],
    }
    assert world_state() == before


@pytest.mark.django_db
def test_an_inactive_product_fails_the_whole_checkout(client_for, customer, teapot, mug):
    fill_cart(customer, (teapot, 2), (mug, 1))
    Product.objects.filter(pk=teapot.pk).update(is_active=False)
    before = world_state()

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 409
    assert response.json()["code"] == "product_unavailable"
    assert response.json()["items"] == [{"product_id": teapot.pk, "requested": 2, "available": 0}]
    assert world_state() == before


@pytest.mark.django_db
def test_a_failure_after_the_stock_was_deducted_rolls_everything_back(client_for, customer):
    # The order total overflows its column only when the order row is written, after the stock update.
    pricey = ProductFactory(price=Decimal("99999999.99"), stock=500)
    fill_cart(customer, (pricey, 200))
    before = world_state()

    response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", '"text"', "12"])
def test_checkout_rejects_a_malformed_body(client_for, customer, teapot, payload):
    fill_cart(customer, (teapot, 1))
    before = world_state()

    response = client_for(customer).post(CHECKOUT, payload, content_type="application/json")

    assert response.status_code == 400
    assert world_state() == before


# --- idempotency ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retry_with_the_same_key_returns_the_first_order(client_for, customer, teapot, mug):
    client = client_for(customer)
    fill_cart(customer, (teapot, 1))
    first = client.post(CHECKOUT, HTTP_IDEMPOTENCY_KEY="order-7f3a")
    fill_cart(customer, (mug, 1))

    retry = client.post(CHECKOUT, HTTP_IDEMPOTENCY_KEY="order-7f3a")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert Order.objects.count() == 1
    assert stock_of(teapot, mug) == [4, 3]
    assert cart_state(customer) == [(mug.pk, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("k" * 256, id="too-long"),
        pytest.param("tab\there", id="control-character"),
        pytest.param("nul\x00", id="nul-byte"),
        pytest.param("ключ", id="non-ascii"),
    ],
)
def test_a_bad_idempotency_key_is_rejected(client_for, customer, teapot, key):
    fill_cart(customer, (teapot, 1))
    before = world_state()

    response = client_for(customer).post(CHECKOUT, HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert world_state() == before


@pytest.mark.django_db
def test_the_longest_key_is_accepted(client_for, customer, teapot):
    fill_cart(customer, (teapot, 1))

    response = client_for(customer).post(CHECKOUT, HTTP_IDEMPOTENCY_KEY="k" * 255)

    assert response.status_code == 201
    assert Order.objects.get().idempotency_key == "k" * 255


# --- locking and query budget -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_product_rows_are_locked_in_primary_key_order_before_stock_is_written(customer):
    products = [ProductFactory(stock=10) for _ in range(3)]
    # Put them in the cart in an order different from their primary keys.
    fill_cart(customer, (products[2], 1), (products[0], 2), (products[1], 3))

    with CaptureQueriesContext(connection) as captured:
        order_place(user=customer)

    statements = [query["sql"] for query in captured.captured_queries]
    product_table = Product._meta.db_table
    lock_index = next(i for i, sql in enumerate(statements) if f'FROM "{product_table}"' in sql and "FOR" in sql)
    write_indexes = [i for i, sql in enumerate(statements) if sql.startswith(f'UPDATE "{product_table}"')]
    lock = statements[lock_index]
    assert re.search(rf'ORDER BY "{product_table}"\."id" ASC FOR NO KEY UPDATE OF "{product_table}"$', lock)
    assert write_indexes and all(index > lock_index for index in write_indexes)
    assert not any(f'"{product_table}"' in sql and "FOR" in sql for sql in statements[lock_index + 1 :])
    cart_lock_index = next(i for i, sql in enumerate(statements) if '"store_cart"' in sql and "FOR UPDATE" in sql)
    assert cart_lock_index < lock_index
    assert stock_of(*products) == [8, 7, 9]


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [1, 10])
def test_checkout_query_count_does_not_grow_with_lines(client_for, customer, django_assert_max_num_queries, lines):
    fill_cart(customer, *[(ProductFactory(), 1) for _ in range(lines)])

    # 12, plus counting the customer's pending orders (the limit), the `placed` event and looking for a default
    # shipping address (none here: the profile's details are used), and the stock ledger's one INSERT.
    with django_assert_max_num_queries(16):
        response = client_for(customer).post(CHECKOUT)

    assert response.status_code == 201
    assert OrderItem.objects.count() == lines
