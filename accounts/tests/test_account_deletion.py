"""Deleting one's account: anonymised for good, logged out everywhere, orders kept for the books."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Address, CustomerProfile, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from store.models import CartItem, Order, WishlistItem
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart, place_order

PROFILE_URLS = ["/api/profile/", "/api/auth/profile/"]


def login(username: str, password: str = DEFAULT_PASSWORD):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")


def bearer(access: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {access}")


def delete_account(client, body, url="/api/profile/", **kwargs):
    return client.delete(url, body, format="json", **kwargs)


def account_state(user: User) -> tuple:
    """Everything a refused deletion must leave as it was."""
    return (
        User.objects.filter(pk=user.pk).values_list(
            "username", "email", "email_verified_at", "first_name", "last_name", "password", "is_active"
        )[0],
        CustomerProfile.objects.filter(user=user).values_list("phone", "address", "city", "country", "postal_code")[0],
        BlacklistedToken.objects.filter(token__user=user).count(),
    )


@pytest.fixture
def carol(customer):
    """Carol with names, shipping details and a verified address."""
    User.objects.filter(pk=customer.pk).update(first_name="Carol", last_name="Njeri", email_verified_at=timezone.now())
    CustomerProfile.objects.filter(user=customer).update(
        phone="+254700000001", address="1 Moi Avenue", city="Nairobi", country="Kenya", postal_code="00100"
    )
    customer.refresh_from_db()
    return customer


@pytest.mark.django_db
@pytest.mark.parametrize("url", PROFILE_URLS)
def test_deleting_anonymises_the_account_and_ends_every_session(carol, url):
    phone, laptop = login("carol").json(), login("carol").json()

    response = delete_account(bearer(phone["access"]), {"password": DEFAULT_PASSWORD}, url=url)

    assert response.status_code == 204
    carol.refresh_from_db()
    assert (carol.username, carol.email, carol.first_name, carol.last_name) == (f"deleted:{carol.pk}", "", "", "")
    assert (carol.email_verified_at, carol.is_active, carol.has_usable_password()) == (None, False, False)
    profile = CustomerProfile.objects.get(user=carol)
    assert (profile.phone, profile.address, profile.city, profile.country, profile.postal_code) == ("",) * 5
    assert (
        BlacklistedToken.objects.filter(token__user=carol).count()
        == OutstandingToken.objects.filter(user=carol).count()
    )
    for session in (phone, laptop):
        refused = APIClient().post("/api/auth/token/refresh/", {"refresh": session["refresh"]}, format="json")
        assert refused.status_code == 401
        assert bearer(session["access"]).get("/api/profile/").status_code == 401
    assert login("carol").status_code == 401
    assert login(f"deleted:{carol.pk}").status_code == 401


@pytest.mark.django_db
def test_orders_are_kept_with_their_shipping_details(client_for, carol):
    order = place_order(carol, (ProductFactory(stock=5), 1))

    assert delete_account(client_for(carol), {"password": DEFAULT_PASSWORD}).status_code == 204

    order = Order.objects.get(pk=order.pk)
    assert order.user_id == carol.pk
    assert (order.phone, order.address, order.city, order.postal_code) == (
        "+254700000001",
        "1 Moi Avenue",
        "Nairobi",
        "00100",
    )


@pytest.mark.django_db
def test_the_address_book_cart_and_wishlist_go_with_the_account(client_for, carol, other_customer):
    product = ProductFactory(stock=5)
    for user in (carol, other_customer):
        Address.objects.create(
            user=user, name="X", phone="+254700000000", line1="1 Moi Avenue", city="Nairobi", country="KE"
        )
        fill_cart(user, (product, 1))
        WishlistItem.objects.create(user=user, product=product)

    assert delete_account(client_for(carol), {"password": DEFAULT_PASSWORD}).status_code == 204

    for model in (Address, CartItem, WishlistItem):
        assert not model.objects.filter(**{"cart__user" if model is CartItem else "user": carol}).exists()
        assert model.objects.filter(**{"cart__user" if model is CartItem else "user": other_customer}).exists()


@pytest.mark.django_db
def test_the_name_and_address_are_free_again_and_deleted_accounts_do_not_collide(client_for, carol):
    second = UserFactory(username="dave")
    for user in (carol, second):
        assert delete_account(client_for(user), {"password": DEFAULT_PASSWORD}).status_code == 204

    body = {"username": "carol", "email": "carol@example.com", "password": "Plum-Tree-Harbour-42"}
    response = APIClient().post("/api/auth/register/", body, format="json")

    assert response.status_code == 201
    assert User.objects.filter(email="").count() == 2


@pytest.mark.django_db
def test_another_customer_is_untouched(client_for, carol, other_customer):
    before = account_state(other_customer)

    assert delete_account(client_for(carol), {"password": DEFAULT_PASSWORD}).status_code == 204

    assert account_state(other_customer) == before
    assert login("oscar").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_staff_accounts_are_refused(client_as, user_as, role):
    user = user_as(role)
    before = account_state(user)

    response = delete_account(client_as(role), {"password": DEFAULT_PASSWORD})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Staff accounts cannot be deleted through the API; ask an administrator.",
        "code": "account_not_deletable",
    }
    assert account_state(user) == before


@pytest.mark.django_db
def test_anonymous_is_401(api_client, customer):
    before = account_state(customer)

    assert delete_account(api_client, {"password": DEFAULT_PASSWORD}).status_code == 401
    assert account_state(customer) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"password": "wrong-password"}, id="wrong-password"),
        pytest.param({}, id="missing-password"),
        pytest.param(None, id="no-body"),
        pytest.param({"password": ""}, id="empty"),
        pytest.param({"password": [DEFAULT_PASSWORD]}, id="a-list"),
        pytest.param({"password": 12}, id="a-number"),
        pytest.param({"password": "x" * 10_000}, id="huge"),
        pytest.param({"password": DEFAULT_PASSWORD + "\x00"}, id="nul-byte"),
    ],
)
def test_without_the_right_password_nothing_changes(client_for, carol, body):
    before = account_state(carol)

    response = delete_account(client_for(carol), body)

    assert response.status_code == 400
    assert "password" in response.json()
    assert account_state(carol) == before


@pytest.mark.django_db
def test_a_wrong_password_says_so(client_for, carol):
    response = delete_account(client_for(carol), {"password": "wrong-password"})

    assert response.json() == {"password": ["Your password was entered incorrectly."]}


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", f'"{DEFAULT_PASSWORD}"'])
def test_malformed_or_non_object_json_changes_nothing(client_for, carol, payload):
    before = account_state(carol)

    response = client_for(carol).delete("/api/profile/", payload, content_type="application/json")

    assert response.status_code == 400
    assert account_state(carol) == before


@pytest.mark.django_db
def test_password_guesses_are_throttled_per_user(client_for, carol, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "2/minute"},
    }
    client = client_for(carol)

    statuses = [
        delete_account(client, {"password": f"guess-{n}"}, REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(3)
    ]

    assert statuses == [400, 400, 429]
    assert delete_account(client, {"password": DEFAULT_PASSWORD}).status_code == 429
    assert client.get("/api/profile/").status_code == 200, "reading the profile is not throttled"
    assert User.objects.get(pk=carol.pk).is_active
