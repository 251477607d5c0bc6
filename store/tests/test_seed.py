from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import CustomerProfile, User
from accounts.signals import STORE_MANAGERS_GROUP
from fulfilment.services import shipment_create
from payments.services import payment_record_manual
from pricing.models import ShippingMethod, TaxRate
from store.models import Attribute, Category, Order, OrderEvent, Product, ProductAttributeValue, ProductImage, Review
from store.seed import (
    ATTRIBUTES,
    CUSTOMER_PASSWORD,
    MANAGER_PASSWORD,
    REVIEW_ORDER_KEY_PREFIX,
    demo_data_seed,
    demo_image,
)
from store.services.restock import restock_order_create
from store.services.reviews import review_delete
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order


def seed(**options) -> str:
    out = StringIO()
    call_command("seed", stdout=out, **options)
    return out.getvalue()


def catalog_rows() -> list[tuple]:
    return list(
        Product.objects.order_by("sku").values_list(
            "sku", "name", "slug", "description", "price", "discount_price", "stock", "is_active", "category__name"
        )
    )


def review_rows() -> list[tuple]:
    """The reviews and the products' ratings (both empty on an unseeded store)."""
    reviews = Review.objects.order_by("product__sku", "user__username").values_list(
        "product__sku", "user__username", "rating", "title", "body", "is_hidden"
    )
    ratings = (
        Product.objects.filter(rating_count__gt=0).order_by("sku").values_list("sku", "rating_average", "rating_count")
    )
    return [*reviews, *ratings]


def customer_rows() -> list[tuple]:
    return list(
        User.objects.filter(role="customer")
        .order_by("username")
        .values_list("username", "email", "first_name", "last_name", "profile__city", "profile__postal_code")
    )


@pytest.mark.django_db
def test_seed_creates_the_demo_store_and_prints_the_logins():
    output = seed()

    manager = User.objects.get(username="manager")
    assert (manager.role, manager.is_staff, manager.is_superuser) == ("manager", True, False)
    assert manager.groups.filter(name=STORE_MANAGERS_GROUP).exists()
    assert manager.check_password(MANAGER_PASSWORD)
    customers = User.objects.filter(role="customer")
    assert customers.count() == 10
    assert all(customer.check_password(CUSTOMER_PASSWORD) for customer in customers)
    assert CustomerProfile.objects.filter(user__in=customers).exclude(city="").count() == 10
    assert sorted(Category.objects.values_list("name", flat=True)) == [
        "Books",
        "Electronics",
        "Fashion",
        "Home & Kitchen",
        "Sports & Outdoors",
    ]
    assert Product.objects.count() == 50
    assert Product.objects.filter(search_vector__isnull=True).count() == 0
    assert sorted(ShippingMethod.objects.filter(zone__countries=["KE"]).values_list("name", "price")) == [
        ("Express delivery", Decimal("700.00")),
        ("Standard delivery", Decimal("300.00")),
    ]
    assert list(TaxRate.objects.values_list("country", "category", "rate")) == [("KE", None, Decimal("16.00"))]
    assert f"manager / {MANAGER_PASSWORD}" in output
    assert f"customer1 / {CUSTOMER_PASSWORD}" in output
    assert "products: 50/50" in output


@pytest.mark.django_db
def test_seeded_products_are_valid_and_varied():
    seed(products=200)

    products = list(Product.objects.all())
    assert all(product.price > 0 for product in products)
    assert all(product.discount_price is None or 0 < product.discount_price < product.price for product in products)
    assert len({product.slug for product in products}) == 200
    assert len({product.category_id for product in products}) == 5
    assert any(product.discount_price for product in products)
    assert any(product.stock == 0 for product in products)
    assert any(not product.is_active for product in products)


