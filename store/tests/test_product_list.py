import math
from decimal import Decimal

import pytest
from django.db.models.functions import Coalesce
from django.utils import timezone

from store.filters import ProductFilter
from store.models import Attribute, Product, ProductAttributeValue
from store.selectors import catalog as selectors
from store.services.attributes import attribute_create, attribute_value_create, product_attribute_copies_refresh
from store.tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def catalog():
    """Five products in two categories with distinct prices, stock and names."""
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    books = CategoryFactory(name="Books", slug="books")
    products = {
        "phone": ProductFactory(
            category=electronics,
            name="Smart Phone",
            sku="EL-100",
            description="Pocket computer with a great camera.",
            price=Decimal("500.00"),
            discount_price=Decimal("450.00"),
            stock=5,
        ),
        "charger": ProductFactory(
            category=electronics,
            name="Fast Charger",
            sku="EL-200",
            description="Charges phones in minutes.",
            price=Decimal("25.00"),
            stock=0,
        ),
        "novel": ProductFactory(
            category=books,
            name="Mystery Novel",
            sku="BK-300",
            description="A detective story set on a train.",
            price=Decimal("15.00"),
            discount_price=Decimal("9.99"),
            stock=12,
        ),
        "atlas": ProductFactory(
            category=books,
            name="World Atlas",
            sku="BK-400",
            description="Maps of every country. 100% recycled paper.",
            price=Decimal("40.00"),
            stock=1,
        ),
        "hidden": ProductFactory(
            category=books,
            name="Withdrawn Phone Book",
            sku="BK-500",
            description="No longer sold.",
            price=Decimal("30.00"),
            stock=3,
            is_active=False,
        ),
    }
    return products


def names(client, query: str) -> list[str]:
    response = client.get(f"/api/products/{query}")
    assert response.status_code == 200, response.content
    return [product["name"] for product in response.json()["results"]]


# --- filters ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", ["World Atlas", "Mystery Novel", "Fast Charger", "Smart Phone"], id="newest-first"),
        pytest.param("?category={electronics}", ["Fast Charger", "Smart Phone"], id="category"),
        pytest.param("?category_slug=books", ["World Atlas", "Mystery Novel"], id="category-slug"),
        pytest.param("?category_slug=nope", [], id="unknown-category-slug"),
        pytest.param("?category=999999", [], id="unknown-category"),
        pytest.param("?min_price=25", ["World Atlas", "Fast Charger", "Smart Phone"], id="min-price"),
        pytest.param("?max_price=10", ["Mystery Novel"], id="max-price-on-discount"),
        pytest.param("?min_price=9.99&max_price=40", ["World Atlas", "Mystery Novel", "Fast Charger"], id="range"),
        pytest.param("?min_price=460", [], id="min-price-above-the-discount"),
        pytest.param("?min_price=450&max_price=450", ["Smart Phone"], id="exactly-the-discount"),
        pytest.param("?in_stock=true", ["World Atlas", "Mystery Novel", "Smart Phone"], id="in-stock"),
        pytest.param("?in_stock=false", ["Fast Charger"], id="out-of-stock"),
        pytest.param("?in_stock=1&category_slug=electronics", ["Smart Phone"], id="combined"),
    ],
)
def test_product_filters(client_as, catalog, query, expected):
    query = query.format(electronics=catalog["phone"].category_id)

    assert names(client_as("anonymous"), query) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "customer"])
@pytest.mark.parametrize("value", ["false", "true"])
def test_is_active_is_ignored_for_shoppers(client_as, catalog, role, value):
    assert "Withdrawn Phone Book" not in names(client_as(role), f"?is_active={value}")
    assert len(names(client_as(role), f"?is_active={value}")) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_filter_on_is_active(client_as, catalog, role):
    client = client_as(role)

    assert names(client, "?is_active=false") == ["Withdrawn Phone Book"]
    assert len(names(client, "?is_active=true")) == 4
    assert len(names(client, "")) == 5


