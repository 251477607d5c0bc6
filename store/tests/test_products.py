from decimal import Decimal

import pytest

from conftest import ROLES_WITHOUT_OWNER
from core.tests.concurrency import run_concurrently
from store.models import Product
from store.services.restock import restock_order_create
from store.tests.factories import CategoryFactory, ProductFactory

WRITE_STATUS = {"anonymous": 401, "customer": 403, "manager": None, "admin": None}


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def product_json(product: Product) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "description": product.description,
        "price": f"{product.price:.2f}",
        "discount_price": None if product.discount_price is None else f"{product.discount_price:.2f}",
        "final_price": f"{product.final_price:.2f}",
        "stock": product.stock,
        "in_stock": product.stock > 0,
        "is_active": product.is_active,
        "category": {"id": product.category.id, "name": product.category.name, "slug": product.category.slug},
        "rating_average": f"{product.rating_average:.2f}",
        "rating_count": product.rating_count,
        "attributes": [],
        "images": [],
        "created_at": iso(product.created_at),
        "updated_at": iso(product.updated_at),
    }


@pytest.fixture
def phones():
    return CategoryFactory(name="Phones", slug="phones")


@pytest.fixture
def phone(phones):
    return ProductFactory(
        category=phones,
        name="Blue Phone",
        slug="blue-phone",
        sku="PH-1",
        description="A phone.",
        price=Decimal("199.00"),
        discount_price=Decimal("149.50"),
        stock=3,
    )


def create_body(category, **overrides) -> dict:
    return {
        "name": "Red Phone",
        "sku": "PH-2",
        "description": "Bright red.",
        "price": "99.90",
        "stock": 5,
        "category_id": category.id,
        **overrides,
    }


def snapshot() -> list[tuple]:
    return list(
        Product.objects.order_by("id").values_list(
            "name", "slug", "sku", "price", "discount_price", "stock", "is_active", "category_id", "description"
        )
    )


# --- representation and visibility -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_anyone_reads_active_products(client_as, role, phone):
    client = client_as(role)

    listed = client.get("/api/products/")
    detail = client.get("/api/products/blue-phone/")

    phone.refresh_from_db()
    assert listed.status_code == detail.status_code == 200
    assert listed.json() == {"count": 1, "next": None, "previous": None, "results": [product_json(phone)]}
    assert detail.json() == product_json(phone)
    assert detail.json()["final_price"] == "149.50"
    assert detail.json()["price"] == "199.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "visible"), [("anonymous", False), ("customer", False), ("manager", True), ("admin", True)]
)
def test_inactive_products_are_visible_to_managers_and_admins_only(client_as, role, visible, phones):
    ProductFactory(category=phones, slug="hidden", is_active=False)
    client = client_as(role)

    listed = client.get("/api/products/").json()
    detail = client.get("/api/products/hidden/")

    assert listed["count"] == (1 if visible else 0)
    assert detail.status_code == (200 if visible else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["missing", "x" * 10_000, "%00", "bad.slug", "a%20b"])
def test_unknown_or_malformed_slugs_are_404(client_as, slug):
    assert client_as("manager").get(f"/api/products/{slug}/").status_code == 404


# --- role matrix for writes -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_create_products(client_as, role, phones):
    response = client_as(role).post("/api/products/", create_body(phones, discount_price="79.90"), format="json")

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert not Product.objects.exists()
        return
    assert response.status_code == 201
    product = Product.objects.get()
    assert (product.name, product.slug, product.sku, product.price, product.discount_price, product.stock) == (
        "Red Phone",
        "red-phone",
        "PH-2",
        Decimal("99.90"),
        Decimal("79.90"),
        5,
    )
    assert product.is_active
    assert response.json() == product_json(product)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_replace_products(client_as, role, phone):
    tablets = CategoryFactory(name="Tablets", slug="tablets")
    before = snapshot()
    body = create_body(
        tablets, name="Blue Tablet", sku="TB-1", price="300.00", stock=0, expected_stock=3, is_active=False
    )

    response = client_as(role).put("/api/products/blue-phone/", body, format="json")

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert snapshot() == before
        return
    assert response.status_code == 200
    phone.refresh_from_db()
    assert (phone.name, phone.slug, phone.sku, phone.price, phone.discount_price, phone.stock, phone.is_active) == (
        "Blue Tablet",
        "blue-phone",
        "TB-1",
        Decimal("300.00"),
        Decimal("149.50"),
        0,
        False,
    )
    assert phone.category == tablets
    assert response.json() == product_json(phone)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_patch_products(client_as, role, phone):
    before = snapshot()

    response = client_as(role).patch(
        "/api/products/blue-phone/", {"stock": 40, "expected_stock": 3, "discount_price": None}, format="json"
    )

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert snapshot() == before
        return
    assert response.status_code == 200
    phone.refresh_from_db()
    assert (phone.stock, phone.discount_price) == (40, None)
    assert response.json()["final_price"] == "199.00"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_delete_products(client_as, role, phone):
    response = client_as(role).delete("/api/products/blue-phone/")

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert Product.objects.filter(pk=phone.pk).exists()
        return
    assert response.status_code == 204
    assert not Product.objects.filter(pk=phone.pk).exists()


