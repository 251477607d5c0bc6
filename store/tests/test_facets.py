"""Facet counts against a brute force over the same filters, on a seeded random catalog."""

import random
from decimal import Decimal

import pytest

from store.models import Attribute, Product
from store.selectors.attributes import PRICE_BAND_BOUNDS
from store.services.attributes import attribute_create, attribute_value_create, product_attributes_set
from store.tests.factories import CategoryFactory, ProductFactory

SEED = 16
COMBINATIONS = 150


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


@pytest.mark.slow
@pytest.mark.django_db
def test_facet_counts_equal_a_brute_force_count_under_random_filters(catalog, api_client):
    rng = random.Random(SEED)
    products = list(
        Product.objects.prefetch_related("attribute_values__attribute", "attribute_values__value").order_by("id")
    )
    for _ in range(COMBINATIONS):
        params = _random_filters(rng, catalog)

        response = api_client.get("/api/products/facets/", params)

        assert response.status_code == 200, (params, response.json())
        assert _actual(response.json()) == _brute_force(products, params, catalog), params


@pytest.mark.slow
@pytest.mark.django_db
def test_the_list_matches_the_facet_count_under_random_filters(catalog, api_client):
    rng = random.Random(SEED + 1)
    for _ in range(40):
        params = _random_filters(rng, catalog)

        listed = api_client.get("/api/products/", {**params, "page_size": 100}).json()
        facets = api_client.get("/api/products/facets/", params).json()

        assert listed["count"] == facets["count"], params
