"""The facet counts kept by the product triggers (`FacetCount`, `FacetNumber`) against a count over the products,
after every kind of write, and their cost to stock changes (none)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F

from core.tests.concurrency import run_concurrently
from store.models import Attribute, FacetCount, Product, StockMovement
from store.selectors.attributes import FacetFilters, product_facets
from store.selectors.catalog import product_list
from store.services.attributes import (
    attribute_create,
    attribute_delete,
    attribute_value_create,
    attribute_value_delete,
    product_attributes_set,
)
from store.services.catalog import product_create, product_delete, product_stock_adjust, product_update
from store.tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def shop():
    shoes, bags = CategoryFactory(name="Shoes", slug="shoes"), CategoryFactory(name="Bags", slug="bags")
    colour = attribute_create(name="Colour")
    for name in ("Red", "Blue"):
        attribute_value_create(attribute=colour, value=name)
    attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)
    products = []
    for number, (category, price, values) in enumerate(
        [
            (shoes, "20", {"colour": "red", "weight": "1.5"}),
            (shoes, "60", {"colour": "blue", "weight": "3"}),
            (bags, "120", {"colour": "red"}),
            (bags, "1500", {"weight": "0.25"}),
        ]
    ):
        product = ProductFactory(category=category, price=Decimal(price), name=f"Item {number}")
        products.append(product_attributes_set(product=product, values=values))
    return {"shoes": shoes, "bags": bags, "colour": colour, "products": products}


def assert_kept_counts_are_exact(*categories):
    """The kept counts answer as a count over the active products does, unfiltered and by each category."""
    for category in (None, *categories):
        category_id = None if category is None else category.pk
        kept = product_facets(
            products=product_list(user=None),
            filters=FacetFilters(category_id=category_id, precounted=True),
            category=category,
        )
        counted = product_facets(
            products=product_list(user=None), filters=FacetFilters(category_id=category_id), category=category
        )
        assert kept == counted, category


@pytest.mark.django_db
def test_the_kept_counts_follow_every_kind_of_product_write(shop):
    shoes, bags, colour = shop["shoes"], shop["bags"], shop["colour"]
    first, second, third, fourth = shop["products"]
    assert_kept_counts_are_exact(shoes, bags)

    made = product_create(category=bags, name="New", sku="NEW-1", price=Decimal("30"), stock=2)
    product_attributes_set(product=made, values={"colour": "blue", "weight": "9"})
    assert_kept_counts_are_exact(shoes, bags)

    product_update(product=first, price=Decimal("300"), discount_price=Decimal("99"))
    product_update(product=second, category=bags)
    product_update(product=third, is_active=False)
    assert_kept_counts_are_exact(shoes, bags)

    product_attributes_set(product=fourth, values={"colour": "red", "weight": "0.5"})
    Product.objects.filter(pk__in=[first.pk, made.pk]).update(price=F("price") * 2, discount_price=None)
    assert_kept_counts_are_exact(shoes, bags)

    attribute_value_delete(attribute_value=colour.values.get(slug="red"))
    attribute_delete(attribute=Attribute.objects.get(slug="weight"))
    product_delete(product=made)
    assert_kept_counts_are_exact(shoes, bags)
    assert not FacetCount.objects.filter(count=0).exists()


@pytest.mark.django_db
def test_a_stock_change_writes_no_kept_count(shop):
    product = shop["products"][0]

    def versions():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, xmin::text FROM store_facetcount UNION ALL SELECT id, xmin::text FROM store_facetnumber"
            )
            return sorted(cursor.fetchall())

    before = versions()
    product_stock_adjust(product=product, delta=-3, reason=StockMovement.Reason.ADJUSTMENT, actor=None)
    product.refresh_from_db()
    product.stock = 1
    product.save()

    assert versions() == before


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_in_one_category_keep_exact_counts(shop):
    shoes, bags = shop["shoes"], shop["bags"]
    first, second = shop["products"][:2]

    def reprice(product, price):
        return lambda: product_update(product=Product.objects.get(pk=product.pk), price=Decimal(price))

    def make(sku):
        return lambda: product_create(category=shoes, name=sku, sku=sku, price=Decimal("45"))

    run_concurrently(reprice(first, "700"), reprice(second, "8"), make("RACE-1"), make("RACE-2"))

    assert_kept_counts_are_exact(shoes, bags)