@pytest.mark.django_db
def test_managers_update_and_delete_inactive_products(client_as, phones):
    ProductFactory(category=phones, slug="hidden", is_active=False)
    client = client_as("manager")

    assert client.patch("/api/products/hidden/", {"is_active": True}, format="json").status_code == 200
    assert client_as("anonymous").get("/api/products/hidden/").status_code == 200
    assert client.delete("/api/products/hidden/").status_code == 204


@pytest.mark.django_db
def test_a_product_on_a_restock_order_is_not_deleted_but_can_be_deactivated(client_as, phone, manager):
    restock_order_create(actor=manager, supplier_name="Acme", lines=[{"product_id": phone.pk, "quantity": 5}])
    client = client_as("manager")

    response = client.delete("/api/products/blue-phone/")

    assert response.status_code == 409
    assert response.json()["code"] == "product_on_restock_order"
    assert Product.objects.filter(pk=phone.pk).exists()
    assert client.patch("/api/products/blue-phone/", {"is_active": False}, format="json").status_code == 200


# --- validation -------------------------------------------------------------------------------------------


BAD_CREATE_BODIES = [
    pytest.param({"name": None}, "name", id="missing-name"),
    pytest.param({"sku": None}, "sku", id="missing-sku"),
    pytest.param({"price": None}, "price", id="missing-price"),
    pytest.param({"category_id": None}, "category_id", id="missing-category"),
    pytest.param({"price": "0"}, "price", id="zero-price"),
    pytest.param({"price": "-1.00"}, "price", id="negative-price"),
    pytest.param({"price": "abc"}, "price", id="price-not-a-number"),
    pytest.param({"price": "1.999"}, "price", id="price-three-decimals"),
    pytest.param({"price": "123456789012.00"}, "price", id="price-too-many-digits"),
    pytest.param({"price": "1e400"}, "price", id="price-huge-exponent"),
    pytest.param({"price": "NaN"}, "price", id="price-nan"),
    pytest.param({"price": "Infinity"}, "price", id="price-infinity"),
    pytest.param({"price": ["1"]}, "price", id="price-a-list"),
    pytest.param({"discount_price": "99.90"}, "discount_price", id="discount-equal-to-price"),
    pytest.param({"discount_price": "120.00"}, "discount_price", id="discount-above-price"),
    pytest.param({"discount_price": "0"}, "discount_price", id="zero-discount"),
    pytest.param({"discount_price": "-5"}, "discount_price", id="negative-discount"),
    pytest.param({"stock": -1}, "stock", id="negative-stock"),
    pytest.param({"stock": 2**31}, "stock", id="stock-past-integer"),
    pytest.param({"stock": 10**30}, "stock", id="huge-stock"),
    pytest.param({"stock": "many"}, "stock", id="stock-not-a-number"),
    pytest.param({"stock": 1.5}, "stock", id="fractional-stock"),
    pytest.param({"category_id": 999_999}, "category_id", id="unknown-category"),
    pytest.param({"category_id": 10**30}, "category_id", id="huge-category-id"),
    pytest.param({"category_id": "abc"}, "category_id", id="category-id-not-a-number"),
    pytest.param({"category_id": {"id": 1}}, "category_id", id="category-id-an-object"),
    pytest.param({"name": "x" * 10_000}, "name", id="huge-name"),
    pytest.param({"sku": "x" * 10_000}, "sku", id="huge-sku"),
    pytest.param({"name": ""}, "name", id="blank-name"),
    pytest.param({"name": "nul\x00byte"}, "name", id="nul-byte-name"),
    pytest.param({"sku": "nul\x00byte"}, "sku", id="nul-byte-sku"),
    pytest.param({"description": "nul\x00byte"}, "description", id="nul-byte-description"),
    pytest.param({"sku": "PH-1"}, "sku", id="duplicate-sku"),
    pytest.param({"slug": "blue-phone"}, "slug", id="duplicate-slug"),
    pytest.param({"slug": "Not a slug!"}, "slug", id="bad-slug"),
    pytest.param({"slug": "s" * 10_000}, "slug", id="huge-slug"),
    pytest.param({"is_active": "maybe"}, "is_active", id="is-active-not-a-boolean"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), BAD_CREATE_BODIES)
