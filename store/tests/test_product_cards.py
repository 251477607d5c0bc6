"""The catalog's list and detail answer from `product_cards` rows (one query a page) instead of serializing model
instances: the bytes must be exactly those `ProductSerializer` gives for the same products, for every role, and
the pages must count and end exactly as DRF's paginator over a COUNT decided."""

from decimal import Decimal

import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import ROLES
from duka_app.api.renderers import OrjsonRenderer
from store.models import Attribute, Product, ProductImage, Review
from store.selectors import attributes as attribute_selectors
from store.selectors import catalog as selectors
from store.serializers.catalog import ProductSerializer, media_url_function, product_card_representation
from store.services.attributes import attribute_create, attribute_value_create, product_attributes_set
from store.services.reviews import product_ratings_refresh
from store.tests.factories import CategoryFactory, ProductFactory

SEES_INACTIVE = {"anonymous": False, "customer": False, "other_customer": False, "manager": True, "admin": True}


def image(product: Product, position: int, *, alt_text: str = "", widths=(1200, 200, 600)) -> ProductImage:
    """An image row with renditions stored out of width order, as the job may store them."""
    name = f"products/{product.pk}/{position}"
    return ProductImage.objects.create(
        product=product,
        file=f"{name}.jpg",
        alt_text=alt_text,
        position=position,
        width=1600,
        height=1200,
        renditions={
            str(width): {"name": f"{name}-{width}.webp", "width": width, "height": width * 3 // 4} for width in widths
        },
    )


def rate(product: Product, *ratings: int, hidden: int | None = None) -> None:
    for rating in ratings:
        Review.objects.create(product=product, user=UserFactory(), rating=rating, title="ok")
    if hidden is not None:
        Review.objects.create(product=product, user=UserFactory(), rating=hidden, is_hidden=True)
    product_ratings_refresh(product_ids=[product.pk])


@pytest.fixture
def shelf(db) -> dict[str, Product]:
    """Products of every shape: images (several, none), attributes of each kind (none too), ratings (none, hidden
    ones), a discount, out of stock, inactive, and text that JSON escapes."""
    phones = CategoryFactory(name="Téléphones « ok »", slug="telephones")
    colour = attribute_create(name="Colour \u2028 ✓")
    red, _ = (attribute_value_create(attribute=colour, value=name) for name in ("Red «rouge»", "Blue"))
    weight = attribute_create(name="Weight", kind=Attribute.Kind.NUMBER)
    waterproof = attribute_create(name="Waterproof", kind=Attribute.Kind.BOOLEAN)
    shelf = {
        "full": ProductFactory(
            category=phones,
            name='Ünïcödé "quoted" \u2029 phone',
            description="Line\nbreak \\ backslash \u2028",
            price=Decimal("199.00"),
            discount_price=Decimal("149.50"),
            stock=3,
        ),
        "sold_out": ProductFactory(category=phones, price=Decimal("0.01"), stock=0, description=""),
        "inactive": ProductFactory(category=CategoryFactory(), price=Decimal("99999999.99"), is_active=False),
        "zero_and_false": ProductFactory(category=phones, price=Decimal("10.50"), stock=1),
    }
    for position, alt_text in enumerate(["Front «face»", "", 'Back "rear" \u2028']):
        image(shelf["full"], 2 - position, alt_text=alt_text)
    image(shelf["inactive"], 0, widths=())
    image(shelf["zero_and_false"], 5, widths=(200,))
    product_attributes_set(
        product=shelf["full"], values={colour.slug: red.slug, weight.slug: "2.500", waterproof.slug: True}
    )
    product_attributes_set(product=shelf["inactive"], values={weight.slug: "1234567.125"})
    product_attributes_set(product=shelf["zero_and_false"], values={weight.slug: "0", waterproof.slug: False})
    rate(shelf["full"], 5, 4, 4, hidden=1)
    rate(shelf["inactive"], 2)
    return shelf


def serialized(user, **filters) -> list[dict]:
    """What `ProductSerializer` writes for the products the list shows `user`, in the list's order."""
    products = attribute_selectors.products_with_attributes(
        selectors.products_with_images(selectors.product_list(user=user).filter(**filters))
    )
    return ProductSerializer(products, many=True).data


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_list_answers_exactly_the_serializer_bytes(client_as, user_as, role, shelf):
    response = client_as(role).get("/api/products/")

    expected = serialized(user_as(role))
    assert response.status_code == 200
    assert response.content == OrjsonRenderer().render(
        {"count": len(expected), "next": None, "previous": None, "results": expected}
    )
    assert (shelf["inactive"].pk in [product["id"] for product in expected]) is SEES_INACTIVE[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["full", "sold_out", "inactive", "zero_and_false"])
def test_the_detail_answers_exactly_the_serializer_bytes(client_as, user_as, role, name, shelf):
    product = shelf[name]

    response = client_as(role).get(f"/api/products/{product.slug}/")

    if name == "inactive" and not SEES_INACTIVE[role]:
        assert response.status_code == 404
        assert response.json() == {"detail": "No Product matches the given query.", "code": "not_found"}
        return
    assert response.status_code == 200
    assert response.content == OrjsonRenderer().render(serialized(user_as(role), pk=product.pk)[0])


@pytest.mark.django_db
def test_the_detail_still_applies_the_list_filters(client_as, shelf):
    slug = shelf["full"].slug

    assert client_as("anonymous").get(f"/api/products/{slug}/", {"in_stock": "true"}).status_code == 200
    assert client_as("anonymous").get(f"/api/products/{slug}/", {"in_stock": "false"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "manager"])
def test_pages_count_and_link_as_before(client_as, user_as, role, shelf):
    expected = serialized(user_as(role))
    client = client_as(role)

    first = client.get("/api/products/", {"page_size": 2}).json()
    last = client.get("/api/products/", {"page_size": 2, "page": "last"}).json()

    assert first["count"] == last["count"] == len(expected)
    assert first["results"] == expected[:2]
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/products/?page=2&page_size=2"
    assert last["results"] == expected[(len(expected) - 1) // 2 * 2 :]
    assert last["next"] is None
    assert client.get("/api/products/", {"page_size": 2, "page": 3}).status_code == 404


@pytest.mark.django_db
def test_an_empty_list_counts_zero_on_page_1_only(client_as, shelf):
    client = client_as("anonymous")

    empty = client.get("/api/products/", {"search": "nothingmatchesthis"})
    past = client.get("/api/products/", {"search": "nothingmatchesthis", "page": 2})

    assert empty.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert past.status_code == 404
    assert past.json() == {"detail": "Invalid page.", "code": "not_found"}


@pytest.mark.django_db
def test_the_row_representation_follows_the_current_time_zone(shelf):
    products = attribute_selectors.products_with_attributes(
        selectors.products_with_images(selectors.product_list(user=None).filter(pk=shelf["full"].pk))
    )
    row = selectors.product_cards(selectors.product_list(user=None).filter(pk=shelf["full"].pk)).get()

    with timezone.override("Africa/Nairobi"):
        representation = product_card_representation(row)
        assert representation == ProductSerializer().to_representation(products.get())
    assert representation["created_at"].endswith("+03:00")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "customer", "manager"])
