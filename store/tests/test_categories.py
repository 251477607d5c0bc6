import pytest

from conftest import ROLES_WITHOUT_OWNER
from store.models import Category, Product
from store.tests.factories import CategoryFactory, ProductFactory

WRITE_STATUS = {"anonymous": 401, "customer": 403, "manager": None, "admin": None}


def category_json(category: Category, product_count: int = 0) -> dict:
    return {
        "id": category.id,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "product_count": product_count,
        "created_at": category.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": category.updated_at.isoformat().replace("+00:00", "Z"),
    }


# --- role matrix ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_anyone_lists_categories(client_as, role):
    books = CategoryFactory(name="Books", slug="books", description="Paper")
    ProductFactory.create_batch(2, category=books)

    response = client_as(role).get("/api/categories/")

    assert response.status_code == 200
    books.refresh_from_db()
    assert response.json() == {"count": 1, "next": None, "previous": None, "results": [category_json(books, 2)]}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_anyone_retrieves_a_category(client_as, role):
    books = CategoryFactory(name="Books", slug="books")

    response = client_as(role).get(f"/api/categories/{books.id}/")

    assert response.status_code == 200
    assert response.json() == category_json(books)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_create_categories(client_as, role):
    response = client_as(role).post("/api/categories/", {"name": "Garden Tools", "description": "Rakes"}, format="json")

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert not Category.objects.exists()
        return
    assert response.status_code == 201
    category = Category.objects.get()
    assert (category.name, category.slug, category.description) == ("Garden Tools", "garden-tools", "Rakes")
    assert response.json() == category_json(category)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_only_managers_and_admins_update_categories(client_as, role, method):
    books = CategoryFactory(name="Books", slug="books", description="Paper")
    ProductFactory(category=books)

    response = getattr(client_as(role), method)(
        f"/api/categories/{books.id}/", {"name": "Novels", "description": "Stories"}, format="json"
    )

    books.refresh_from_db()
    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert (books.name, books.description) == ("Books", "Paper")
        return
    assert response.status_code == 200
    assert (books.name, books.slug, books.description) == ("Novels", "books", "Stories")
    assert response.json() == category_json(books, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_OWNER)
def test_only_managers_and_admins_delete_empty_categories(client_as, role):
    books = CategoryFactory()

    response = client_as(role).delete(f"/api/categories/{books.id}/")

    if WRITE_STATUS[role]:
        assert response.status_code == WRITE_STATUS[role]
        assert Category.objects.filter(pk=books.pk).exists()
        return
    assert response.status_code == 204
    assert not Category.objects.filter(pk=books.pk).exists()


# --- rules ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_deleting_a_category_with_products_is_a_conflict_and_deletes_nothing(client_as, role):
    books = CategoryFactory()
    ProductFactory.create_batch(2, category=books)
    ProductFactory(category=books, is_active=False)

    response = client_as(role).delete(f"/api/categories/{books.id}/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This category still has products; move or delete them first.",
        "code": "category_not_empty",
        "product_count": 3,
    }
    assert Category.objects.filter(pk=books.pk).exists()
    assert Product.objects.filter(category=books).count() == 3


@pytest.mark.django_db
def test_product_count_counts_active_products_for_shoppers_and_all_for_managers(client_as):
    books = CategoryFactory()
    ProductFactory.create_batch(2, category=books)
    ProductFactory(category=books, is_active=False)

    shopper = client_as("customer").get(f"/api/categories/{books.id}/").json()
    manager = client_as("manager").get(f"/api/categories/{books.id}/").json()

    assert (shopper["product_count"], manager["product_count"]) == (2, 3)