# --- ordering ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        pytest.param("price", ["Mystery Novel", "Fast Charger", "World Atlas", "Smart Phone"], id="price"),
        pytest.param("-price", ["Smart Phone", "World Atlas", "Fast Charger", "Mystery Novel"], id="-price"),
        pytest.param("name", ["Fast Charger", "Mystery Novel", "Smart Phone", "World Atlas"], id="name"),
        pytest.param("-name", ["World Atlas", "Smart Phone", "Mystery Novel", "Fast Charger"], id="-name"),
        pytest.param("created_at", ["Smart Phone", "Fast Charger", "Mystery Novel", "World Atlas"], id="created"),
        pytest.param("-created_at", ["World Atlas", "Mystery Novel", "Fast Charger", "Smart Phone"], id="-created"),
        pytest.param("stock", ["Fast Charger", "World Atlas", "Smart Phone", "Mystery Novel"], id="stock"),
        pytest.param("-stock", ["Mystery Novel", "Smart Phone", "World Atlas", "Fast Charger"], id="-stock"),
    ],
)
def test_product_ordering(client_as, catalog, ordering, expected):
    assert names(client_as("anonymous"), f"?ordering={ordering}") == expected


@pytest.mark.django_db
def test_price_ordering_uses_the_final_price(client_as, catalog):
    # The phone costs 500 but sells at 450; the novel costs 15 but sells at 9.99, below the 25 charger.
    results = client_as("anonymous").get("/api/products/?ordering=price").json()["results"]

    assert [product["final_price"] for product in results] == ["9.99", "25.00", "40.00", "450.00"]


@pytest.mark.django_db
def test_pages_do_not_repeat_products_with_equal_sort_keys(client_as):
    category = CategoryFactory()
    ProductFactory.create_batch(7, category=category, price=Decimal("5.00"))
    client = client_as("anonymous")

    seen = [
        product["id"]
        for page in (1, 2, 3)
        for product in client.get(f"/api/products/?ordering=price&page_size=3&page={page}").json()["results"]
    ]

    assert len(seen) == len(set(seen)) == 7


# --- paging ----------------------------------------------------------------------------------------------
# A page's ids are chosen first (ORDER BY, LIMIT and OFFSET on the products alone), then sorted again with their
# cards: every order must end with a unique key for the two sorts and the pages to agree.

ORDERINGS = ProductFilter.base_filters["ordering"].orderings


@pytest.fixture
def ties(db) -> dict:
    """23 active products made in the same instant and alike in everything the list orders by but the id (two
    names, one price, three stock levels, no rating), an inactive one, and a product of another category."""
    lamps = CategoryFactory(name="Lighting", slug="lighting")
    for number in range(23):
        ProductFactory(
            category=lamps,
            name=f"Lamp {number % 2}",
            description="A desk lamp.",
            price=Decimal("5.00"),
            stock=number % 3,
        )
    ProductFactory(category=lamps, name="Lamp 0", description="A desk lamp.", is_active=False)
    ProductFactory(category=CategoryFactory(), name="Chair", description="A chair.")
    Product.objects.update(created_at=timezone.now())
    return {"lamps": lamps}


def pages_of(client, query: str, *, page_size: int) -> tuple[int, list[int]]:
    """The list's count and the ids of all its pages in turn; the page after the last is a 404."""
    first = client.get(f"/api/products/?page_size={page_size}{query}").json()
    pages = max(1, math.ceil(first["count"] / page_size))
    ids = [product["id"] for product in first["results"]]
    for page in range(2, pages + 1):
        body = client.get(f"/api/products/?page_size={page_size}&page={page}{query}").json()
        assert body["count"] == first["count"]
        ids += [product["id"] for product in body["results"]]
    assert client.get(f"/api/products/?page_size={page_size}&page={pages + 1}{query}").status_code == 404
    return first["count"], ids


def ordered_ids(*ordering: str, **filters) -> list[int]:
    products = Product.objects.filter(is_active=True, **filters).alias(
        final_price_amount=Coalesce("discount_price", "price")
    )
    return list(products.order_by(*ordering).values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="unfiltered"),
        pytest.param("&category={lamps}", id="category"),
        pytest.param("&search=lamp", id="search"),
    ],
)
def test_deep_pages_of_products_made_in_the_same_instant_slice_the_full_list(client_as, ties, query):
    """Same created_at (and, searched, the same rank): the id decides, newest first, on every page."""
    query = query.format(lamps=ties["lamps"].pk)
    expected = ordered_ids("-id", **({} if not query else {"category": ties["lamps"]}))

    count, ids = pages_of(client_as("anonymous"), query, page_size=4)

    assert count == len(expected)
    assert ids == expected


