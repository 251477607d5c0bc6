"""Facet counts against a brute force over the same filters, on a seeded random catalog, from the in-memory copy
of the catalog and from SQL, and right after committed and rolled back writes."""

import math
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.tests.concurrency import start_blocked_by_this_session
from store.models import Attribute, Product
from store.selectors import facet_snapshot
from store.selectors.attributes import PRICE_BAND_BOUNDS
from store.services.attributes import attribute_create, attribute_value_create, product_attributes_set
from store.tests.factories import CategoryFactory, ProductFactory

SEED = 16
COMBINATIONS = 150


@pytest.fixture(autouse=True)
def no_copy_in_memory(monkeypatch):
    """Each test starts without a copy of the catalog in memory, as a fresh server process does."""
    monkeypatch.setattr(facet_snapshot, "_current", None)
    monkeypatch.setattr(facet_snapshot, "_loaded_at", -math.inf)


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    """These tests write with queryset updates, as bulk writers do, to reach the database's own bookkeeping;
    those bypass the response cache's version bump by design (store/catalog_cache.py has the covered paths
    and its own tests). Here every request computes its facets."""
    settings.CATALOG_CACHE_ENABLED = False


@pytest.fixture(params=["in memory", "sql"])
def facets_source(request, settings):
    """Both ways facets under filters are counted: the in-memory copy (read again on every change) and SQL."""
    settings.FACETS_IN_MEMORY = request.param == "in memory"
    settings.FACETS_RELOAD_SECONDS = 0
    return request.param


def _facet_revision() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM store_facetrevision")
        return cursor.fetchone()[0]


def _copy_version() -> int | None:
    return None if facet_snapshot._current is None else facet_snapshot._current.version


@pytest.fixture
def catalog():
    """Three categories; colour (two of them), size (one), waterproof (all) and weight (all); 80 products with
    random prices, stock, activity and attributes (some missing)."""
    rng = random.Random(SEED)
    categories = [CategoryFactory(name=name, slug=name.lower()) for name in ("Shoes", "Bags", "Books")]
    colour = attribute_create(name="Colour", categories=categories[:2])
    for name in ("Red", "Blue", "Green", "Black"):
        attribute_value_create(attribute=colour, value=name)
    size = attribute_create(name="Size", categories=categories[:1])
    for name in ("S", "M", "L"):
        attribute_value_create(attribute=size, value=name)
    attribute_create(name="Waterproof", kind=Attribute.Kind.BOOLEAN)
    attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)
    for number in range(80):
        category = rng.choice(categories)
        price = Decimal(rng.choice([5, 24, 25, 49, 60, 120, 300, 999, 1500]))
        product = ProductFactory(
            category=category,
            price=price,
            discount_price=price - 1 if rng.random() < 0.2 and price > 5 else None,
            stock=rng.choice([0, 3]),
            is_active=rng.random() < 0.85,
            name=f"Item {number}",
        )
        values = {}
        if category != categories[2] and rng.random() < 0.8:
            values["colour"] = rng.choice(["red", "blue", "green", "black"])
        if category == categories[0] and rng.random() < 0.8:
            values["size"] = rng.choice(["s", "m", "l"])
        if rng.random() < 0.7:
            values["waterproof"] = rng.random() < 0.5
        if rng.random() < 0.7:
            values["weight"] = str(Decimal(rng.randint(1, 40)) / 4)
        product_attributes_set(product=product, values=values)
    return categories


def _random_filters(rng: random.Random, categories) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    if rng.random() < 0.3:
        params["category"] = [str(rng.choice(categories).pk)]
    if rng.random() < 0.3:
        params["min_price"] = [str(rng.choice([0, 20, 25, 50, 100]))]
    if rng.random() < 0.3:
        params["max_price"] = [str(rng.choice([24, 48, 100, 500, 2000]))]
    if rng.random() < 0.2:
        params["in_stock"] = [rng.choice(["true", "false"])]
    if rng.random() < 0.5:
        chosen = rng.sample(["red", "blue", "green", "black"], rng.randint(1, 3))
        params["attr_colour"] = [",".join(chosen)] if rng.random() < 0.5 else chosen
    if rng.random() < 0.3:
        params["attr_size"] = rng.sample(["s", "m", "l"], rng.randint(1, 2))
    if rng.random() < 0.3:
        params["attr_waterproof"] = [rng.choice(["true", "false", "true,false"])]
    if rng.random() < 0.2:
        params["attr_weight_min"] = [str(rng.randint(0, 6))]
    if rng.random() < 0.2:
        params["attr_weight_max"] = [str(rng.randint(3, 10))]
    return params


