"""Catalog rules at the service level: slugs, unique values, deleting categories, and stock changed by hand."""

from decimal import Decimal

import pytest

from store.constants import MAX_STOCK
from store.errors import (
    CategoryGone,
    CategoryNotEmpty,
    ErrorCode,
    InsufficientStock,
    StockChanged,
    StockOutOfRange,
    UniqueValueTaken,
)
from store.models import Category, Product
from store.services import catalog
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.shopping import place_order


def product_row(product: Product) -> tuple:
    return Product.objects.filter(pk=product.pk).values_list("name", "slug", "sku", "stock", "description").get()


def new_product(category: Category, name: str = "Red Phone", sku: str = "PH-2", **fields) -> Product:
    return catalog.product_create(category=category, name=name, sku=sku, price=Decimal("99.90"), **fields)


@pytest.fixture
def phones(db):
    return CategoryFactory(name="Phones", slug="phones")


@pytest.fixture
def kettle(db):
    return ProductFactory(name="Kettle", slug="kettle", sku="KET-1", stock=10, description="Old.")


# --- categories -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_category_slugs_are_generated_from_the_name_and_suffixed_on_collision():
    slugs = [catalog.category_create(name=name).slug for name in ["Home & Garden", "Home Garden", "Home, Garden!"]]

    assert slugs == ["home-garden", "home-garden-2", "home-garden-3"]


@pytest.mark.django_db
def test_a_category_name_without_slug_characters_gets_a_fallback_slug():
    assert catalog.category_create(name="电话").slug == "category"


@pytest.mark.django_db
def test_a_given_category_slug_is_kept():
    assert catalog.category_create(name="Toys", slug="games").slug == "games"


@pytest.mark.django_db
def test_a_category_keeps_its_slug_when_renamed_and_changes_it_only_when_given():
    books = CategoryFactory(name="Books", slug="books")

    catalog.category_update(category=books, name="Novels")
    renamed_slug = Category.objects.get(pk=books.pk).slug
    catalog.category_update(category=books, slug="reading")

    assert (renamed_slug, Category.objects.get(pk=books.pk).slug) == ("books", "reading")


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("slug", "books"), ("name", "Books")])
def test_a_category_cannot_take_another_ones_slug_or_name(field, value):
    CategoryFactory(name="Books", slug="books")
    toys = CategoryFactory(name="Toys", slug="toys")

    with pytest.raises(UniqueValueTaken) as refused:
        catalog.category_update(category=toys, **{field: value})

    assert (refused.value.code, refused.value.field) == (ErrorCode.UNIQUE, field)
    assert Category.objects.filter(pk=toys.pk).values_list("name", "slug").get() == ("Toys", "toys")


@pytest.mark.django_db
def test_a_given_slug_already_taken_is_refused_on_create():
    CategoryFactory(name="Books", slug="books")

    with pytest.raises(UniqueValueTaken) as refused:
        catalog.category_create(name="Novels", slug="books")

    assert refused.value.field == "slug"
    assert list(Category.objects.values_list("name", flat=True)) == ["Books"]


@pytest.mark.django_db
def test_an_empty_category_is_deleted():
    books = CategoryFactory()

    catalog.category_delete(category=books)

    assert not Category.objects.exists()


@pytest.mark.django_db
def test_a_category_with_products_cannot_be_deleted_even_inactive_ones():
    books = CategoryFactory()
    ProductFactory.create_batch(2, category=books)
    ProductFactory(category=books, is_active=False)

    with pytest.raises(CategoryNotEmpty) as refused:
        catalog.category_delete(category=books)

    assert (refused.value.code, refused.value.data) == (ErrorCode.CATEGORY_NOT_EMPTY, {"product_count": 3})
    assert Product.objects.filter(category=books).count() == 3


# --- products ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_product_slugs_are_generated_from_the_name_and_suffixed_on_collision(phones):
    names = ["Red Phone", "Red Phone", "red  phone!", "Red Phone 2", "Red Phone"]

    slugs = [new_product(phones, name=name, sku=f"S-{n}").slug for n, name in enumerate(names)]

    assert slugs == ["red-phone", "red-phone-2", "red-phone-3", "red-phone-2-2", "red-phone-4"]


@pytest.mark.django_db
def test_a_product_name_without_slug_characters_gets_a_fallback_slug(phones):
    slugs = [new_product(phones, name=name, sku=f"S-{n}").slug for n, name in enumerate(["电话", "!!!"])]

    assert slugs == ["product", "product-2"]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "fields"), [("sku", {"sku": "KET-1"}), ("slug", {"slug": "kettle"})])
def test_a_new_product_cannot_take_another_ones_sku_or_slug(phones, kettle, field, fields):
    with pytest.raises(UniqueValueTaken) as refused:
        new_product(phones, **{"sku": "NEW-1", **fields})

    assert (refused.value.code, refused.value.field) == (ErrorCode.UNIQUE, field)
    assert list(Product.objects.values_list("pk", flat=True)) == [kettle.pk]


