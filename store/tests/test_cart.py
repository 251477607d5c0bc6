from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import ROLES
from core.tests.concurrency import run_concurrently
from store.models import CartItem
from store.tests.factories import ProductFactory
from store.tests.shopping import cart_state, fill_cart, world_state

CART = "/api/cart/"
MISSING = object()
ALLOWED = {"anonymous": 401, "customer": 200, "other_customer": 200, "manager": 403, "admin": 200}


def line_url(item) -> str:
    return f"{CART}{item.pk}/"


@pytest.fixture
def product(db):
    return ProductFactory(
        name="Teapot", slug="teapot", price=Decimal("25.00"), discount_price=Decimal("19.99"), stock=5
    )


# --- list -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_the_callers_lines_with_current_prices(client_for, customer, other_customer, product):
    mug = ProductFactory(name="Mug", slug="mug", price=Decimal("8.50"), stock=3)
    teapot_line, mug_line = fill_cart(customer, (product, 2), (mug, 1))
    fill_cart(other_customer, (product, 4))

    response = client_for(customer).get(CART)

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": teapot_line.pk,
                "product": {"id": product.pk, "slug": "teapot", "name": "Teapot", "final_price": "19.99", "stock": 5},
                "product_id": product.pk,
                "quantity": 2,
                "unit_price": "19.99",
                "line_total": "39.98",
            },
            {
                "id": mug_line.pk,
                "product": {"id": mug.pk, "slug": "mug", "name": "Mug", "final_price": "8.50", "stock": 3},
                "product_id": mug.pk,
                "quantity": 1,
                "unit_price": "8.50",
                "line_total": "8.50",
            },
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_role_matrix(client_as, role):
    response = client_as(role).get(CART)

    assert response.status_code == ALLOWED[role]
    if response.status_code == 200:
        assert response.json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [1, 20])
def test_list_query_count_does_not_grow_with_lines(client_for, customer, django_assert_max_num_queries, lines):
    fill_cart(customer, *[(ProductFactory(), 1) for _ in range(lines)])

    with django_assert_max_num_queries(2):
        response = client_for(customer).get(CART)

    assert len(response.json()["results"]) == lines


# --- add --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_creates_a_line_then_merges_into_it(client_for, customer, product):
    client = client_for(customer)

    first = client.post(CART, {"product_id": product.pk}, format="json")
    second = client.post(CART, {"product_id": product.pk, "quantity": 3}, format="json")

    assert first.status_code == 201
    assert first.json()["quantity"] == 1
    assert second.status_code == 200
    assert second.json() == {**first.json(), "quantity": 4, "line_total": "79.96"}
    assert cart_state(customer) == [(product.pk, 4)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_add_role_matrix(user_as, client_for, product, role):
    user = user_as(role)

    response = client_for(user).post(CART, {"product_id": product.pk}, format="json")

    assert response.status_code == {**ALLOWED, "customer": 201, "other_customer": 201, "admin": 201}[role]
    assert CartItem.objects.count() == (1 if response.status_code == 201 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"product_id": MISSING}, "product_id", id="missing-product"),
        pytest.param({"product_id": 999_999}, "product_id", id="unknown-product"),
        pytest.param({"product_id": 10**30}, "product_id", id="huge-product-id"),
        pytest.param({"product_id": -1}, "product_id", id="negative-product-id"),
        pytest.param({"product_id": "teapot"}, "product_id", id="product-id-not-a-number"),
        pytest.param({"product_id": None}, "product_id", id="null-product-id"),
        pytest.param({"product_id": True}, "product_id", id="bool-product-id"),
        pytest.param({"product_id": "x" * 10_000}, "product_id", id="huge-string-product-id"),
        pytest.param({"quantity": 0}, "quantity", id="zero"),
        pytest.param({"quantity": -2}, "quantity", id="negative"),
        pytest.param({"quantity": 10**30}, "quantity", id="huge"),
        pytest.param({"quantity": "two"}, "quantity", id="non-numeric"),
        pytest.param({"quantity": True}, "quantity", id="bool"),
        pytest.param({"quantity": None}, "quantity", id="null"),
        pytest.param({"quantity": 1.5}, "quantity", id="fraction"),
        pytest.param({"quantity": [1]}, "quantity", id="list"),
        pytest.param({"quantity": "1\x00"}, "quantity", id="nul-byte"),
    ],
)
def test_add_rejects_bad_input_and_changes_nothing(client_for, customer, product, body, field):
    fill_cart(customer, (product, 1))
    before = world_state()

    payload = {name: value for name, value in {"product_id": product.pk, **body}.items() if value is not MISSING}

    response = client_for(customer).post(CART, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert world_state() == before


@pytest.mark.django_db
def test_add_rejects_an_inactive_product(client_for, customer, product):
    product.is_active = False
    product.save()

    response = client_for(customer).post(CART, {"product_id": product.pk}, format="json")

    assert response.status_code == 400
    assert "product_id" in response.json()
    assert cart_state(customer) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("in_cart", "adding"), [(0, 6), (3, 3)], ids=["new-line", "merged-total"])