def _brute_force(products: list[Product], params: dict[str, list[str]], categories) -> dict:
    """The facets computed in Python: for each facet, the active products matching every filter but its own."""

    def values_of(name):
        return {value for raw in params.get(name, []) for value in raw.split(",")}

    def attribute_of(product, slug):
        for row in product.attribute_values.all():
            if row.attribute.slug == slug:
                return row.number if row.number is not None else row.value.slug
        return None

    def passes(product, skip: str | None) -> bool:
        if "category" in params and skip != "category" and product.category_id != int(params["category"][0]):
            return False
        if skip != "price":
            if "min_price" in params and product.final_price < Decimal(params["min_price"][0]):
                return False
            if "max_price" in params and product.final_price > Decimal(params["max_price"][0]):
                return False
        if "in_stock" in params and (product.stock > 0) != (params["in_stock"][0] == "true"):
            return False
        for slug in ("colour", "size", "waterproof"):
            if (
                f"attr_{slug}" in params
                and skip != slug
                and attribute_of(product, slug) not in values_of(f"attr_{slug}")
            ):
                return False
        if skip != "weight" and ("attr_weight_min" in params or "attr_weight_max" in params):
            weight = attribute_of(product, "weight")
            if weight is None:
                return False
            if "attr_weight_min" in params and weight < Decimal(params["attr_weight_min"][0]):
                return False
            if "attr_weight_max" in params and weight > Decimal(params["attr_weight_max"][0]):
                return False
        return True

    active = [product for product in products if product.is_active]
    expected = {
        "count": sum(passes(product, None) for product in active),
        "categories": {
            category.slug: sum(passes(p, "category") and p.category_id == category.pk for p in active)
            for category in categories
        },
        "price_bands": [],
        "attributes": {},
    }
    bounds = [*PRICE_BAND_BOUNDS, None]
    for low, high in zip(bounds, bounds[1:], strict=False):
        expected["price_bands"].append(
            sum(passes(p, "price") and p.final_price >= low and (high is None or p.final_price < high) for p in active)
        )
    shown = ["colour", "size", "waterproof", "weight"]
    if "category" in params:
        category = next(c for c in categories if c.pk == int(params["category"][0]))
        shown = {"shoes": shown, "bags": ["colour", "waterproof", "weight"], "books": ["waterproof", "weight"]}[
            category.slug
        ]
    for slug in shown:
        matching = [attribute_of(p, slug) for p in active if passes(p, slug)]
        if slug == "weight":
            numbers = [number for number in matching if number is not None]
            expected["attributes"][slug] = (
                min(numbers) if numbers else None,
                max(numbers) if numbers else None,
                len(numbers),
            )
        else:
            expected["attributes"][slug] = {value: matching.count(value) for value in set(matching) - {None}}
    return expected


def _actual(body: dict) -> dict:
    attributes = {}
    for facet in body["attributes"]:
        if facet["kind"] == "number":
            low, high = (None if facet[key] is None else Decimal(facet[key]) for key in ("min", "max"))
            attributes[facet["slug"]] = (low, high, facet["count"])
        else:
            attributes[facet["slug"]] = {value["slug"]: value["count"] for value in facet["values"] if value["count"]}
    return {
        "count": body["count"],
        "categories": {category["slug"]: category["count"] for category in body["categories"]},
        "price_bands": [band["count"] for band in body["price_bands"]],
        "attributes": attributes,
    }


def _products() -> list[Product]:
    return list(
        Product.objects.prefetch_related("attribute_values__attribute", "attribute_values__value").order_by("id")
    )


def _assert_facets_exact(api_client, params: dict, categories) -> None:
    response = api_client.get("/api/products/facets/", params)

    assert response.status_code == 200, (params, response.json())
    assert _actual(response.json()) == _brute_force(_products(), params, categories), params


@pytest.mark.slow
@pytest.mark.django_db
def test_facet_counts_equal_a_brute_force_count_under_random_filters(catalog, api_client, facets_source):
    rng = random.Random(SEED)
    products = _products()
    for _ in range(COMBINATIONS):
        params = _random_filters(rng, catalog)

        response = api_client.get("/api/products/facets/", params)

        assert response.status_code == 200, (params, response.json())
        assert _actual(response.json()) == _brute_force(products, params, catalog), params
    assert _copy_version() == (_facet_revision() if facets_source == "in memory" else None)


