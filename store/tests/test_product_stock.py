"""Stock writes by managers: only relative changes, under the checkout's lock, never from a stale read."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from conftest import ROLES_WITHOUT_OWNER
from store.models import Product
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order

URL = "/api/products/kettle/"


@pytest.fixture
def kettle(db):
    return ProductFactory(slug="kettle", stock=10, description="Old.", price=Decimal("20.00"))


def state(product) -> tuple:
    return Product.objects.filter(pk=product.pk).values_list("stock", "description", "price", "updated_at").get()


def product_writes(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith('UPDATE "store_product"')]


@pytest.mark.django_db
def test_a_description_patch_writes_the_description_only(client_as, kettle, customer):
    client = client_as("manager")

    with CaptureQueriesContext(connection) as queries:
        response = client.patch(URL, {"description": "New."}, format="json")

    assert response.status_code == 200
    assert (response.json()["description"], response.json()["stock"]) == ("New.", 10)
    [write] = product_writes(queries)
    assert write.startswith('UPDATE "store_product" SET "description" = \'New.\', "updated_at" = ')
    assert '"stock"' not in write


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_the_stock_is_set_with_the_stock_last_read(client_as, kettle, role):
    before = state(kettle)

    response = client_as(role).patch(
        URL, {"stock": 25, "expected_stock": 10, "description": "Restocked."}, format="json"
    )

    if role in {"anonymous", "customer"}:
        assert response.status_code == {"anonymous": 401, "customer": 403}[role]
        assert set(response.json()) == {"detail", "code"}
        assert state(kettle) == before
        return
    assert response.status_code == 200
    assert (response.json()["stock"], response.json()["description"]) == (25, "Restocked.")
    assert "expected_stock" not in response.json()
    assert state(kettle)[:2] == (25, "Restocked.")


@pytest.mark.django_db
def test_a_stale_expected_stock_is_a_409_and_changes_nothing(client_as, kettle, customer):
    place_order(customer, (kettle, 3))
    before = state(kettle)

    response = client_as("manager").patch(
        URL, {"stock": 25, "expected_stock": 10, "description": "Restocked.", "price": "30.00"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The stock changed since you read it; nothing was changed. Check the current stock and retry.",
        "code": "stock_changed",
        "stock": 7,
    }
    assert state(kettle) == before


@pytest.mark.django_db
def test_a_put_with_stock_follows_the_same_rule(client_as, kettle):
    body = {"name": "Kettle", "sku": kettle.sku, "price": "20.00", "category_id": kettle.category_id, "stock": 4}
    client = client_as("manager")
    before = state(kettle)

    missing = client.put(URL, body, format="json")
    stale = client.put(URL, {**body, "expected_stock": 11}, format="json")
    after_refusals = state(kettle)
    fine = client.put(URL, {**body, "expected_stock": 10}, format="json")

    assert (missing.status_code, stale.status_code, fine.status_code) == (400, 409, 200)
    assert missing.json() == {
        "expected_stock": ["Required with stock: the stock you last read, so that no sale is overwritten."]
    }
    assert stale.json()["code"] == "stock_changed"
    assert after_refusals == before
    assert state(kettle)[0] == 4


@pytest.mark.django_db
def test_expected_stock_alone_or_on_create_is_ignored(client_as, kettle):
    client = client_as("manager")

    alone = client.patch(URL, {"expected_stock": 3, "description": "New."}, format="json")
    created = client.post(
        "/api/products/",
        {
            "name": "Pot",
            "sku": "P-1",
            "price": "5.00",
            "category_id": kettle.category_id,
            "stock": 2,
            "expected_stock": 9,
        },
        format="json",
    )

    assert alone.status_code == 200
    assert state(kettle)[:2] == (10, "New.")
    assert created.status_code == 201
    assert Product.objects.get(sku="P-1").stock == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"stock": 5}, "expected_stock", id="stock-without-expected"),
        pytest.param({"stock": 5, "expected_stock": None}, "expected_stock", id="expected-null"),
        pytest.param({"stock": 5, "expected_stock": "ten"}, "expected_stock", id="expected-text"),
        pytest.param({"stock": 5, "expected_stock": 1.5}, "expected_stock", id="expected-fractional"),
        pytest.param({"stock": 5, "expected_stock": -1}, "expected_stock", id="expected-negative"),
        pytest.param({"stock": 5, "expected_stock": 2**31}, "expected_stock", id="expected-past-integer"),
        pytest.param({"stock": 5, "expected_stock": 10**30}, "expected_stock", id="expected-huge"),
        pytest.param({"stock": 5, "expected_stock": [10]}, "expected_stock", id="expected-a-list"),
        pytest.param({"stock": -1, "expected_stock": 10}, "stock", id="stock-negative"),
        pytest.param({"stock": 2**31, "expected_stock": 10}, "stock", id="stock-past-integer"),
        pytest.param({"stock": 10**30, "expected_stock": 10}, "stock", id="stock-huge"),
        pytest.param({"stock": "many", "expected_stock": 10}, "stock", id="stock-text"),
        pytest.param({"stock": None, "expected_stock": 10}, "stock", id="stock-null"),
        pytest.param({"stock": {"delta": 1}, "expected_stock": 10}, "stock", id="stock-an-object"),
    ],
)
def test_bad_stock_input_is_a_400_and_changes_nothing(client_as, kettle, body, field):
    before = state(kettle)

    response = client_as("manager").patch(URL, {**body, "description": "New."}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert isinstance(response.json()[field], list)
    assert state(kettle) == before


def test_the_schema_documents_expected_stock_and_the_stock_changed_conflict():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    schemas = schema["components"]["schemas"]

    for method in ("put", "patch"):
        conflict = schema["paths"]["/api/products/{slug}/"][method]["responses"]["409"]["content"]
        assert conflict["application/json"]["schema"] == {"$ref": "#/components/schemas/StockChanged"}
    assert schemas["StockChanged"]["required"] == ["code", "detail", "stock"]
    expected_stock = schemas["PatchedProductRequest"]["properties"]["expected_stock"]
    assert (expected_stock["minimum"], expected_stock["maximum"]) == (0, 2_147_483_647)
    assert "expected_stock" not in schemas["Product"]["properties"]