def test_add_rejects_more_than_the_stock(client_for, customer, product, in_cart, adding):
    if in_cart:
        fill_cart(customer, (product, in_cart))
    before = world_state()

    response = client_for(customer).post(CART, {"product_id": product.pk, "quantity": adding}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "quantity_above_stock"
    assert response.json()["items"] == [{"product_id": product.pk, "requested": in_cart + adding, "available": 5}]
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"text"', "12"])
def test_add_rejects_malformed_or_non_object_json(client_for, customer, payload):
    response = client_for(customer).post(CART, payload, content_type="application/json")

    assert response.status_code == 400
    assert CartItem.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_adds_of_one_product_merge_into_one_line():
    buyer = UserFactory()
    product = ProductFactory(stock=100)

    def add():
        client = APIClient()
        client.force_authenticate(buyer)
        return client.post(CART, {"product_id": product.pk, "quantity": 2}, format="json").status_code

    statuses = run_concurrently(*[add] * 10)

    assert sorted(statuses) == [200] * 9 + [201]
    assert cart_state(buyer) == [(product.pk, 20)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_adds_never_exceed_the_stock():
    buyer = UserFactory()
    product = ProductFactory(stock=5)

    def add():
        client = APIClient()
        client.force_authenticate(buyer)
        return client.post(CART, {"product_id": product.pk, "quantity": 2}, format="json").status_code

    statuses = run_concurrently(*[add] * 6)

    assert sorted(statuses) == [200, 201] + [400] * 4
    assert cart_state(buyer) == [(product.pk, 4)]


# --- one line ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_retrieve_role_matrix(client_as, customer, product, role):
    (line,) = fill_cart(customer, (product, 2))

    response = client_as(role).get(line_url(line))

    expected = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 403, "admin": 404}
    assert response.status_code == expected[role]
    if response.status_code == 200:
        assert response.json()["quantity"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["999999/", f"{10**30}/", "abc/", "-1/"])
def test_unknown_line_ids_are_404(client_for, customer, path):
    client = client_for(customer)

    assert client.get(CART + path).status_code == 404
    assert client.patch(CART + path, {"quantity": 1}, format="json").status_code == 404
    assert client.delete(CART + path).status_code == 404


@pytest.mark.django_db
def test_patch_sets_the_quantity(client_for, customer, product):
    (line,) = fill_cart(customer, (product, 1))

    response = client_for(customer).patch(line_url(line), {"quantity": 5}, format="json")

    assert response.status_code == 200
    assert (response.json()["quantity"], response.json()["line_total"]) == (5, "99.95")
    assert cart_state(customer) == [(product.pk, 5)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_patch_role_matrix(client_as, customer, product, role):
    (line,) = fill_cart(customer, (product, 1))

    response = client_as(role).patch(line_url(line), {"quantity": 3}, format="json")

    expected = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 403, "admin": 404}
    assert response.status_code == expected[role]
    assert cart_state(customer) == [(product.pk, 3 if expected[role] == 200 else 1)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="missing"),
        pytest.param({"quantity": 0}, id="zero"),
        pytest.param({"quantity": -1}, id="negative"),
        pytest.param({"quantity": 10**30}, id="huge"),
        pytest.param({"quantity": "many"}, id="non-numeric"),
        pytest.param({"quantity": False}, id="bool"),
        pytest.param({"quantity": None}, id="null"),
        pytest.param({"quantity": 6}, id="above-stock"),
    ],
)
def test_patch_rejects_bad_quantities_and_changes_nothing(client_for, customer, product, body):
    (line,) = fill_cart(customer, (product, 2))
    before = world_state()

    response = client_for(customer).patch(line_url(line), body, format="json")

    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.django_db
def test_patch_rejects_malformed_json(client_for, customer, product):
    (line,) = fill_cart(customer, (product, 2))

    response = client_for(customer).patch(line_url(line), "{quantity: 3", content_type="application/json")

    assert response.status_code == 400
    assert cart_state(customer) == [(product.pk, 2)]


@pytest.mark.django_db
def test_patch_refuses_a_product_no_longer_for_sale(client_for, customer, product):
    (line,) = fill_cart(customer, (product, 2))
    product.is_active = False
    product.save()

    response = client_for(customer).patch(line_url(line), {"quantity": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["items"] == [{"product_id": product.pk, "requested": 1, "available": 0}]
    assert cart_state(customer) == [(product.pk, 2)]


@pytest.mark.django_db
def test_put_is_not_allowed(client_for, customer, product):
    (line,) = fill_cart(customer, (product, 2))

    assert client_for(customer).put(line_url(line), {"quantity": 3}, format="json").status_code == 405
    assert cart_state(customer) == [(product.pk, 2)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_delete_role_matrix(client_as, customer, product, role):
    (line,) = fill_cart(customer, (product, 1))

    response = client_as(role).delete(line_url(line))

    expected = {"anonymous": 401, "customer": 204, "other_customer": 404, "manager": 403, "admin": 404}
    assert response.status_code == expected[role]
    assert cart_state(customer) == ([] if expected[role] == 204 else [(product.pk, 1)])


# --- summary ----------------------------------------------------------------------------------------------

TOTALS = ("lines", "quantity", "subtotal", "discount", "shipping", "tax", "total")


@pytest.mark.django_db
def test_summary_totals_the_callers_cart(client_for, customer, other_customer, product):
    mug = ProductFactory(price=Decimal("8.50"))
    fill_cart(customer, (product, 2), (mug, 3))
    fill_cart(other_customer, (product, 1))

    response = client_for(customer).get(CART + "summary/")

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in TOTALS} == {
        "lines": 2,
        "quantity": 5,
        "subtotal": "65.48",
        "discount": "0.00",
        "shipping": "0.00",
        "tax": "0.00",
        "total": "65.48",
    }
    assert [(item["product_id"], item["quantity"], item["gross"]) for item in body["items"]] == [
        (product.pk, 2, "39.98"),
        (mug.pk, 3, "25.50"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_summary_role_matrix(client_as, role):
    response = client_as(role).get(CART + "summary/")

    assert response.status_code == ALLOWED[role]
    if response.status_code == 200:
        body = response.json()
        assert {key: body[key] for key in TOTALS} == {
            "lines": 0,
            "quantity": 0,
            "subtotal": "0.00",
            "discount": "0.00",
            "shipping": "0.00",
            "tax": "0.00",
            "total": "0.00",
        }
        assert body["items"] == []
