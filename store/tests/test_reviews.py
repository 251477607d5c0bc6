from decimal import Decimal

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from conftest import ROLES
from core.tests.concurrency import run_concurrently
from store.models import Order, Product, Review
from store.services.reviews import product_ratings_refresh
from store.tests.factories import OrderFactory, OrderItemFactory, ProductFactory

HUGE = 10**30


def reviews_url(product, review=None, action: str = "") -> str:
    base = f"/api/products/{product.slug}/reviews/"
    return f"{base}{review.pk}/{action}" if review else base


def deliver(user, product, status: str = Order.Status.DELIVERED) -> None:
    OrderItemFactory(order=OrderFactory(user=user, status=status), product=product, quantity=1)


def review_of(user, product, rating: int, *, is_hidden: bool = False, title: str = "") -> Review:
    review = Review.objects.create(product=product, user=user, rating=rating, title=title, is_hidden=is_hidden)
    product_ratings_refresh(product_ids=[product.pk])
    return review


def state() -> tuple:
    """Every review and every product's rating: what a failed request must leave untouched."""
    return (
        list(
            Review.objects.order_by("pk").values_list(
                "pk", "product_id", "user_id", "rating", "title", "body", "is_hidden"
            )
        ),
        list(Product.objects.order_by("pk").values_list("pk", "rating_average", "rating_count")),
    )


def rating_of(product) -> tuple[Decimal, int]:
    return Product.objects.filter(pk=product.pk).values_list("rating_average", "rating_count").get()


@pytest.fixture
def product(db):
    return ProductFactory(name="Teapot", slug="teapot")


@pytest.fixture
def reviewed(product, customer, other_customer):
    """The customer's visible 5 and the other customer's hidden 1 on the teapot."""
    return review_of(customer, product, 5, title="Lovely"), review_of(other_customer, product, 1, is_hidden=True)


# --- list and read --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_anyone_lists_visible_reviews_and_managers_also_the_hidden_ones(client_as, role, product, reviewed, customer):
    visible, hidden = reviewed

    response = client_as(role).get(reviews_url(product))

    assert response.status_code == 200
    expected = [hidden.pk, visible.pk] if role in ("manager", "admin") else [visible.pk]
    assert [review["id"] for review in response.json()["results"]] == expected
    entry = next(review for review in response.json()["results"] if review["id"] == visible.pk)
    assert entry["rating"] == 5 and entry["title"] == "Lovely" and entry["is_hidden"] is False
    assert entry["author"] == {"id": customer.pk, "name": customer.first_name or customer.username}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("", [3, 2, 1]), ("-created_at", [3, 2, 1]), ("rating", [2, 3, 1]), ("-rating", [1, 3, 2])],
)
def test_the_list_is_newest_first_or_by_rating(client_as, product, ordering, expected):
    ratings = {1: 5, 2: 1, 3: 3}
    reviews = {number: review_of(UserFactory(), product, rating) for number, rating in ratings.items()}

    response = client_as("anonymous").get(reviews_url(product), {"ordering": ordering} if ordering else {})

    assert [review["id"] for review in response.json()["results"]] == [reviews[n].pk for n in expected]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["ordering=stars", "page=0", "page=99"])
def test_bad_list_parameters_are_a_clear_4xx(client_as, product, reviewed, query):
    response = client_as("anonymous").get(f"{reviews_url(product)}?{query}")

    assert response.status_code in (400, 404)
    assert response.status_code != 500


@pytest.mark.django_db
def test_an_unknown_or_inactive_product_has_no_reviews_to_show(client_as, product, reviewed):
    Product.objects.filter(pk=product.pk).update(is_active=False)

    assert client_as("anonymous").get("/api/products/no-such-thing/reviews/").status_code == 404
    assert client_as("customer").get(reviews_url(product)).status_code == 404
    assert client_as("manager").get(reviews_url(product)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 30])