@pytest.mark.django_db
@pytest.mark.parametrize("search", [pytest.param("", id="all"), pytest.param("&search=lamp", id="searched")])
@pytest.mark.parametrize("ordering", list(ORDERINGS))
def test_every_ordering_pages_through_the_list_once(client_as, ties, ordering, search):
    filters = {"category": ties["lamps"]} if search else {}
    expected = ordered_ids(*ORDERINGS[ordering], **filters)

    count, ids = pages_of(client_as("anonymous"), f"&ordering={ordering}{search}", page_size=3)

    assert count == len(expected)
    assert ids == expected
    assert len(set(ids)) == len(ids)


@pytest.mark.django_db
def test_a_searched_and_filtered_page_counts_and_lists_its_rows(client_as, ties):
    lamps = ties["lamps"]
    ProductFactory.create_batch(3, category=lamps, name="Stool", description="A stool.")
    expected = ordered_ids("-id", category=lamps, stock__gt=0, name__startswith="Lamp")  # lamps rank alike

    body = client_as("anonymous").get(
        f"/api/products/?search=lamp&category={lamps.pk}&in_stock=true&page_size=4&page=3"
    )

    assert body.json()["count"] == len(expected) == 15
    assert [product["id"] for product in body.json()["results"]] == expected[8:12]


@pytest.mark.django_db
def test_a_number_attribute_filter_pages_by_its_own_products(client_as):
    """The number filter is raw SQL naming the products' table: the page's ids and the count must apply it to their
    own rows, not to the outer query's."""
    weight = attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)
    products = ProductFactory.create_batch(9, category=CategoryFactory())
    ProductAttributeValue.objects.bulk_create(
        ProductAttributeValue(product=product, attribute=weight, number=Decimal(number))
        for number, product in enumerate(products)
    )
    product_attribute_copies_refresh(product_ids=[product.pk for product in products])
    expected = [product.pk for product in reversed(products[4:])]

    count, ids = pages_of(client_as("anonymous"), "&attr_weight_min=4", page_size=2)

    assert count == 5
    assert ids == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "manager"])
def test_the_unfiltered_pages_equal_slices_of_the_ordered_catalog(ties, user_as, role):
    pages = selectors.CatalogPages(user=user_as(role))
    expected = list(Product.objects.filter(**({} if role == "manager" else {"is_active": True})).order_by("-id"))

    rows = [row for offset in range(0, len(expected), 5) for row in pages.rows(offset, 5)]

    assert [row[0] for row in rows] == [product.pk for product in expected]
    assert {row[-1] for row in rows} == {len(expected)}
    assert pages.rows(len(expected), 5) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="unfiltered"),
        pytest.param("&category={lamps}", id="category"),
        pytest.param("&search=lamp&min_price=1", id="searched-and-filtered"),
        pytest.param("&ordering=-rating", id="ordered"),
    ],
)
def test_a_deep_page_is_one_query(client_as, django_assert_max_num_queries, ties, query):
    client = client_as("anonymous")
    query = query.format(lamps=ties["lamps"].pk)
    client.get(f"/api/products/?page_size=2{query}")  # the first request of a process loads what later ones find cached

    with django_assert_max_num_queries(1):
        response = client.get(f"/api/products/?page_size=2&page=6{query}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


# --- search -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        pytest.param("phone", ["Smart Phone", "Fast Charger"], id="name-and-description"),
        pytest.param("phones", ["Smart Phone", "Fast Charger"], id="plural-finds-singular"),
        pytest.param("PHONE", ["Smart Phone", "Fast Charger"], id="any-case"),
        pytest.param("charging", ["Fast Charger"], id="word-form-of-the-description"),
        pytest.param("Electronics", ["Fast Charger", "Smart Phone"], id="category-name-equal-rank-newest-first"),
        pytest.param("electronic", ["Fast Charger", "Smart Phone"], id="category-name-word-form"),
        pytest.param("detective", ["Mystery Novel"], id="description"),
        pytest.param("BK-400", ["World Atlas"], id="sku"),
        pytest.param("book atlas", ["World Atlas"], id="all-words"),
        pytest.param("atlas or novel", ["World Atlas", "Mystery Novel"], id="or"),
        pytest.param('"mystery novel"', ["Mystery Novel"], id="phrase"),
        pytest.param("books -atlas", ["Mystery Novel"], id="exclusion"),
        pytest.param("spaceship", [], id="no-match"),
        pytest.param("the", [], id="only-stop-words"),
    ],
)
def test_search(client_as, catalog, search, expected):
    assert names(client_as("anonymous"), f"?search={search}") == expected


