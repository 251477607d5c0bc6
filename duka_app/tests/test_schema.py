import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

# Tags whose operations must carry request and response examples: every tag.
TAGS_WITH_EXAMPLES = {
    "auth",
    "profile",
    "addresses",
    "catalog",
    "cart",
    "wishlist",
    "restocking",
    "checkout",
    "orders",
    "payments",
    "fulfilment",
    "pricing",
    "security",
    "operations",
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def operations(schema):
    return [(path, method, operation) for path, item in schema["paths"].items() for method, operation in item.items()]


def test_every_tag_is_described_and_carries_examples(operations):
    described = {tag["name"]: tag.get("description") for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
    used = {tag for _path, _method, operation in operations for tag in operation["tags"]}

    assert used == set(described) == TAGS_WITH_EXAMPLES
    assert all(described.values())


def test_operation_ids_are_unique(operations):
    ids = [operation["operationId"] for _path, _method, operation in operations]

    assert len(ids) == len(set(ids))


def test_every_operation_has_a_summary_a_tag_and_its_error_responses(operations):
    for path, method, operation in operations:
        responses = set(operation["responses"])
        assert operation.get("summary") and operation.get("tags"), (method, path)
        if "requestBody" in operation:
            assert "400" in responses, (method, path)
        if {"jwtAuth": []} in operation.get("security", []):
            assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)


def test_protected_operations_ask_for_a_bearer_token(operations):
    security = {(method, path): operation.get("security") for path, method, operation in operations}

    assert security[("get", "/api/profile/")] == [{"jwtAuth": []}]
    assert security[("post", "/api/auth/logout/")] == [{"jwtAuth": []}]
    assert security[("post", "/api/auth/register/")] in (None, [{}])
    assert security[("post", "/api/auth/token/")] in (None, [{}])


def test_documented_operations_have_examples(operations):
    for path, method, operation in operations:
        if not TAGS_WITH_EXAMPLES & set(operation["tags"]):
            continue
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]
            assert (content.get("application/json") or content["multipart/form-data"]).get("examples"), (method, path)
        for status, response in operation["responses"].items():
            if "content" in response:
                assert response["content"]["application/json"].get("examples"), (method, path, status)


def test_errors_have_the_detail_and_code_shape(operations):
    _path, _method, logout = next(entry for entry in operations if entry[2]["operationId"] == "auth_logout")

    assert logout["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert logout["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BadRequest"
    }


def test_a_blacklist_entry_may_have_no_creator(schema):
    """Automatic entries (analyze_logs) and entries of deleted users have `created_by: null`."""
    assert schema["components"]["schemas"]["BlacklistedIP"]["properties"]["created_by"]["nullable"] is True


def test_catalog_reads_take_an_optional_token_and_cannot_be_forbidden(operations):
    by_id = {operation["operationId"]: operation for _path, _method, operation in operations}

    for read in ("categories_list", "categories_retrieve", "products_list", "products_retrieve"):
        assert by_id[read]["security"] == [{"jwtAuth": []}, {}], read
        assert "403" not in by_id[read]["responses"], read
    for write in ("categories_create", "products_update", "products_destroy"):
        assert by_id[write]["security"] == [{"jwtAuth": []}], write
        assert "403" in by_id[write]["responses"], write


def test_conflicts_document_the_data_they_carry(schema, operations):
    by_id = {operation["operationId"]: operation for _path, _method, operation in operations}
    schemas = schema["components"]["schemas"]

    checkout_409 = by_id["checkout"]["responses"]["409"]["content"]["application/json"]
    assert checkout_409["schema"] == {"$ref": "#/components/schemas/CheckoutConflict"}
    assert set(schemas["CheckoutConflict"]["properties"]) == {"code", "detail", "items", "limit", "breakdown"}
    assert set(checkout_409["examples"]) == {"InsufficientStock", "TooManyPendingOrders"}
    assert set(schemas["StockLine"]["properties"]) == {"product_id", "requested", "available"}
    category_409 = by_id["categories_destroy"]["responses"]["409"]["content"]["application/json"]
    assert category_409["schema"] == {"$ref": "#/components/schemas/CategoryNotEmpty"}
    assert by_id["checkout"]["parameters"][0]["name"] == "Idempotency-Key"


def test_path_ids_are_positive_integers_with_an_example(operations):
    ids = [
        parameter
        for path, _method, operation in operations
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] == "id"
    ]

    assert len(ids) == 48
    assert all(parameter["schema"] == {"type": "integer", "minimum": 1} for parameter in ids)
    assert all(parameter["example"] == 1 for parameter in ids)