@pytest.mark.django_db
def test_seeded_reviews_come_from_customers_who_received_the_product_and_make_the_ratings():
    seed(products=40, customers=10)

    reviews = list(Review.objects.select_related("product"))
    assert len(reviews) > 20
    assert {review.rating for review in reviews} >= {3, 4, 5}
    for review in reviews:
        assert review.product.is_active
        assert Order.objects.filter(user=review.user_id, status="delivered", items__product=review.product).exists()
    for product in Product.objects.all():
        ratings = [review.rating for review in reviews if review.product_id == product.pk]
        expected = Decimal(sum(ratings)) / len(ratings) if ratings else Decimal(0)
        assert (product.rating_count, product.rating_average) == (len(ratings), expected.quantize(Decimal("0.01")))


@pytest.mark.django_db
def test_a_review_deleted_after_seeding_is_not_seeded_again():
    seed(products=20, customers=3)
    review_delete(review=Review.objects.select_related("product").order_by("pk").first())
    before = (review_rows(), Order.objects.count())

    seed(products=20, customers=3)

    assert (review_rows(), Order.objects.count()) == before


@pytest.mark.django_db
def test_seeded_products_are_searchable_through_the_api(client_as):
    seed()

    response = client_as("anonymous").get("/api/products/?search=electronics")

    assert response.status_code == 200
    assert response.json()["count"] == Product.objects.filter(category__name="Electronics", is_active=True).count()
    assert response.json()["count"] > 0


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data():
    seed(seed=7, products=30, customers=5)
    first = (catalog_rows(), customer_rows(), review_rows())

    seed(seed=7, products=30, customers=5, reset=True)

    assert (catalog_rows(), customer_rows(), review_rows()) == first


@pytest.mark.django_db
def test_another_seed_gives_other_data():
    seed(seed=7, products=30)
    first = catalog_rows()

    seed(seed=8, products=30, reset=True)

    assert catalog_rows() != first


@pytest.mark.django_db
def test_re_running_adds_no_duplicates():
    seed(products=40, customers=4)
    before = (catalog_rows(), customer_rows(), review_rows(), Order.objects.count(), Category.objects.count())

    output = seed(products=40, customers=4)

    assert (catalog_rows(), customer_rows(), review_rows(), Order.objects.count(), Category.objects.count()) == before
    assert "0 customers, 0 categories, 0 products, 0 reviews and 0 shipping methods" in output


@pytest.mark.django_db
def test_asking_for_more_adds_only_the_missing_rows_and_keeps_the_first_ones():
    seed(products=20, customers=3)
    first = catalog_rows()

    seed(products=50, customers=6)

    assert Product.objects.count() == 50
    assert User.objects.filter(role="customer").count() == 6
    assert catalog_rows()[:20] == first


@pytest.mark.django_db
def test_a_larger_run_matches_a_fresh_run_of_the_same_size():
    seed(products=20, customers=4)
    seed(products=45)
    grown = (catalog_rows(), review_rows())

    seed(products=45, reset=True)

    assert (catalog_rows(), review_rows()) == grown


@pytest.mark.django_db
def test_reset_replaces_the_catalog_and_the_demo_accounts_but_keeps_other_users(customer):
    seed(products=10, customers=2)
    demo_manager = User.objects.get(username="manager")
    demo_order = place_order(User.objects.get(username="customer1"), (Product.objects.first(), 1))
    carols_order = place_order(customer, (Product.objects.last(), 1))
    for order in (demo_order, carols_order):
        payment_record_manual(order_id=order.pk, by=demo_manager)
    shipment_create(order_id=demo_order.pk, carrier="g4s", tracking_number="G4S-1", by=demo_manager)
    restock_order_create(lines=[{"product_id": Product.objects.first().pk, "quantity": 5}], actor=demo_manager)
    ProductFactory(name="Manual product")

    seed(products=5, customers=1, reset=True)

    assert Product.objects.count() == 5
    assert not Product.objects.filter(name="Manual product").exists()
    assert sorted(User.objects.values_list("username", flat=True)) == ["carol", "customer1", "manager"]
    # Carol's order and its history stay; the demo manager who acted on it is forgotten there. The demo
    # customer's order is gone; the fresh seed's orders are the delivered ones behind its reviews.
    assert list(
        Order.objects.exclude(idempotency_key__startswith=REVIEW_ORDER_KEY_PREFIX).values_list("pk", flat=True)
    ) == [carols_order.pk]
    assert list(OrderEvent.objects.values_list("order_id", "kind", "actor_id")) == [
        (carols_order.pk, "placed", customer.pk),
        (carols_order.pk, "payment_succeeded", None),
    ]