@pytest.mark.django_db
def test_a_product_cannot_be_moved_onto_another_ones_sku(kettle):
    other = ProductFactory(sku="PH-9")
    before = product_row(other)

    with pytest.raises(UniqueValueTaken) as refused:
        catalog.product_update(product=other, sku="KET-1")

    assert refused.value.field == "sku"
    assert product_row(other) == before


@pytest.mark.django_db
def test_a_product_cannot_be_created_in_a_deleted_category(phones):
    Category.objects.filter(pk=phones.pk).delete()

    with pytest.raises(CategoryGone) as refused:
        new_product(phones)

    assert (refused.value.code, refused.value.field) == (ErrorCode.DOES_NOT_EXIST, "category_id")
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_a_product_keeps_its_slug_when_renamed_and_changes_it_only_when_given(kettle):
    catalog.product_update(product=kettle, name="Electric Kettle")
    renamed = product_row(kettle)
    catalog.product_update(product=kettle, slug="electric-kettle")

    assert renamed[:2] == ("Electric Kettle", "kettle")
    assert product_row(kettle)[:2] == ("Electric Kettle", "electric-kettle")


# --- stock ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_stock_is_set_when_the_expected_stock_is_the_current_one(kettle, manager):
    catalog.product_update(product=kettle, stock=25, expected_stock=10, description="Restocked.", actor=manager)

    assert product_row(kettle)[3:] == (25, "Restocked.")


@pytest.mark.django_db
def test_a_stale_expected_stock_is_stock_changed_and_changes_nothing(kettle, manager, customer):
    place_order(customer, (kettle, 3))
    before = product_row(kettle)

    with pytest.raises(StockChanged) as refused:
        catalog.product_update(product=kettle, stock=25, expected_stock=10, description="New.", actor=manager)

    assert (refused.value.code, refused.value.data) == (ErrorCode.STOCK_CHANGED, {"stock": 7})
    assert product_row(kettle) == before


@pytest.mark.django_db
def test_the_stock_reported_by_stock_changed_makes_the_retry_succeed(kettle, manager, customer):
    place_order(customer, (kettle, 3))
    with pytest.raises(StockChanged) as refused:
        catalog.product_stock_set(product=kettle, stock=0, expected_stock=10, actor=manager)

    catalog.product_stock_set(product=kettle, stock=0, expected_stock=refused.value.data["stock"], actor=manager)

    assert product_row(kettle)[3] == 0


@pytest.mark.django_db
def test_a_stock_only_change_moves_updated_at(kettle, manager):
    before = Product.objects.values_list("description", "updated_at").get(pk=kettle.pk)

    catalog.product_update(product=kettle, stock=12, expected_stock=10, actor=manager)

    after = Product.objects.values_list("stock", "description", "updated_at").get(pk=kettle.pk)
    assert after[:2] == (12, before[0])
    assert after[2] > before[1]


@pytest.mark.django_db
@pytest.mark.parametrize(("delta", "stock"), [(5, 15), (-10, 0), (0, 10)])
def test_adjusting_the_stock_adds_the_delta_to_the_current_stock(kettle, manager, delta, stock):
    product = Product.objects.get(pk=kettle.pk)

    adjusted = catalog.product_stock_adjust(product=product, delta=delta, reason="adjustment", actor=manager)

    assert adjusted.stock == product_row(kettle)[3] == stock


@pytest.mark.django_db
def test_an_adjustment_keeps_sales_made_since_the_product_was_read(kettle, manager, customer):
    place_order(customer, (kettle, 3))

    adjusted = catalog.product_stock_adjust(product=kettle, delta=5, reason="adjustment", actor=manager)

    assert adjusted.stock == product_row(kettle)[3] == 12


@pytest.mark.django_db
def test_an_adjustment_below_zero_is_insufficient_stock_and_changes_nothing(kettle, manager, customer):
    place_order(customer, (kettle, 8))

    with pytest.raises(InsufficientStock) as refused:
        catalog.product_stock_adjust(product=kettle, delta=-3, reason="adjustment", actor=manager)

    assert refused.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert refused.value.data == {"items": [{"product_id": kettle.pk, "requested": 3, "available": 2}]}
    assert product_row(kettle)[3] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("delta", [MAX_STOCK - 9, MAX_STOCK])
def test_an_adjustment_past_the_integer_range_is_out_of_range(kettle, manager, delta):
    with pytest.raises(StockOutOfRange) as refused:
        catalog.product_stock_adjust(product=kettle, delta=delta, reason="adjustment", actor=manager)

    assert (refused.value.code, refused.value.data) == (ErrorCode.STOCK_OUT_OF_RANGE, {"stock": 10})
    assert product_row(kettle)[3] == 10


@pytest.mark.django_db
def test_an_adjustment_up_to_the_integer_limit_is_allowed(kettle, manager):
    catalog.product_stock_adjust(product=kettle, delta=MAX_STOCK - 10, reason="adjustment", actor=manager)

    assert product_row(kettle)[3] == MAX_STOCK
