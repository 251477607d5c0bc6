"""`ProductSerializer.to_representation` writes the read fields out by hand (it runs for every catalog row):
it must give exactly what DRF's field-by-field path gives for the declared fields."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from store.models import Product
from store.serializers.catalog import ProductSerializer
from store.tests.factories import CategoryFactory, ProductFactory


def field_by_field(product: Product) -> dict:
    return serializers.ModelSerializer.to_representation(ProductSerializer(), product)


@pytest.fixture
def products():
    category = CategoryFactory(name="Téléphones « ok »", slug="telephones")
    return [
        ProductFactory(category=category, price=Decimal("199.00"), discount_price=Decimal("149.50"), stock=3),
        ProductFactory(category=category, price=Decimal("0.01"), discount_price=None, stock=0),
        ProductFactory(category=category, price=Decimal("99999999.99"), is_active=False, description="x" * 10_000),
        ProductFactory(category=category, name="Ünïcödé \u2028 line", description="", price=Decimal("10.50")),
    ]


@pytest.mark.django_db
def test_the_read_shape_equals_drf_field_by_field(products):
    Product.objects.filter(pk=products[0].pk).update(updated_at=datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC))
    for product in Product.objects.select_related("category").order_by("id"):
        assert ProductSerializer().to_representation(product) == field_by_field(product)


@pytest.mark.django_db
def test_the_read_shape_has_exactly_the_declared_readable_fields(products):
    readable = [name for name, field in ProductSerializer().fields.items() if not field.write_only]

    assert list(ProductSerializer().to_representation(products[0])) == readable


@pytest.mark.django_db
def test_times_follow_the_current_time_zone_like_drf(products):
    product = Product.objects.select_related("category").get(pk=products[0].pk)

    with timezone.override("Africa/Nairobi"):
        representation = ProductSerializer().to_representation(product)
        assert representation == field_by_field(product)
    assert representation["created_at"].endswith("+03:00")


@pytest.mark.django_db
def test_unsaved_decimal_values_are_written_with_two_decimals(products):
    product = Product.objects.select_related("category").get(pk=products[1].pk)
    product.price, product.discount_price = Decimal("12.5"), Decimal("7")

    representation = ProductSerializer().to_representation(product)

    assert representation == field_by_field(product)
    assert (representation["price"], representation["discount_price"], representation["final_price"]) == (
        "12.50",
        "7.00",
        "7.00",
    )