@pytest.mark.django_db
def test_in_stock_facets_from_the_copy_follow_stock_changes(catalog, api_client, settings):
    """Stock is not in the copy and leaves its version: the in-stock ids are read with the version instead."""
    settings.FACETS_RELOAD_SECONDS = 0
    params = {"in_stock": ["true"], "attr_colour": ["red,blue"], "min_price": ["20"]}
    _assert_facets_exact(api_client, params, catalog)
    read = _copy_version()
    sold_out = list(Product.objects.filter(is_active=True, stock__gt=0).order_by("id").values_list("pk", flat=True)[:6])

    Product.objects.filter(pk__in=sold_out).update(stock=0)

    _assert_facets_exact(api_client, params, catalog)
    _assert_facets_exact(api_client, {**params, "in_stock": ["false"]}, catalog)
    assert _copy_version() == read == _facet_revision()


@pytest.mark.django_db
def test_searched_facets_from_the_copy_equal_the_sql_ones(catalog, api_client, settings):
    """Search (which the brute force does not model) narrows the copy by the ids it leaves, as it narrows SQL."""
    settings.FACETS_RELOAD_SECONDS = 0
    searches = [
        {"search": ["item"], "attr_colour": ["red,blue"]},
        {"search": ["item 1"], "in_stock": ["true"], "min_price": ["25"], "attr_weight_min": ["2"]},
        {"search": ["nothing-matches"], "attr_size": ["s"], "category": [str(catalog[0].pk)]},
    ]
    for params in searches:
        settings.FACETS_IN_MEMORY = False
        in_sql = api_client.get("/api/products/facets/", params)
        settings.FACETS_IN_MEMORY = True
        in_memory = api_client.get("/api/products/facets/", params)

        assert in_sql.status_code == in_memory.status_code == 200, params
        assert in_memory.json() == in_sql.json(), params
        assert _copy_version() == _facet_revision()
    assert in_sql.json()["count"] == 0


# Filter sets the in-memory copy answers (no search, no stock filter), each facet kind filtered.
CHANGE_PROBES = (
    {"attr_colour": ["red,blue"]},
    {"attr_colour": ["red"], "attr_size": ["s", "m"], "min_price": ["25"]},
    {"category": None, "attr_waterproof": ["true"], "max_price": ["500"]},
    {"attr_weight_min": ["2"], "attr_weight_max": ["7.5"], "attr_colour": ["green,black"]},
)


def _probe_all(api_client, categories) -> None:
    for probe in CHANGE_PROBES:
        params = {**probe, "category": [str(categories[0].pk)]} if "category" in probe else probe
        _assert_facets_exact(api_client, params, categories)


@pytest.mark.django_db(transaction=True)
def test_in_memory_facets_follow_every_committed_catalog_write(catalog, api_client, settings):
    settings.FACETS_RELOAD_SECONDS = 0
    _probe_all(api_client, catalog)
    products = list(Product.objects.filter(is_active=True, category=catalog[0]).order_by("id"))
    writes = [
        lambda: Product.objects.filter(pk=products[0].pk).update(price=Decimal("260.00")),
        lambda: Product.objects.filter(pk=products[1].pk).update(discount_price=Decimal("1.00")),
        lambda: Product.objects.filter(pk=products[2].pk).update(is_active=False),
        lambda: Product.objects.filter(pk=products[3].pk).update(category=catalog[2]),
        lambda: product_attributes_set(product=products[4], values={"colour": "red", "weight": "9.125"}),
        lambda: Product.objects.filter(pk=products[5].pk).delete(),
        lambda: product_attributes_set(
            product=ProductFactory(category=catalog[0], price=Decimal("30")), values={"colour": "blue", "size": "s"}
        ),
    ]
    for write in writes:
        version = _facet_revision()

        write()

        assert _facet_revision() != version
        _probe_all(api_client, catalog)
        assert _copy_version() == _facet_revision()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_leaves_no_copy_that_passes_for_current(catalog, api_client, settings):
    """The copy read inside the transaction saw its write; the version it was read with is never current again."""
    settings.FACETS_RELOAD_SECONDS = 0
    params = {"attr_colour": ["red"]}
    product = Product.objects.filter(is_active=True, category=catalog[0]).order_by("id").first()
    with pytest.raises(RuntimeError), transaction.atomic():
        product_attributes_set(product=product, values={"colour": "red", "size": "m"})
        Product.objects.filter(pk=product.pk).update(price=Decimal("7.00"))
        _assert_facets_exact(api_client, params, catalog)
        seen_inside = _copy_version()
        raise RuntimeError("roll back")

    _assert_facets_exact(api_client, params, catalog)
    assert _copy_version() == _facet_revision() != seen_inside


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_catalog_writes_crossing_categories_in_opposite_orders_both_commit(catalog, api_client, settings):
    """Each writer takes the version row before any kept counter (the version triggers fire first), so two
    transactions repricing into the same price band of two categories, in opposite orders, queue rather than
    deadlock; the facets then count both."""
    settings.FACETS_RELOAD_SECONDS = 0
    # Priced above the band they move to: each write changes two counters of its category.
    shoes, bags = (
        [*Product.objects.filter(category=category, is_active=True, price__gte=100).order_by("id")[:2]]
        for category in catalog[:2]
    )
    errors = []

    def reprice(product: Product) -> None:
        Product.objects.filter(pk=product.pk).update(price=Decimal("30.00"), discount_price=None)

    def other_writer() -> None:
        try:
            with transaction.atomic():
                reprice(bags[1])
                reprice(shoes[1])
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    with transaction.atomic():
        reprice(shoes[0])
        other = start_blocked_by_this_session(other_writer, "the other writer")
        reprice(bags[0])
    other.join()

    assert errors == []
    repriced = [product.pk for product in (*shoes, *bags)]
    assert Product.objects.filter(pk__in=repriced, price=Decimal("30.00")).count() == 4
    _probe_all(api_client, catalog)