def test_bad_product_input_is_a_400_and_creates_nothing(client_as, phone, overrides, field):
    body = {key: value for key, value in create_body(phone.category, **overrides).items() if value is not None}
    before = snapshot()

    response = client_as("manager").post("/api/products/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"price": "149.50"}, "price", id="price-down-to-the-discount"),
        pytest.param({"price": "100.00"}, "price", id="price-below-the-discount"),
        pytest.param({"discount_price": "199.00"}, "discount_price", id="discount-up-to-the-price"),
        pytest.param({"discount_price": "250.00"}, "discount_price", id="discount-above-the-price"),
        pytest.param({"stock": -3}, "stock", id="negative-stock"),
        pytest.param({"category_id": 999_999}, "category_id", id="unknown-category"),
        pytest.param({"sku": "PH-9"}, "sku", id="sku-of-another-product"),
        pytest.param({"slug": "other"}, "slug", id="slug-of-another-product"),
        pytest.param({"name": "x" * 10_000}, "name", id="huge-name"),
    ],
)
def test_bad_patches_are_400_and_change_nothing(client_as, phone, body, field):
    ProductFactory(category=phone.category, slug="other", sku="PH-9")
    before = snapshot()

    response = client_as("manager").patch("/api/products/blue-phone/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.django_db
def test_patching_both_prices_together_is_checked_against_each_other(client_as, phone):
    client = client_as("manager")

    lowered = client.patch("/api/products/blue-phone/", {"price": "100.00", "discount_price": "90.00"}, format="json")
    inverted = client.patch("/api/products/blue-phone/", {"price": "50.00", "discount_price": "60.00"}, format="json")

    assert lowered.status_code == 200
    assert (lowered.json()["price"], lowered.json()["final_price"]) == ("100.00", "90.00")
    assert inverted.status_code == 400
    phone.refresh_from_db()
    assert (phone.price, phone.discount_price) == (Decimal("100.00"), Decimal("90.00"))


@pytest.mark.django_db
def test_money_accepts_json_numbers_and_answers_strings_with_two_decimals(client_as, phones):
    response = client_as("manager").post("/api/products/", create_body(phones, price=12.5, stock=0), format="json")

    assert response.status_code == 201
    assert (response.json()["price"], response.json()["final_price"], response.json()["in_stock"]) == (
        "12.50",
        "12.50",
        False,
    )


@pytest.mark.django_db
def test_malformed_json_is_a_400(client_as, phones):
    response = client_as("manager").post("/api/products/", '{"name": "x", ', content_type="application/json")

    assert response.status_code == 400
    assert not Product.objects.exists()


# --- slugs ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_slug_is_stable_when_the_name_changes_and_changes_only_when_given(client_as, phone):
    client = client_as("manager")

    renamed = client.patch("/api/products/blue-phone/", {"name": "Navy Phone"}, format="json")
    moved = client.patch("/api/products/blue-phone/", {"slug": "navy-phone"}, format="json")

    assert renamed.json()["slug"] == "blue-phone"
    assert moved.json()["slug"] == "navy-phone"
    assert client.get("/api/products/navy-phone/").json()["name"] == "Navy Phone"
    assert client.get("/api/products/blue-phone/").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_creates_with_the_same_name_all_get_distinct_slugs(client_for, manager):
    category = CategoryFactory()
    threads_count = 6
    clients = [client_for(manager) for _ in range(threads_count)]

    responses = run_concurrently(
        *[
            lambda client=client, number=number: client.post(
                "/api/products/", create_body(category, sku=f"C-{number}"), format="json"
            )
            for number, client in enumerate(clients)
        ]
    )
    statuses = [response.status_code for response in responses]

    assert statuses == [201] * threads_count
    slugs = set(Product.objects.values_list("slug", flat=True))
    assert slugs == {"red-phone"} | {f"red-phone-{n}" for n in range(2, threads_count + 1)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_creates_with_the_same_sku_create_one_product_and_400_the_rest(client_for, manager):
    category = CategoryFactory()
    threads_count = 4
    clients = [client_for(manager) for _ in range(threads_count)]

    responses = run_concurrently(
        *[
            lambda client=client, number=number: client.post(
                "/api/products/", create_body(category, name=f"Phone {number}"), format="json"
            )
            for number, client in enumerate(clients)
        ]
    )
    statuses = [response.status_code for response in responses]

    assert sorted(statuses) == [201] + [400] * (threads_count - 1)
    assert Product.objects.filter(sku="PH-2").count() == 1