def test_the_list_costs_the_same_queries_for_1_and_30_reviews(client_as, product, django_assert_max_num_queries, size):
    for _ in range(size):
        review_of(UserFactory(), product, 4)
    client = client_as("manager")

    with django_assert_max_num_queries(4):  # user, product, count, page with the authors
        response = client.get(reviews_url(product), {"page_size": 30})

    assert len(response.json()["results"]) == size


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_one_review_is_readable_and_a_hidden_one_only_by_managers(client_as, role, product, reviewed):
    visible, hidden = reviewed
    client = client_as(role)

    assert client.get(reviews_url(product, visible)).json()["id"] == visible.pk
    assert client.get(reviews_url(product, hidden)).status_code == (200 if role in ("manager", "admin") else 404)


@pytest.mark.django_db
def test_unknown_reviews_are_404(client_as, product, reviewed, customer):
    other_product = ProductFactory()
    own = review_of(customer, other_product, 3)
    client = client_as("manager")

    assert client.get(f"{reviews_url(product)}999999/").status_code == 404
    assert client.get(f"{reviews_url(product)}{'9' * 30}/").status_code == 404
    assert client.get(f"{reviews_url(product)}abc/").status_code == 404
    assert client.get(reviews_url(product, own)).status_code == 404  # a review of another product


# --- create ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_customer_who_received_the_product_reviews_it(client_for, customer, product):
    deliver(customer, product)
    review_of(UserFactory(), product, 2)

    response = client_for(customer).post(
        reviews_url(product), {"rating": 5, "title": "Pours well", "body": "No drips."}, format="json"
    )

    assert response.status_code == 201
    review = Review.objects.get(user=customer)
    assert response.json()["id"] == review.pk
    assert (review.rating, review.title, review.body, review.is_hidden) == (5, "Pours well", "No drips.", False)
    assert rating_of(product) == (Decimal("3.50"), 2)
    detail = client_for(customer).get(f"/api/products/{product.slug}/").json()
    assert (detail["rating_average"], detail["rating_count"]) == ("3.50", 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("other_customer", 403, "review_not_allowed"),
        ("manager", 403, "permission_denied"),
        ("admin", 403, "review_not_allowed"),
    ],
)
def test_only_customers_who_received_the_product_may_review_it(client_as, customer, product, role, status, code):
    deliver(customer, product)
    before = state()

    response = client_as(role).post(reviews_url(product), {"rating": 4}, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("order_status", ["pending", "paid", "shipped", "cancelled"])
def test_an_order_not_delivered_does_not_entitle_a_review(client_for, customer, product, order_status):
    deliver(customer, product, status=order_status)
    deliver(customer, ProductFactory())
    before = state()

    response = client_for(customer).post(reviews_url(product), {"rating": 4}, format="json")

    assert (response.status_code, response.json()["code"]) == (403, "review_not_allowed")
    assert state() == before


@pytest.mark.django_db
def test_a_second_review_of_the_same_product_is_a_conflict(client_for, customer, product):
    deliver(customer, product)
    first = review_of(customer, product, 4)
    before = state()

    response = client_for(customer).post(reviews_url(product), {"rating": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "review_exists"
    assert response.json()["review_id"] == first.pk
    assert state() == before


BAD_REVIEWS = {
    "rating 0": {"rating": 0},
    "rating 6": {"rating": 6},
    "negative": {"rating": -1},
    "words": {"rating": "five"},
    "huge": {"rating": HUGE},
    "fraction": {"rating": 4.5},
    "null": {"rating": None},
    "missing": {"title": "No stars"},
    "list": {"rating": [5]},
    "long title": {"rating": 5, "title": "x" * 121},
    "title object": {"rating": 5, "title": {"a": 1}},
}


@pytest.mark.django_db
@pytest.mark.parametrize("body", BAD_REVIEWS.values(), ids=BAD_REVIEWS.keys())
def test_bad_reviews_are_400_and_change_nothing(client_for, customer, product, body):
    deliver(customer, product)
    before = state()

    response = client_for(customer).post(reviews_url(product), body, format="json")

    assert response.status_code == 400
    assert state() == before


@pytest.mark.django_db
def test_malformed_json_and_unknown_products_change_nothing(client_for, customer, product):
    deliver(customer, product)
    client = client_for(customer)
    before = state()

    malformed = client.post(reviews_url(product), '{"rating": 5', content_type="application/json")
    unknown = client.post("/api/products/no-such-thing/reviews/", {"rating": 5}, format="json")

    assert (malformed.status_code, malformed.json()["code"]) == (400, "parse_error")
    assert unknown.status_code == 404
    assert state() == before


# --- change and delete -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_author_changes_their_review_and_the_rating_follows(client_for, customer, product, reviewed):
    visible, _hidden = reviewed
    review_of(UserFactory(), product, 3)

    response = client_for(customer).patch(
        reviews_url(product, visible), {"rating": 2, "body": "Chipped"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["body"], response.json()["title"]) == (2, "Chipped", "Lovely")
    assert rating_of(product) == (Decimal("2.50"), 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 401), ("other_customer", 403), ("manager", 403), ("admin", 403)]
)
def test_only_the_author_changes_or_deletes_a_review(client_as, product, reviewed, role, status):
    visible, _hidden = reviewed
    client = client_as(role)
    before = state()

    assert client.patch(reviews_url(product, visible), {"rating": 1}, format="json").status_code == status
    assert client.put(reviews_url(product, visible), {"rating": 1}, format="json").status_code in (401, 403, 405)
    assert client.delete(reviews_url(product, visible)).status_code == status
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b for name, b in BAD_REVIEWS.items() if name != "missing"])
def test_bad_changes_are_400_and_change_nothing(client_for, customer, product, reviewed, body):
    visible, _hidden = reviewed
    before = state()

    response = client_for(customer).patch(reviews_url(product, visible), body, format="json")

    assert response.status_code == 400
    assert state() == before


