"""Attributes, their values and products' attribute values: the role matrix, bad input, and the copies on the
product row staying equal to the attribute value rows."""

from decimal import Decimal

import pytest

from conftest import ROLES_WITHOUT_OWNER
from store.models import Attribute, AttributeValue, Product, ProductAttributeValue
from store.services.attributes import (
    attribute_create,
    attribute_delete,
    attribute_value_create,
    attribute_value_delete,
    product_attributes_set,
)
from store.tests.factories import CategoryFactory, ProductFactory

WRITE_STATUS = {"anonymous": 401, "customer": 403, "manager": None, "admin": None}


@pytest.fixture
def shoes():
    return CategoryFactory(name="Shoes", slug="shoes")


@pytest.fixture
def colour(shoes):
    attribute = attribute_create(name="Colour", categories=[shoes])
    for name in ("Red", "Blue"):
        attribute_value_create(attribute=attribute, value=name)
    return attribute


@pytest.fixture
def weight():
    return attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)


@pytest.fixture
def waterproof():
    return attribute_create(name="Waterproof", kind=Attribute.Kind.BOOLEAN)


@pytest.fixture
def boot(shoes):
    return ProductFactory(category=shoes, slug="boot")


def copies_of(product: Product) -> tuple[list[int], dict]:
    product.refresh_from_db()
    return product.attribute_value_ids, product.attribute_numbers


def rows_of(product: Product) -> list[tuple]:
    return list(
        ProductAttributeValue.objects.filter(product=product)
        .order_by("attribute_id")
        .values_list("attribute__slug", "value__slug", "number")
    )


def assert_copies_match_rows(product: Product) -> None:
    value_ids, numbers = copies_of(product)
    rows = ProductAttributeValue.objects.filter(product=product)
    assert value_ids == sorted(row.value_id for row in rows if row.value_id)
    assert {key: Decimal(str(number)) for key, number in numbers.items()} == {
        str(row.attribute_id): row.number for row in rows if row.number is not None
    }