@pytest.mark.django_db
def test_a_category_slug_changes_only_when_given(client_as):
    books = CategoryFactory(name="Books", slug="books")

    response = client_as("manager").patch(f"/api/categories/{books.id}/", {"slug": "reading"}, format="json")

    assert response.status_code == 200
    books.refresh_from_db()
    assert books.slug == "reading"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "name", id="missing-name"),
        pytest.param({"name": ""}, "name", id="blank-name"),
        pytest.param({"name": "Books"}, "name", id="duplicate-name"),
        pytest.param({"name": "BOOKS"}, "name", id="duplicate-name-other-case"),
        pytest.param({"name": "x" * 10_000}, "name", id="huge-name"),
        pytest.param({"name": "nul\x00byte"}, "name", id="nul-byte-name"),
        pytest.param({"name": "Toys", "description": "nul\x00byte"}, "description", id="nul-byte-description"),
        pytest.param({"name": ["Toys"]}, "name", id="name-a-list"),
        pytest.param({"name": "Toys", "slug": "books"}, "slug", id="duplicate-slug"),
        pytest.param({"name": "Toys", "slug": "not a slug!"}, "slug", id="bad-slug"),
        pytest.param({"name": "Toys", "slug": "s" * 10_000}, "slug", id="huge-slug"),
    ],
)
def test_bad_category_input_is_a_400_and_creates_nothing(client_as, body, field):
    CategoryFactory(name="Books", slug="books")

    response = client_as("manager").post("/api/categories/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert list(Category.objects.values_list("name", flat=True)) == ["Books"]


@pytest.mark.django_db
def test_malformed_json_is_a_400(client_as):
    response = client_as("manager").post("/api/categories/", '{"name": ', content_type="application/json")

    assert response.status_code == 400
    assert not Category.objects.exists()


@pytest.mark.django_db
def test_renaming_to_an_existing_name_is_a_400_and_changes_nothing(client_as):
    CategoryFactory(name="Books", slug="books")
    toys = CategoryFactory(name="Toys", slug="toys")

    response = client_as("manager").patch(f"/api/categories/{toys.id}/", {"name": "books"}, format="json")

    assert response.status_code == 400
    toys.refresh_from_db()
    assert toys.name == "Toys"


@pytest.mark.django_db
@pytest.mark.parametrize("category_id", ["999999", "99999999999999999999999999", "abc", "%00"])
def test_unknown_or_malformed_category_ids_are_404(client_as, category_id):
    assert client_as("manager").get(f"/api/categories/{category_id}/").status_code == 404


# --- filters and query budget -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_category_search_and_ordering(client_as):
    CategoryFactory(name="Books", slug="books", description="Paper and ink")
    CategoryFactory(name="Toys", slug="toys", description="Games and puzzles")
    CategoryFactory(name="Board Games", slug="board-games", description="Tables")
    client = client_as("anonymous")

    def names(query: str) -> list[str]:
        response = client.get(f"/api/categories/{query}")
        assert response.status_code == 200
        return [category["name"] for category in response.json()["results"]]

    assert names("") == ["Board Games", "Books", "Toys"]
    assert names("?search=games") == ["Board Games", "Toys"]
    assert names("?search=games&ordering=-name") == ["Toys", "Board Games"]
    assert names("?ordering=created_at") == ["Books", "Toys", "Board Games"]
    assert names("?ordering=-created_at") == ["Board Games", "Toys", "Books"]
    assert names("?search=%25") == []
    assert names("?search=_") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("?ordering=price", id="unknown-ordering"),
        pytest.param("?search=nul%00byte", id="nul-byte"),
        pytest.param("?search=" + "x" * 10_000, id="huge-search"),
        pytest.param("?page=999", id="page-out-of-range"),
        pytest.param("?page_size=abc&page=abc", id="bad-page"),
    ],
)
def test_bad_category_list_queries_are_4xx(client_as, query):
    CategoryFactory()

    response = client_as("anonymous").get(f"/api/categories/{query}")

    assert response.status_code in (400, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_category_list_costs_a_constant_number_of_queries(client_as, django_assert_max_num_queries, count):
    for category in CategoryFactory.create_batch(count):
        ProductFactory.create_batch(2, category=category)
    client = client_as("anonymous")

    with django_assert_max_num_queries(2):
        response = client.get("/api/categories/?page_size=100")

    assert len(response.json()["results"]) == count
    assert {category["product_count"] for category in response.json()["results"]} == {2}