def test_list_and_detail_are_one_query_each(client_as, django_assert_max_num_queries, role, shelf):
    client = client_as(role)
    client.get("/api/products/")  # the first request of a process loads what later ones find cached

    with django_assert_max_num_queries(1):  # the page, its images and attribute values, and the count
        assert client.get("/api/products/", {"page_size": 100}).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(f"/api/products/{shelf['full'].slug}/").status_code == 200


NAMES = [
    "products/1/front.jpg",
    "products/1/front-200.webp",
    "/leading/slash.jpg",
    "Ünïcödé name «x».jpg",
    "spaces and ?query#fragment;params:colon.jpg",
    "a//double/slash.jpg",
    "a/./dot/segment.jpg",
    "a/../up/segment.jpg",
    "../outside.jpg",
    ".hidden/.file",
    "trailing/",
    "~tilde/!*()'%41.jpg",
    "",
]


@pytest.mark.parametrize("media_url", ["/media/", "https://cdn.example.com/shop/media/", "/", "//cdn.example.com/m/"])
def test_media_urls_equal_the_storage_urls(settings, media_url):
    settings.MEDIA_URL = media_url
    url = media_url_function()

    assert [url(name) for name in NAMES] == [FileSystemStorage(base_url=media_url).url(name) for name in NAMES]
    assert url != storages["default"].url  # the fast path, not the storage's own method


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_filtered_list_answers_exactly_the_serializer_bytes(client_as, user_as, role, shelf):
    response = client_as(role).get("/api/products/", {"in_stock": "true"})

    expected = serialized(user_as(role), stock__gt=0)
    assert response.status_code == 200
    assert response.content == OrjsonRenderer().render(
        {"count": len(expected), "next": None, "previous": None, "results": expected}
    )
    assert shelf["sold_out"].pk not in [product["id"] for product in expected]