@pytest.mark.django_db
def test_stock_and_rating_updates_leave_the_facet_revision(catalog):
    product = Product.objects.order_by("id").first()
    version = _facet_revision()

    Product.objects.filter(pk=product.pk).update(stock=99, rating_average=Decimal("4.5"), rating_count=2)

    assert _facet_revision() == version
    Product.objects.filter(pk=product.pk).update(price=product.price + 1)
    assert _facet_revision() != version


@pytest.mark.django_db
def test_a_stale_copy_read_again_too_soon_gives_way_to_sql(catalog, api_client, settings):
    """Within `FACETS_RELOAD_SECONDS` of the last read, a changed catalog is counted in SQL, still exactly."""
    settings.FACETS_RELOAD_SECONDS = 3600
    params = {"attr_colour": ["red", "blue"], "min_price": ["25"]}
    _assert_facets_exact(api_client, params, catalog)
    read = _copy_version()
    product = Product.objects.filter(is_active=True).order_by("id").first()

    product_attributes_set(product=product, values={"colour": "red"})

    _assert_facets_exact(api_client, params, catalog)
    assert _copy_version() == read != _facet_revision()


@pytest.mark.django_db
def test_in_memory_facets_cost_a_version_read_once_the_copy_is_current(
    catalog, api_client, settings, django_assert_max_num_queries
):
    settings.FACETS_RELOAD_SECONDS = 0
    params = {"attr_colour": ["red"], "attr_size": ["m"], "min_price": ["25"], "attr_weight_min": ["1"]}
    api_client.get("/api/products/facets/", params)

    # The filters' attributes and their values, the listed attributes and theirs, the categories, the version.
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/products/facets/", params)

    assert response.status_code == 200


@pytest.mark.slow
@pytest.mark.django_db
def test_the_list_matches_the_facet_count_under_random_filters(catalog, api_client):
    rng = random.Random(SEED + 1)
    for _ in range(40):
        params = _random_filters(rng, catalog)

        listed = api_client.get("/api/products/", {**params, "page_size": 100}).json()
        facets = api_client.get("/api/products/facets/", params).json()

        assert listed["count"] == facets["count"], params


@pytest.mark.django_db
@pytest.mark.parametrize("number_attribute", [False, True], ids=["choices-only", "a-number-no-product-carries"])
def test_the_in_memory_copy_answers_for_a_catalog_whose_products_carry_no_number(
    api_client, settings, number_attribute
):
    settings.FACETS_IN_MEMORY, settings.FACETS_RELOAD_SECONDS = True, 0
    shirts = CategoryFactory(name="Shirts", slug="shirts")
    colour = attribute_create(name="Colour", categories=[shirts])
    for value in ("Red", "Blue"):
        attribute_value_create(attribute=colour, value=value)
    if number_attribute:
        attribute_create(name="Weight", kind=Attribute.Kind.NUMBER, categories=[shirts])
    for value in ("red", "red", "blue"):
        product_attributes_set(product=ProductFactory(category=shirts, stock=3), values={"colour": value})

    response = api_client.get("/api/products/facets/", {"attr_colour": "red", "min_price": "1"})

    assert response.status_code == 200
    # The colour facet is counted without its own filter; the products counted are the two red ones.
    facets = _actual(response.json())
    assert (facets["count"], facets["attributes"]["colour"]) == (2, {"red": 2, "blue": 1})
    assert facet_snapshot._current is not None
