from decimal import Decimal

import pytest
from django.test import Client

from store.models import Category, Product
from store.tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def admin_client_for(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/store/category/",
        "/admin/store/category/?q=book",
        "/admin/store/category/add/",
        "/admin/store/product/",
        "/admin/store/product/?q=phone&is_active__exact=1&in_stock=no",
        "/admin/store/product/add/",
    ],
)
def test_managers_browse_the_catalog_in_admin(admin_client_for, url):
    ProductFactory(category=CategoryFactory(name="Books"), name="Phone book", stock=0)

    assert admin_client_for.get(url).status_code == 200


@pytest.mark.django_db
def test_admin_change_pages_open(admin_client_for):
    product = ProductFactory()

    assert admin_client_for.get(f"/admin/store/product/{product.pk}/change/").status_code == 200
    assert admin_client_for.get(f"/admin/store/category/{product.category_id}/change/").status_code == 200


@pytest.mark.django_db
def test_price_and_stock_are_edited_in_the_list(admin_client_for):
    product = ProductFactory(price=Decimal("10.00"), stock=1)
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(product.pk),
        "form-0-price": "12.50",
        "form-0-discount_price": "",
        "form-0-stock": "7",
        "form-0-is_active": "on",
        "_save": "Save",
    }

    response = admin_client_for.post("/admin/store/product/", form)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.price, product.stock) == (Decimal("12.50"), 7)


@pytest.mark.django_db
def test_an_invalid_discount_in_the_list_is_refused(admin_client_for):
    product = ProductFactory(price=Decimal("10.00"), stock=1)
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(product.pk),
        "form-0-price": "10.00",
        "form-0-discount_price": "11.00",
        "form-0-stock": "1",
        "form-0-is_active": "on",
        "_save": "Save",
    }

    response = admin_client_for.post("/admin/store/product/", form)

    assert response.status_code == 200
    product.refresh_from_db()
    assert product.discount_price is None


@pytest.mark.django_db
def test_a_category_with_products_cannot_be_deleted_in_admin(admin_client_for):
    product = ProductFactory()

    response = admin_client_for.post(f"/admin/store/category/{product.category_id}/delete/", {"post": "yes"})

    assert response.status_code == 200
    assert Category.objects.filter(pk=product.category_id).exists()
    assert Product.objects.filter(pk=product.pk).exists()