@pytest.mark.django_db
def test_the_author_deletes_their_review_and_the_rating_follows(client_for, customer, product, reviewed):
    visible, _hidden = reviewed
    review_of(UserFactory(), product, 3)

    response = client_for(customer).delete(reviews_url(product, visible))

    assert response.status_code == 204
    assert not Review.objects.filter(pk=visible.pk).exists()
    assert rating_of(product) == (Decimal("3.00"), 1)


@pytest.mark.django_db
def test_an_author_cannot_reach_their_hidden_review(client_for, other_customer, product, reviewed):
    _visible, hidden = reviewed
    before = state()

    assert (
        client_for(other_customer).patch(reviews_url(product, hidden), {"rating": 5}, format="json").status_code == 404
    )
    assert client_for(other_customer).delete(reviews_url(product, hidden)).status_code == 404
    assert state() == before


# --- moderation ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_managers_hide_and_show_reviews_and_the_rating_follows(client_as, user_as, role, product, reviewed):
    visible, hidden = reviewed
    client = client_as(role)
    before = state()

    hide = client.post(reviews_url(product, visible, "hide/"))

    if role not in ("manager", "admin"):
        assert hide.status_code == (401 if role == "anonymous" else 403)
        assert client.post(reviews_url(product, hidden, "unhide/")).status_code == hide.status_code
        assert state() == before
        return
    assert hide.status_code == 200 and hide.json()["is_hidden"] is True
    visible.refresh_from_db()
    assert (visible.is_hidden, visible.hidden_by, visible.hidden_at is not None) == (True, user_as(role), True)
    assert rating_of(product) == (Decimal("0.00"), 0)
    assert client_as("anonymous").get(reviews_url(product)).json()["count"] == 0

    assert client.post(reviews_url(product, hidden, "unhide/")).json()["is_hidden"] is False
    hidden.refresh_from_db()
    assert (hidden.is_hidden, hidden.hidden_by, hidden.hidden_at) == (False, None, None)
    assert rating_of(product) == (Decimal("1.00"), 1)


@pytest.mark.django_db
def test_hiding_a_hidden_review_changes_nothing_and_unknown_ones_are_404(client_as, product, reviewed):
    _visible, hidden = reviewed
    client = client_as("manager")
    before = state()

    assert client.post(reviews_url(product, hidden, "hide/")).status_code == 200
    assert client.post(f"{reviews_url(product)}999999/hide/").status_code == 404
    assert client.post("/api/products/no-such-thing/reviews/1/unhide/").status_code == 404
    assert state() == before