@pytest.mark.django_db
def test_search_ranks_name_matches_above_description_matches(client_as):
    category = CategoryFactory(name="Misc", slug="misc")
    ProductFactory(category=category, name="Cable", description="Works with any lamp.")
    ProductFactory(category=category, name="Desk Lamp", description="Warm light.")
    ProductFactory(category=category, name="Bulb", description="For a lamp, a lamp and another lamp.")

    ranked = names(client_as("anonymous"), "?search=lamp")

    assert ranked[0] == "Desk Lamp"
    assert sorted(ranked) == ["Bulb", "Cable", "Desk Lamp"]


@pytest.mark.django_db
def test_an_explicit_ordering_overrides_relevance(client_as, catalog):
    assert names(client_as("anonymous"), "?search=phone&ordering=price") == ["Fast Charger", "Smart Phone"]


@pytest.mark.django_db
def test_managers_search_inactive_products_too(client_as, catalog):
    assert names(client_as("manager"), "?search=phone&is_active=false") == ["Withdrawn Phone Book"]
    assert "Withdrawn Phone Book" not in names(client_as("customer"), "?search=phone")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "search",
    [
        pytest.param("%", id="percent"),
        pytest.param("_", id="underscore"),
        pytest.param("100%", id="percent-after-a-number"),
        pytest.param("'", id="single-quote"),
        pytest.param('"', id="lone-double-quote"),
        pytest.param("a & b | !c", id="tsquery-operators"),
        pytest.param("(phone", id="open-parenthesis"),
        pytest.param("phone:*", id="prefix-operator"),
        pytest.param("--", id="dashes"),
        pytest.param("or", id="bare-or"),
        pytest.param("\\", id="backslash"),
        pytest.param("<->", id="followed-by"),
    ],
)
def test_search_tolerates_special_characters(client_as, catalog, search):
    response = client_as("anonymous").get("/api/products/", {"search": search})

    assert response.status_code == 200
    assert response.json()["count"] <= 4


@pytest.mark.django_db
def test_percent_in_search_matches_literally_not_as_a_wildcard(client_as, catalog):
    assert names(client_as("anonymous"), "?search=100%25") == ["World Atlas"]