# --- attributes: role matrix ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_anyone_lists_attributes_with_their_values(client_as, role, colour, shoes):
    response = client_as(role).get("/api/attributes/")

    assert response.status_code == 200
    [listed] = response.json()
    assert listed["slug"] == "colour"
    assert listed["kind"] == "choice"
    assert listed["category_ids"] == [shoes.pk]
    assert [value["slug"] for value in listed["values"]] == ["red", "blue"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_define_attributes(client_as, role, shoes):
    response = client_as(role).post(
        "/api/attributes/", {"name": "Waterproof", "kind": "boolean", "category_ids": [shoes.pk]}, format="json"
    )

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert not Attribute.objects.exists()
    else:
        assert response.status_code == 201, response.json()
        assert response.json()["slug"] == "waterproof"
        assert [value["slug"] for value in response.json()["values"]] == ["true", "false"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_change_and_delete_attributes(client_as, role, colour, boot):
    product_attributes_set(product=boot, values={"colour": "red"})
    client = client_as(role)

    renamed = client.patch("/api/attributes/colour/", {"name": "Color"}, format="json")
    deleted = client.delete("/api/attributes/colour/")

    if WRITE_STATUS[role]:
        assert renamed.status_code == deleted.status_code == WRITE_STATUS[role]
        assert Attribute.objects.get().name == "Colour"
        assert copies_of(boot)[0] == [colour.values.get(slug="red").pk]
    else:
        assert renamed.status_code == 200
        assert renamed.json()["name"] == "Color"
        assert deleted.status_code == 204
        assert not Attribute.objects.exists()
        assert copies_of(boot) == ([], {})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_add_change_and_delete_values(client_as, role, colour, boot):
    product_attributes_set(product=boot, values={"colour": "blue"})
    client = client_as(role)

    added = client.post("/api/attributes/colour/values/", {"value": "Forest Green"}, format="json")
    changed = client.patch("/api/attributes/colour/values/red/", {"value": "Crimson"}, format="json")
    deleted = client.delete("/api/attributes/colour/values/blue/")

    slugs = list(colour.values.values_list("slug", flat=True))
    if WRITE_STATUS[role]:
        assert added.status_code == changed.status_code == deleted.status_code == WRITE_STATUS[role]
        assert slugs == ["red", "blue"]
        assert rows_of(boot) == [("colour", "blue", None)]
    else:
        assert added.status_code == 201
        assert added.json()["slug"] == "forest-green"
        assert changed.status_code == 200
        assert changed.json()["value"] == "Crimson"
        assert deleted.status_code == 204
        assert slugs == ["red", "forest-green"]
        assert rows_of(boot) == []
        assert copies_of(boot) == ([], {})


@pytest.mark.django_db
def test_slugs_made_from_names_are_lower_case_letters_digits_and_hyphens(client_as, colour):
    client = client_as("manager")

    attribute = client.post("/api/attributes/", {"name": "Weight_kg"}, format="json")
    value = client.post("/api/attributes/colour/values/", {"value": "Sky_Blue"}, format="json")

    assert attribute.json()["slug"] == "weight-kg"
    assert value.json()["slug"] == "sky-blue"
    assert client.get("/api/attributes/weight-kg/").status_code == 200


# --- attributes: bad input --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Fit", "kind": "colourful"}, "kind"),
        ({"name": "Fit", "slug": "Has_Underscore"}, "slug"),
        ({"name": "Fit", "slug": "colour"}, "slug"),
        ({"name": "Fit", "category_ids": [10**12]}, "category_ids"),
        ({"name": "Fit", "category_ids": "shoes"}, "category_ids"),
        ({"name": "Fit", "position": -1}, "position"),
        ({"name": "Fit", "position": 10**20}, "position"),
    ],
    ids=["missing", "blank", "kind", "slug-shape", "slug-taken", "unknown-category", "categories-type", "neg", "huge"],
)
def test_bad_attribute_input_is_a_400_and_creates_nothing(client_as, colour, body, field):
    response = client_as("manager").post("/api/attributes/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert list(Attribute.objects.values_list("slug", flat=True)) == ["colour"]


@pytest.mark.django_db
def test_the_kind_of_an_attribute_cannot_change(client_as, colour):
    response = client_as("manager").patch("/api/attributes/colour/", {"kind": "number"}, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()
    assert Attribute.objects.get().kind == "choice"


@pytest.mark.django_db
def test_malformed_json_is_a_400(client_as, colour):
    response = client_as("manager").generic(
        "POST", "/api/attributes/colour/values/", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert colour.values.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "status", "key"),
    [
        ("/api/attributes/colour/values/", {"value": "Red"}, 400, "slug"),
        ("/api/attributes/colour/values/", {"value": "!!!"}, 400, "slug"),
        ("/api/attributes/colour/values/", {}, 400, "value"),
        ("/api/attributes/colour/values/", {"value": "Extra large", "slug": "XL"}, 400, "slug"),
        ("/api/attributes/colour/values/", {"value": "Extra large", "slug": "x_l"}, 400, "slug"),
        ("/api/attributes/weight/values/", {"value": "Heavy"}, 400, "code"),
        ("/api/attributes/waterproof/values/", {"value": "Maybe"}, 400, "code"),
        ("/api/attributes/nothing/values/", {"value": "Red"}, 404, "code"),
    ],
    ids=[
        "duplicate",
        "no-slug",
        "missing",
        "upper-case-slug",
        "underscore-slug",
        "number-attribute",
        "boolean-attribute",
        "unknown-attribute",
    ],
)
def test_bad_value_input_is_refused_and_adds_nothing(client_as, colour, weight, waterproof, path, body, status, key):
    before = AttributeValue.objects.count()

    response = client_as("manager").post(path, body, format="json")

    assert response.status_code == status
    assert key in response.json()
    assert AttributeValue.objects.count() == before


@pytest.mark.django_db
def test_the_values_of_a_boolean_attribute_cannot_be_deleted(client_as, waterproof):
    response = client_as("manager").delete("/api/attributes/waterproof/values/true/")

    assert response.status_code == 400
    assert response.json()["code"] == "attribute_values_fixed"
    assert waterproof.values.count() == 2


# --- product attribute values -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_set_product_attributes(client_as, role, colour, weight, waterproof, boot):
    body = {"attributes": {"colour": "red", "weight": "1.250", "waterproof": True}}

    response = client_as(role).put("/api/products/boot/attributes/", body, format="json")

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert rows_of(boot) == []
        assert copies_of(boot) == ([], {})
    else:
        assert response.status_code == 200, response.json()
        assert response.json()["attributes"] == [
            {"attribute": "colour", "name": "Colour", "kind": "choice", "value": "red", "label": "Red"},
            {"attribute": "weight", "name": "Weight", "kind": "number", "value": "1.25", "label": None},
            {"attribute": "waterproof", "name": "Waterproof", "kind": "boolean", "value": True, "label": "Yes"},
        ]
        assert_copies_match_rows(boot)


@pytest.mark.django_db
def test_setting_attributes_replaces_them(client_as, colour, weight, boot):
    product_attributes_set(product=boot, values={"colour": "red", "weight": 3})

    response = client_as("manager").put(
        "/api/products/boot/attributes/", {"attributes": {"colour": "blue"}}, format="json"
    )

    assert response.status_code == 200
    assert rows_of(boot) == [("colour", "blue", None)]
    assert_copies_match_rows(boot)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attributes",
    [
        {"colour": "purple"},
        {"nothing": "red"},
        {"colour": 3},
        {"colour": ["red"]},
        {"weight": "heavy"},
        {"weight": True},
        {"weight": "1e400"},
        {"weight": "NaN"},
        {"weight": 10**12},
        {"weight": "1.0001"},
        {"waterproof": "yes"},
        {"other": "x"},
        "colour=red",
        None,
    ],
    ids=[
        "unknown-value",
        "unknown-attribute",
        "number-for-choice",
        "list",
        "word-for-number",
        "bool-for-number",
        "huge-exponent",
        "nan",
        "huge",
        "too-precise",
        "text-for-boolean",
        "other-category",
        "not-an-object",
        "null",
    ],
)
def test_bad_product_attributes_are_a_400_and_change_nothing(client_as, colour, weight, waterproof, boot, attributes):
    shirts = CategoryFactory(name="Shirts", slug="shirts")
    attribute_create(name="Other", categories=[shirts])
    attribute_value_create(attribute=Attribute.objects.get(slug="other"), value="X")
    product_attributes_set(product=boot, values={"colour": "red", "weight": 2})
    before = (rows_of(boot), copies_of(boot))

    response = client_as("manager").put(
        "/api/products/boot/attributes/", {"colour": "blue", "attributes": attributes}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert "attributes" in response.json()
    assert (rows_of(boot), copies_of(boot)) == before


@pytest.mark.django_db
def test_setting_attributes_of_an_unknown_product_is_a_404(client_as, colour):
    response = client_as("manager").put("/api/products/nothing/attributes/", {"attributes": {}}, format="json")

    assert response.status_code == 404


@pytest.mark.django_db
def test_deleting_an_attribute_or_value_refreshes_every_product_copy(colour, weight, shoes):
    products = ProductFactory.create_batch(3, category=shoes)
    for number, product in enumerate(products):
        product_attributes_set(product=product, values={"colour": ["red", "blue"][number % 2], "weight": number})

    attribute_value_delete(attribute_value=colour.values.get(slug="red"))
    attribute_delete(attribute=weight)

    for product in products:
        assert_copies_match_rows(product)
    assert [copies_of(product)[0] for product in products] == [[], [colour.values.get().pk], []]


# --- filters: bad input -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/products/", "/api/products/facets/"])
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("attr_nothing=red", "unknown_attribute"),
        ("attr_nothing_min=1", "unknown_attribute"),
        ("attr_colour=purple", "invalid_attribute_filter"),
        ("attr_colour=", "invalid_attribute_filter"),
        ("attr_colour_min=1", "invalid_attribute_filter"),
        ("attr_weight=1", "invalid_attribute_filter"),
        ("attr_weight_min=heavy", "invalid_attribute_filter"),
        ("attr_weight_max=1e999", "invalid_attribute_filter"),
        ("attr_weight_max=NaN", "invalid_attribute_filter"),
        ("attr_weight_min=1&attr_weight_min=2", "invalid_attribute_filter"),
        ("attr_waterproof=maybe", "invalid_attribute_filter"),
    ],
)
def test_bad_attribute_filters_are_a_400_with_a_code(api_client, colour, weight, waterproof, path, query, code):
    response = api_client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["parameter"] == query.split("=")[0]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["category=abc", "min_price=-1", "in_stock=perhaps", "max_price=1e30"])
def test_bad_list_filters_are_a_400_on_the_facets_too(api_client, query):
    response = api_client.get(f"/api/products/facets/?{query}")

    assert response.status_code == 400


@pytest.mark.django_db
def test_attribute_filters_combine_with_the_other_filters(api_client, colour, weight, shoes):
    bags = CategoryFactory(name="Bags", slug="bags")
    red_boot = ProductFactory(category=shoes, slug="red-boot", price=Decimal("80.00"))
    ProductFactory(category=shoes, slug="blue-boot", price=Decimal("80.00"))
    ProductFactory(category=shoes, slug="cheap-red-boot", price=Decimal("5.00"))
    ProductFactory(category=bags, slug="red-bag", price=Decimal("80.00"))
    for product in Product.objects.all():
        product_attributes_set(
            product=product,
            values={"weight": 2, **({"colour": "red"} if "red" in product.slug and product.category == shoes else {})},
        )

    response = api_client.get("/api/products/?attr_colour=red&min_price=50&category_slug=shoes&attr_weight_max=2")

    assert [product["slug"] for product in response.json()["results"]] == [red_boot.slug]
