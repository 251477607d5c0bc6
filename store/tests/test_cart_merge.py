"""Merging a guest cart into a user's cart: POST /api/cart/merge/ and logging in with a cart_token."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import ROLES
from core.tests.concurrency import run_concurrently, start_blocked_by_this_session
from store.models import Cart, CartItem, Order, OrderItem
from store.services.cart import cart_merge
from store.services.checkout import order_place
from store.tests.factories import ProductFactory
from store.tests.guest import guest_cart, guest_state
from store.tests.shopping import cart_state, fill_cart, stock_of, world_state

MERGE = "/api/cart/merge/"
LOGIN = "/api/auth/token/"
PASSWORD = "Plum-Tree-Harbour-42"
ALLOWED = {"anonymous": 401, "customer": 200, "other_customer": 200, "manager": 403, "admin": 200}


def guest_cart_exists(cart: Cart) -> bool:
    return Cart.objects.filter(pk=cart.pk).exists()


# --- the rules ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_merge_adds_up_caps_at_stock_drops_withdrawn_products_and_reports_each_line(client_for, customer):
    both = ProductFactory(stock=10)  # in both carts, enough stock
    capped = ProductFactory(stock=4)  # in both carts, not enough stock for both
    new = ProductFactory(stock=10)  # only in the guest cart
    short = ProductFactory(stock=2)  # only in the guest cart, more than the stock
    withdrawn = ProductFactory(stock=10, is_active=False)
    untouched = ProductFactory(stock=10)  # only in the user's cart
    fill_cart(customer, (both, 1), (capped, 3), (untouched, 1))
    cart_token, guest = guest_cart((both, 2), (capped, 3), (new, 1), (short, 5), (withdrawn, 1))

    response = client_for(customer).post(MERGE, {"cart_token": cart_token}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "status": "merged",
        "lines": [
            {"product_id": both.pk, "requested": 2, "merged": 2, "quantity": 3, "result": "merged"},
            {"product_id": capped.pk, "requested": 3, "merged": 1, "quantity": 4, "result": "capped"},
            {"product_id": new.pk, "requested": 1, "merged": 1, "quantity": 1, "result": "merged"},
            {"product_id": short.pk, "requested": 5, "merged": 2, "quantity": 2, "result": "capped"},
            {"product_id": withdrawn.pk, "requested": 1, "merged": 0, "quantity": 0, "result": "dropped"},
        ],
    }
    assert cart_state(customer) == [(both.pk, 3), (capped.pk, 4), (new.pk, 1), (short.pk, 2), (untouched.pk, 1)]
    assert not guest_cart_exists(guest)
    assert CartItem.objects.filter(cart=guest).count() == 0


@pytest.mark.django_db
def test_merge_never_reduces_a_line_already_above_the_stock(client_for, customer):
    product = ProductFactory(stock=5)
    fill_cart(customer, (product, 5))
    product.stock = 3
    product.save()
    cart_token, _ = guest_cart((product, 2))

    lines = client_for(customer).post(MERGE, {"cart_token": cart_token}, format="json").json()["lines"]

    assert lines == [{"product_id": product.pk, "requested": 2, "merged": 0, "quantity": 5, "result": "capped"}]
    assert cart_state(customer) == [(product.pk, 5)]


@pytest.mark.django_db
def test_merge_of_an_out_of_stock_product_adds_no_line(client_for, customer):
    product = ProductFactory(stock=1)
    cart_token, _ = guest_cart((product, 1))
    product.stock = 0
    product.save()

    lines = client_for(customer).post(MERGE, {"cart_token": cart_token}, format="json").json()["lines"]

    assert lines == [{"product_id": product.pk, "requested": 1, "merged": 0, "quantity": 0, "result": "capped"}]
    assert cart_state(customer) == []


@pytest.mark.django_db
def test_merging_an_empty_guest_cart_creates_the_users_cart_and_deletes_the_guest_one(client_for, customer):
    cart_token, guest = guest_cart()

    response = client_for(customer).post(MERGE, {"cart_token": cart_token}, format="json")

    assert response.json() == {"status": "merged", "lines": []}
    assert Cart.objects.filter(user=customer).exists()
    assert not guest_cart_exists(guest)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_merge_role_matrix(client_as, role):
    product = ProductFactory(stock=5)
    cart_token, guest = guest_cart((product, 2))

    response = client_as(role).post(MERGE, {"cart_token": cart_token}, format="json")

    assert response.status_code == ALLOWED[role]
    assert guest_cart_exists(guest) == (ALLOWED[role] != 200)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["malformed", "long", "empty", "unknown", "expired", "already-merged"])
def test_merging_a_token_that_opens_no_cart_is_404_and_changes_nothing(client_for, customer, other_customer, kind):
    product = ProductFactory(stock=5)
    fill_cart(customer, (product, 1))
    guest_cart((product, 1))
    expired, _ = guest_cart((product, 1), expired=True)
    merged, _ = guest_cart((product, 1))
    cart_merge(user=other_customer, cart_token=merged)
    token = {
        "malformed": "not-a-token",
        "long": "A" * 10_000,
        "empty": "",
        "unknown": "B" * 43,
        "expired": expired,
        "already-merged": merged,
    }[kind]
    before = world_state()

    response = client_for(customer).post(MERGE, {"cart_token": token}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({}, id="missing"),
        pytest.param({"cart_token": ["x"]}, id="list"),
        pytest.param({"cart_token": {"a": 1}}, id="object"),
        pytest.param({"cart_token": None}, id="null"),
    ],
)
def test_merge_rejects_a_missing_or_wrong_typed_token(client_for, customer, payload):
    cart_token, guest = guest_cart((ProductFactory(), 1))

    response = client_for(customer).post(MERGE, payload, format="json")

    assert response.status_code == 400
    assert "cart_token" in response.json()
    assert guest_cart_exists(guest)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null"])
def test_merge_rejects_malformed_json(client_for, customer, payload):
    _, guest = guest_cart((ProductFactory(), 1))

    response = client_for(customer).post(MERGE, payload, content_type="application/json")

    assert response.status_code == 400
    assert guest_cart_exists(guest)


# --- at login -----------------------------------------------------------------------------------------------


@pytest.fixture
def shopper(db):
    return UserFactory(username="amina", password=PASSWORD)


@pytest.mark.django_db
def test_login_with_a_cart_token_merges_it_and_reports(api_client, shopper):
    product = ProductFactory(stock=3)
    fill_cart(shopper, (product, 2))
    cart_token, guest = guest_cart((product, 2))

    response = api_client.post(
        LOGIN, {"username": "amina", "password": PASSWORD, "cart_token": cart_token}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "cart_merge"}
    assert body["cart_merge"] == {
        "status": "merged",
        "lines": [{"product_id": product.pk, "requested": 2, "merged": 1, "quantity": 3, "result": "capped"}],
    }
    assert cart_state(shopper) == [(product.pk, 3)]
    assert not guest_cart_exists(guest)


@pytest.mark.django_db
def test_login_without_a_cart_token_has_no_merge_report(api_client, shopper):
    response = api_client.post(LOGIN, {"username": "amina", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "junk", "C" * 43])
def test_login_with_a_bad_cart_token_succeeds_and_says_cart_not_found(api_client, shopper, token):
    _, guest = guest_cart((ProductFactory(), 1))

    response = api_client.post(LOGIN, {"username": "amina", "password": PASSWORD, "cart_token": token}, format="json")

    assert response.status_code == 200
    assert response.json()["cart_merge"] == {"status": "cart_not_found", "lines": []}
    assert guest_cart_exists(guest)


@pytest.mark.django_db
def test_a_failed_login_merges_nothing(api_client, shopper):
    product = ProductFactory(stock=3)
    cart_token, guest = guest_cart((product, 1))

    response = api_client.post(
        LOGIN, {"username": "amina", "password": "wrong", "cart_token": cart_token}, format="json"
    )

    assert response.status_code == 401
    assert guest_state(guest) == [(product.pk, 1)]
    assert cart_state(shopper) == []


@pytest.mark.django_db
def test_a_manager_logging_in_with_a_cart_token_gets_no_merge(api_client):
    UserFactory(username="maria", password=PASSWORD, manager=True)
    cart_token, guest = guest_cart((ProductFactory(), 1))

    response = api_client.post(
        LOGIN, {"username": "maria", "password": PASSWORD, "cart_token": cart_token}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["cart_merge"] == {"status": "not_a_customer", "lines": []}
    assert guest_cart_exists(guest)


@pytest.mark.django_db
def test_login_rejects_a_wrong_typed_cart_token(api_client, shopper):
    response = api_client.post(LOGIN, {"username": "amina", "password": PASSWORD, "cart_token": ["x"]}, format="json")

    assert response.status_code == 400
    assert "cart_token" in response.json()


# --- races --------------------------------------------------------------------------------------------------


def merge_as(user, cart_token: str):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(MERGE, {"cart_token": cart_token}, format="json").status_code

    return call


def checkout_as(user):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.post("/api/checkout/", {}, format="json").status_code

    return call


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_a_merge_waits_for_a_checkout_of_the_same_user_and_lands_in_the_emptied_cart():
    buyer = UserFactory()
    product = ProductFactory(stock=5)
    fill_cart(buyer, (product, 2))
    cart_token, guest = guest_cart((product, 4))
    statuses = []

    with transaction.atomic():
        order, _ = order_place(user=buyer)  # holds the cart lock until this block commits
        merging = start_blocked_by_this_session(lambda: statuses.append(merge_as(buyer, cart_token)()), "the merge")
    merging.join()

    assert statuses == [200]
    assert list(OrderItem.objects.filter(order=order).values_list("quantity", flat=True)) == [2]
    assert stock_of(product) == [3]
    assert cart_state(buyer) == [(product.pk, 3)]  # 4 asked for, capped at the stock left after the checkout
    assert not guest_cart_exists(guest)


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_a_merge_racing_a_checkout_of_the_same_user_loses_no_line(round_):
    buyer = UserFactory()
    mine, theirs = ProductFactory(stock=10), ProductFactory(stock=10)
    fill_cart(buyer, (mine, 1))
    cart_token, _ = guest_cart((theirs, 2))

    checkout_status, merge_status = run_concurrently(checkout_as(buyer), merge_as(buyer, cart_token))

    assert (checkout_status, merge_status) == (201, 200)
    ordered = sorted(OrderItem.objects.values_list("product_id", "quantity"))
    in_cart = cart_state(buyer)
    # Either the checkout ran first (the guest line waits in the cart) or the merge did (it was ordered too).
    assert (ordered, in_cart) in [
        ([(mine.pk, 1)], [(theirs.pk, 2)]),
        (sorted([(mine.pk, 1), (theirs.pk, 2)]), []),
    ]
    assert Order.objects.count() == 1


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_two_merges_of_one_guest_cart_at_once_merge_it_exactly_once():
    first, second = UserFactory(), UserFactory()
    product = ProductFactory(stock=10)
    cart_token, guest = guest_cart((product, 3))

    statuses = run_concurrently(merge_as(first, cart_token), merge_as(second, cart_token))

    assert sorted(statuses) == [200, 404]
    assert sorted([cart_state(first), cart_state(second)]) == [[], [(product.pk, 3)]]
    assert not guest_cart_exists(guest)


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_two_merges_of_one_guest_cart_by_the_same_user_merge_it_once():
    buyer = UserFactory()
    product = ProductFactory(stock=10)
    cart_token, _ = guest_cart((product, 3))

    statuses = run_concurrently(*[merge_as(buyer, cart_token)] * 4)

    assert sorted(statuses) == [200, 404, 404, 404]
    assert cart_state(buyer) == [(product.pk, 3)]