@pytest.mark.django_db
def test_if_empty_seeds_a_fresh_catalog_only():
    seed(if_empty=True, products=5, customers=1)
    assert Product.objects.count() == 5

    output = seed(if_empty=True, products=50)

    assert Product.objects.count() == 5
    assert "nothing seeded" in output
    assert f"manager / {MANAGER_PASSWORD}" in output


@pytest.mark.django_db
def test_existing_slugs_get_a_suffix():
    seed(products=10)
    first = Product.objects.order_by("sku").first()
    Product.objects.filter(pk=first.pk).update(sku="MANUAL-1")

    seed(products=10)

    assert Product.objects.filter(name=first.name).count() == 2
    assert Product.objects.get(sku=first.sku).slug == f"{first.slug}-2"


@pytest.mark.django_db
@pytest.mark.slow
def test_progress_is_reported_for_long_runs():
    output = seed(products=4000, customers=0)

    assert "products: 2,000/4,000" in output
    assert "products: 4,000/4,000" in output


@pytest.mark.django_db
@pytest.mark.parametrize("argument", [["--products", "-1"], ["--customers", "many"], ["--seed", "x"]])
def test_bad_arguments_are_refused(argument):
    with pytest.raises(CommandError):
        call_command("seed", *argument)
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_seeded_products_carry_attributes_of_their_category_and_reseeding_adds_none():
    seed(products=60)
    first = sorted(
        ProductAttributeValue.objects.values_list("product__sku", "attribute__slug", "value__slug", "number")
    )

    seed(products=60)

    assert Attribute.objects.count() == len(ATTRIBUTES)
    assert (
        sorted(ProductAttributeValue.objects.values_list("product__sku", "attribute__slug", "value__slug", "number"))
        == first
    )
    assert len(first) > 60
    for row in ProductAttributeValue.objects.select_related("attribute", "product__category"):
        assert row.product.category.attributes.filter(pk=row.attribute_id).exists()
    for product in Product.objects.all():
        rows = ProductAttributeValue.objects.filter(product=product)
        assert product.attribute_value_ids == sorted(row.value_id for row in rows if row.value_id)
        assert set(product.attribute_numbers) == {str(row.attribute_id) for row in rows if row.number is not None}


@pytest.mark.django_db
def test_seeded_attributes_are_the_same_for_a_seed():
    seed(seed=5, products=30)
    first = sorted(
        ProductAttributeValue.objects.values_list("product__sku", "attribute__slug", "value__slug", "number")
    )

    seed(seed=5, products=30, reset=True)

    assert (
        sorted(ProductAttributeValue.objects.values_list("product__sku", "attribute__slug", "value__slug", "number"))
        == first
    )


@pytest.mark.django_db
def test_seeded_products_get_generated_images_once(media_root, jobs_run_inline, committed):
    with committed():
        first = demo_data_seed(products=4, customers=0)
    again = demo_data_seed(products=4, customers=0)

    assert (first.images, again.images) == (4, 0)
    images = ProductImage.objects.select_related("product").order_by("product__sku")
    assert [image.product.sku for image in images] == ["DK-0000001", "DK-0000002", "DK-0000003", "DK-0000004"]
    assert all((image.width, image.height, len(image.renditions)) == (800, 600, 2) for image in images)
    assert all((media_root / image.file.name).is_file() for image in images)
    assert demo_image(key="DK-0000001") == demo_image(key="DK-0000001") != demo_image(key="DK-0000002")
