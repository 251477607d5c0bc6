from decimal import Decimal

import pytest
from django.db import connection

from store.tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def catalog():
    shoes, lamps = CategoryFactory(name="Shoes"), CategoryFactory(name="Lamps")
    products = [
        ProductFactory(category=shoes, name="Trail runner shoe", price=Decimal("80.00")),
        ProductFactory(category=shoes, name="Leather shoe", price=Decimal("120.00"), discount_price=Decimal("60.00")),
        ProductFactory(category=lamps, name="Desk lamp", price=Decimal("30.00")),
        ProductFactory(category=shoes, name="Hidden shoe", price=Decimal("90.00"), is_active=False),
    ]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE store_product SET search_vector = to_tsvector('english', name)")
    return {"shoes": shoes, "lamps": lamps, "products": products}