# --- products ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_products_are_listed_by_rating(client_as):
    low, high, none = ProductFactory(), ProductFactory(), ProductFactory()
    review_of(UserFactory(), low, 2)
    review_of(UserFactory(), high, 5)
    review_of(UserFactory(), high, 4)

    response = client_as("anonymous").get("/api/products/", {"ordering": "-rating"})

    results = response.json()["results"]
    assert [product["id"] for product in results] == [high.pk, low.pk, none.pk]
    assert [(product["rating_average"], product["rating_count"]) for product in results] == [
        ("4.50", 2),
        ("2.00", 1),
        ("0.00", 0),
    ]
    ascending = client_as("anonymous").get("/api/products/", {"ordering": "rating"}).json()["results"]
    assert [product["id"] for product in ascending] == [none.pk, low.pk, high.pk]


@pytest.mark.django_db
def test_the_product_list_with_ratings_keeps_its_query_count(client_as, django_assert_max_num_queries):
    client = client_as("anonymous")
    client.get("/api/products/")  # the first request of a process loads what later ones find cached
    for size in (1, 30):
        while Product.objects.count() < size:
            review_of(UserFactory(), ProductFactory(), 3)
        # The page with its images and attribute values, and the count: ratings are columns and add none.
        with django_assert_max_num_queries(1):
            response = client.get("/api/products/", {"page_size": 30})
        assert [product["rating_count"] for product in response.json()["results"]] == [1] * size


# --- concurrency ------------------------------------------------------------------------------------------------


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_of_one_product_leave_the_exact_rating():
    product = ProductFactory()
    customers = [UserFactory() for _ in range(8)]
    ratings = [5, 4, 3, 5, 1, 2, 5, 4]
    for customer in customers:
        deliver(customer, product)

    def post(customer, rating):
        def call():
            client = Client()
            client.force_login(customer)
            return client.post(reviews_url(product), {"rating": rating}, content_type="application/json").status_code

        return call

    statuses = run_concurrently(*(post(customer, rating) for customer, rating in zip(customers, ratings, strict=True)))

    assert statuses == [201] * 8
    assert rating_of(product) == (Decimal("3.63"), 8)  # 29 / 8 = 3.625


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_concurrent_hides_and_reviews_leave_the_exact_rating(manager):
    product = ProductFactory()
    existing = [review_of(UserFactory(), product, rating) for rating in (1, 1, 5)]
    newcomers = [UserFactory() for _ in range(3)]
    for customer in newcomers:
        deliver(customer, product)

    def as_user(user, method, url, body=None):
        def call():
            client = Client()
            client.force_login(user)
            return getattr(client, method)(url, body, content_type="application/json").status_code

        return call

    calls = [as_user(manager, "post", reviews_url(product, review, "hide/")) for review in existing[:2]]
    calls += [as_user(customer, "post", reviews_url(product), {"rating": 4}) for customer in newcomers]
    assert sorted(run_concurrently(*calls)) == [200, 200, 201, 201, 201]
    assert rating_of(product) == (Decimal("4.25"), 4)  # 5 + 4 + 4 + 4


# --- admin ------------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_for(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/store/review/", "/admin/store/review/?is_hidden__exact=1&rating=1&q=teapot"])
def test_managers_browse_reviews_in_admin(admin_client_for, reviewed, url):
    assert admin_client_for.get(url).status_code == 200


@pytest.mark.django_db
def test_admin_actions_hide_show_and_delete_keep_the_rating(admin_client_for, manager, product, reviewed):
    visible, hidden = reviewed
    url = "/admin/store/review/"

    admin_client_for.post(url, {"action": "hide", "_selected_action": [visible.pk]})
    assert rating_of(product) == (Decimal("0.00"), 0)
    assert Review.objects.get(pk=visible.pk).hidden_by == manager

    admin_client_for.post(url, {"action": "unhide", "_selected_action": [visible.pk, hidden.pk]})
    assert rating_of(product) == (Decimal("3.00"), 2)

    admin_client_for.post(f"{url}{hidden.pk}/delete/", {"post": "yes"})
    assert rating_of(product) == (Decimal("5.00"), 1)
    assert admin_client_for.get(f"{url}{visible.pk}/change/").status_code == 200