@pytest.mark.django_db
def test_search_follows_product_and_category_changes(client_as, catalog):
    client = client_as("manager")

    client.patch("/api/products/{}/".format(catalog["novel"].slug), {"name": "Thriller Paperback"}, format="json")
    client.patch(f"/api/categories/{catalog['phone'].category_id}/", {"name": "Gadgets"}, format="json")

    assert names(client, "?search=thriller") == ["Thriller Paperback"]
    assert names(client, "?search=mystery") == []
    assert names(client, "?search=gadget") == ["Fast Charger", "Smart Phone"]
    assert names(client, "?search=electronics") == []


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("?category=abc", "category", id="category-not-a-number"),
        pytest.param("?category=1.5", "category", id="category-fractional"),
        pytest.param("?category=-1", "category", id="category-negative"),
        pytest.param("?category=99999999999999999999999", "category", id="category-huge"),
        pytest.param("?category=1%00", "category", id="category-nul-byte"),
        pytest.param("?category_slug=" + "x" * 10_000, "category_slug", id="category-slug-huge"),
        pytest.param("?category_slug=a%00b", "category_slug", id="category-slug-nul-byte"),
        pytest.param("?min_price=abc", "min_price", id="min-price-not-a-number"),
        pytest.param("?min_price=-5", "min_price", id="min-price-negative"),
        pytest.param("?max_price=1e400", "max_price", id="max-price-huge-exponent"),
        pytest.param("?max_price=99999999999999999999", "max_price", id="max-price-too-many-digits"),
        pytest.param("?max_price=NaN", "max_price", id="max-price-nan"),
        pytest.param("?max_price=Infinity", "max_price", id="max-price-infinity"),
        pytest.param("?min_price=1.001", "min_price", id="min-price-three-decimals"),
        pytest.param("?in_stock=maybe", "in_stock", id="in-stock-maybe"),
        pytest.param("?in_stock=%00", "in_stock", id="in-stock-nul-byte"),
        pytest.param("?is_active=perhaps", "is_active", id="is-active-perhaps"),
        pytest.param("?ordering=price;drop", "ordering", id="ordering-unknown"),
        pytest.param("?ordering=search_vector", "ordering", id="ordering-on-a-hidden-field"),
        pytest.param("?ordering=price,name", "ordering", id="ordering-list"),
        pytest.param("?search=phone%00", "search", id="search-nul-byte"),
        pytest.param("?search=" + "x" * 10_000, "search", id="search-10000-chars"),
        pytest.param("?search=" + "phone " * 2_000, "search", id="search-many-words"),
    ],
)
def test_bad_filter_values_are_400(client_as, catalog, query, field):
    response = client_as("anonymous").get(f"/api/products/{query}")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [
        pytest.param("?page=999", 404, id="page-past-the-end"),
        pytest.param("?page=abc", 404, id="page-not-a-number"),
        pytest.param("?page=99999999999999999999999", 404, id="page-huge"),
        pytest.param("?page_size=abc", 200, id="page-size-not-a-number"),
        pytest.param("?page_size=99999999999999999999999", 200, id="page-size-huge"),
        pytest.param("?unknown=1", 200, id="unknown-parameter"),
    ],
)
def test_bad_paging_never_fails(client_as, catalog, query, status):
    assert client_as("anonymous").get(f"/api/products/{query}").status_code == status


@pytest.mark.django_db
def test_page_size_is_capped_at_100(client_as):
    ProductFactory.create_batch(101, category=CategoryFactory())

    response = client_as("anonymous").get("/api/products/?page_size=1000")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


# --- query budget -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 100])
@pytest.mark.parametrize("role", ["anonymous", "manager"])
@pytest.mark.parametrize(
    "query",
    ["", "&search=product", "&ordering=-price&min_price=1&in_stock=true", "&attr_colour=red,blue&attr_weight_min=1"],
)
def test_product_list_costs_the_same_queries_for_1_and_100_products(
    client_as, django_assert_max_num_queries, count, role, query
):
    categories = CategoryFactory.create_batch(4)
    colour = attribute_create(name="Colour")
    values = [attribute_value_create(attribute=colour, value=name) for name in ("Red", "Blue")]
    weight = attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)
    products = [ProductFactory(category=categories[number % 4]) for number in range(count)]
    ProductAttributeValue.objects.bulk_create(
        row
        for number, product in enumerate(products)
        for row in (
            ProductAttributeValue(product=product, attribute=colour, value=values[number % 2]),
            ProductAttributeValue(product=product, attribute=weight, number=Decimal(number + 1)),
        )
    )
    product_attribute_copies_refresh(product_ids=[product.pk for product in products])
    client = client_as(role)

    # The page with its images and attribute values and the count, in one query; attribute filters read their
    # attributes and those attributes' values.
    with django_assert_max_num_queries(1 + 2 * ("attr_" in query)):
        response = client.get(f"/api/products/?page_size=100{query}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    assert all(len(product["attributes"]) == 2 for product in response.json()["results"])


@pytest.mark.django_db
def test_product_detail_is_one_query(client_as, django_assert_max_num_queries, catalog):
    client = client_as("anonymous")

    # The product with its attribute values and its images.
    with django_assert_max_num_queries(1):
        response = client.get("/api/products/{}/".format(catalog["phone"].slug))

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_list_that_matches_nothing_by_its_terms_is_an_empty_page():
    ProductFactory()

    assert selectors.CardPages(Product.objects.none()).rows(0, 20) == []
