"""The search document kept current by database triggers, whatever path writes the product; write races."""

import threading
import time
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction

from duka_app.api.errors import domain_error_response
from store.errors import CategoryGone, CategoryNotEmpty, UniqueValueTaken
from store.models import Category, Product
from store.services import catalog
from store.tests.factories import CategoryFactory, ProductFactory


def matching(text: str) -> list[str]:
    query = SearchQuery(text, config="english", search_type="websearch")
    return sorted(Product.objects.filter(search_vector=query).values_list("name", flat=True))


@pytest.mark.django_db
def test_inserted_products_get_a_weighted_document():
    ProductFactory(category=CategoryFactory(name="Garden"), name="Hose", sku="GD-1", description="Green rubber.")

    vector = Product.objects.values_list("search_vector", flat=True).get()

    assert vector == "'-1':3A 'garden':4B 'gd':2A 'green':5C 'hose':1A 'rubber':6C"


@pytest.mark.django_db
def test_bulk_created_products_are_searchable():
    category = CategoryFactory(name="Garden")
    Product.objects.bulk_create(
        Product(category=category, name=f"Rake {n}", slug=f"rake-{n}", sku=f"R-{n}", price=Decimal("3.00"))
        for n in range(3)
    )

    assert matching("rakes") == ["Rake 0", "Rake 1", "Rake 2"]
    assert matching("garden") == ["Rake 0", "Rake 1", "Rake 2"]


@pytest.mark.django_db
def test_queryset_updates_and_moves_between_categories_refresh_the_document():
    garden, kitchen = CategoryFactory(name="Garden"), CategoryFactory(name="Kitchen")
    product = ProductFactory(category=garden, name="Hose")

    Product.objects.filter(pk=product.pk).update(name="Sprinkler", category=kitchen)

    assert matching("hose") == matching("garden") == []
    assert matching("sprinkler") == matching("kitchen") == ["Sprinkler"]


@pytest.mark.django_db
def test_a_stale_instance_saved_after_a_category_rename_does_not_restore_the_old_document():
    garden = CategoryFactory(name="Garden")
    product = Product.objects.get(pk=ProductFactory(category=garden, name="Hose").pk)
    Category.objects.filter(pk=garden.pk).update(name="Outdoor")

    product.stock = 99
    product.save()

    assert matching("garden") == []
    assert matching("outdoor") == ["Hose"]


@pytest.mark.django_db
def test_stock_updates_leave_the_document_alone():
    product = ProductFactory(name="Hose")
    before = Product.objects.values_list("search_vector", flat=True).get(pk=product.pk)

    Product.objects.filter(pk=product.pk).update(stock=0)

    assert Product.objects.values_list("search_vector", flat=True).get(pk=product.pk) == before


@pytest.mark.django_db
def test_the_service_turns_a_duplicate_sku_race_into_a_validation_error():
    category = CategoryFactory()
    ProductFactory(category=category, sku="DUP-1")

    with pytest.raises(UniqueValueTaken) as error:
        catalog.product_create(category=category, name="Other", sku="DUP-1", price=Decimal("1.00"))

    response = domain_error_response(error.value)
    assert (response.status_code, response.data) == (400, {"sku": ["A product with this SKU already exists."]})
    assert Product.objects.filter(sku="DUP-1").count() == 1


@pytest.mark.django_db
def test_the_service_refuses_a_category_deleted_meanwhile():
    category = CategoryFactory()
    stale = Category(pk=category.pk, name=category.name)
    category.delete()

    with pytest.raises(CategoryGone) as error:
        catalog.product_create(category=stale, name="Other", sku="X-1", price=Decimal("1.00"))

    response = domain_error_response(error.value)
    assert (response.status_code, response.data) == (
        400,
        {"category_id": [f'Invalid pk "{stale.pk}" - object does not exist.']},
    )
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_a_generated_slug_taken_meanwhile_is_regenerated():
    category = CategoryFactory()
    ProductFactory(category=category, slug="taken")
    candidates = iter(["taken", "free"])
    product = Product(category=category, name="New", sku="N-1", price=Decimal("1.00"))

    saved = catalog._save_with_unique_slug(instance=product, generate_slug=lambda: next(candidates))

    assert Product.objects.get(pk=saved.pk).slug == "free"


@pytest.mark.django_db
def test_a_slug_that_stays_taken_is_a_validation_error_after_a_few_attempts():
    category = CategoryFactory()
    ProductFactory(category=category, slug="taken")
    attempts = []
    product = Product(category=category, name="New", sku="N-1", price=Decimal("1.00"))

    with pytest.raises(UniqueValueTaken) as error:
        catalog._save_with_unique_slug(instance=product, generate_slug=lambda: attempts.append(1) or "taken")

    response = domain_error_response(error.value)
    assert (response.status_code, response.data) == (400, {"slug": ["A product with this slug already exists."]})
    assert len(attempts) == catalog.SLUG_ATTEMPTS
    assert Product.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_a_category_being_filled_concurrently_is_not_deleted():
    category = CategoryFactory()
    product_saved, delete_started = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def create_product() -> None:
        try:
            with transaction.atomic():
                catalog.product_create(category=category, name="Late", sku="L-1", price=Decimal("1.00"))
                product_saved.set()
                delete_started.wait(timeout=10)
                # Give the delete time to reach the category lock while this product is still uncommitted.
                time.sleep(0.3)
        finally:
            connection.close()

    def delete_category() -> None:
        try:
            product_saved.wait(timeout=10)
            delete_started.set()
            catalog.category_delete(category=category)
            outcome["deleted"] = True
        except CategoryNotEmpty as error:
            outcome["conflict"] = error.data
        finally:
            connection.close()

    threads = [threading.Thread(target=create_product), threading.Thread(target=delete_category)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcome == {"conflict": {"product_count": 1}}
    assert Category.objects.filter(pk=category.pk).exists()
    assert Product.objects.filter(sku="L-1", category=category).exists()
