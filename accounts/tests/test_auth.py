import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import CustomerProfile, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.tests.concurrency import run_concurrently

REGISTER_URLS = ["/api/auth/register/", "/api/register/"]
STRONG_PASSWORD = "Plum-Tree-Harbour-42"


def register_body(**overrides) -> dict:
    return {"username": "newbie", "email": "newbie@example.com", "password": STRONG_PASSWORD, **overrides}


def login(client, username: str, password: str = DEFAULT_PASSWORD):
    return client.post("/api/auth/token/", {"username": username, "password": password}, format="json")


# --- register ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", REGISTER_URLS)
def test_register_creates_a_customer_with_a_profile(api_client, url):
    response = api_client.post(url, register_body(), format="json")

    assert response.status_code == 201
    user = User.objects.get(username="newbie")
    assert response.json() == {"id": user.id, "username": "newbie", "email": "newbie@example.com"}
    assert user.role == User.Role.CUSTOMER
    assert not user.is_staff and not user.is_superuser
    assert user.check_password(STRONG_PASSWORD)
    assert CustomerProfile.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_register_ignores_role_and_privilege_fields(api_client):
    body = register_body(role="manager", is_staff=True, is_superuser=True, groups=[1])

    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 201
    user = User.objects.get(username="newbie")
    assert (user.role, user.is_staff, user.is_superuser, user.groups.count()) == ("customer", False, False, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("user_fixture", ["customer", "manager", "admin_user"])
def test_register_works_the_same_for_any_caller(request, client_for, user_fixture):
    client = client_for(request.getfixturevalue(user_fixture))

    response = client.post("/api/auth/register/", register_body(), format="json")

    assert response.status_code == 201
    assert User.objects.get(username="newbie").role == "customer"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"email": "a@example.com", "password": STRONG_PASSWORD}, "username", id="missing-username"),
        pytest.param({"username": "a", "password": STRONG_PASSWORD}, "email", id="missing-email"),
        pytest.param({"username": "a", "email": "a@example.com"}, "password", id="missing-password"),
        pytest.param(register_body(password="123"), "password", id="short-numeric-password"),
        pytest.param(register_body(password="password123"), "password", id="common-password"),
        pytest.param(register_body(password="newbie12"), "password", id="password-like-username"),
        pytest.param(register_body(email="not-an-email"), "email", id="bad-email"),
        pytest.param(register_body(username="has space!"), "username", id="bad-username-chars"),
        pytest.param(register_body(username="x" * 10_000), "username", id="huge-username"),
        pytest.param(register_body(email="x" * 10_000 + "@example.com"), "email", id="huge-email"),
        pytest.param(register_body(password="x" * 10_000), "password", id="huge-password"),
        pytest.param(register_body(username=["list"]), "username", id="username-not-a-string"),
        pytest.param(register_body(username={"a": 1}), "username", id="username-an-object"),
        pytest.param(register_body(username="nul\x00byte"), "username", id="nul-byte"),
    ],
)
def test_register_rejects_bad_input(api_client, body, field):
    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(register_body(username="CAROL", email="fresh@example.com"), id="username-other-case"),
        pytest.param(register_body(username="fresh", email="Carol@Example.COM"), id="email-other-case"),
    ],
)
def test_register_rejects_duplicates_in_any_letter_case(api_client, customer, body):
    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 400
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"text"', "12"])
def test_register_rejects_malformed_or_non_object_json(api_client, payload):
    response = api_client.post("/api/auth/register/", payload, content_type="application/json")

    assert response.status_code == 400
    assert not User.objects.exists()


# --- token ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("user_fixture", ["customer", "manager", "admin_user"])
def test_token_is_issued_to_every_role(request, api_client, user_fixture):
    user = request.getfixturevalue(user_fixture)

    response = login(api_client, user.username)

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    profile = api_client.get("/api/profile/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert profile.json()["username"] == user.username


@pytest.mark.django_db
def test_token_accepts_the_username_in_any_letter_case(api_client, customer):
    assert login(api_client, "CaRoL").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "password"),
    [("carol", "wrong-password"), ("nobody", DEFAULT_PASSWORD), ("carol", "x" * 10_000)],
    ids=["wrong-password", "unknown-user", "huge-password"],
)
def test_token_refuses_wrong_credentials_with_401(api_client, customer, username, password):
    response = login(api_client, username, password)

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


@pytest.mark.django_db
def test_token_refuses_an_inactive_user(api_client, customer):
    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert login(api_client, "carol").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{}, {"username": "carol"}, {"password": "x"}, {"username": ["carol"], "password": 5}],
    ids=["empty", "no-password", "no-username", "wrong-types"],
)
def test_token_rejects_bad_bodies_with_400(api_client, customer, body):
    response = api_client.post("/api/auth/token/", body, format="json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_token_rejects_malformed_json(api_client):
    response = api_client.post("/api/auth/token/", "{oops", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# --- refresh ----------------------------------------------------------------------------------------------


def refresh(client, token: str):
    return client.post("/api/auth/token/refresh/", {"refresh": token}, format="json")


@pytest.mark.django_db
def test_refresh_rotates_and_revokes_the_presented_token(api_client, customer):
    first = login(api_client, "carol").json()

    rotated = refresh(api_client, first["refresh"])

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    reused = refresh(api_client, first["refresh"])
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    assert refresh(api_client, rotated.json()["refresh"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{}, {"refresh": ""}, {"refresh": 12}, {"refresh": "not.a.token"}, {"refresh": "x" * 10_000}],
    ids=["missing", "empty", "number", "garbage", "huge"],
)
def test_refresh_rejects_bad_tokens(api_client, body):
    response = api_client.post("/api/auth/token/refresh/", body, format="json")

    assert response.status_code in (400, 401)


@pytest.mark.django_db
def test_refresh_refuses_an_access_token(api_client, customer):
    access = login(api_client, "carol").json()["access"]

    assert refresh(api_client, access).status_code == 401


@pytest.mark.django_db
def test_refresh_refuses_a_deleted_or_deactivated_user(api_client, customer):
    token = login(api_client, "carol").json()["refresh"]
    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert refresh(api_client, token).status_code == 401


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_ten_parallel_refreshes_of_one_token_let_exactly_one_through():
    from rest_framework.test import APIClient

    UserFactory(username="racer")
    token = str(RefreshToken.for_user(User.objects.get(username="racer")))

    statuses = run_concurrently(*[lambda: refresh(APIClient(), token).status_code] * 10)

    assert sorted(statuses) == [200] + [401] * 9


# --- logout -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logout_revokes_the_refresh_token(api_client, customer):
    tokens = login(api_client, "carol").json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    response = api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 205
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    again = api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401


@pytest.mark.django_db
def test_logout_requires_authentication(api_client, customer):
    tokens = login(api_client, "carol").json()

    response = api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert refresh(api_client, tokens["refresh"]).status_code == 200


@pytest.mark.django_db
def test_logout_refuses_another_users_token(client_for, customer, other_customer):
    victim_refresh = str(RefreshToken.for_user(other_customer))

    response = client_for(customer).post("/api/auth/logout/", {"refresh": victim_refresh}, format="json")

    assert response.status_code == 401
    assert refresh(client_for(None), victim_refresh).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"refresh": "junk"}, {"refresh": ["a"]}], ids=["missing", "junk", "list"])
def test_logout_rejects_bad_input(client_for, customer, body):
    response = client_for(customer).post("/api/auth/logout/", body, format="json")

    assert response.status_code in (400, 401)


# --- profile ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/profile/", "/api/auth/profile/"])
@pytest.mark.parametrize("user_fixture", ["customer", "manager", "admin_user"])
def test_profile_is_readable_by_every_role(request, client_for, url, user_fixture):
    user = request.getfixturevalue(user_fixture)

    response = client_for(user).get(url)

    assert response.status_code == 200
    assert response.json() == {
        "username": user.username,
        "email": user.email,
        "email_verified": False,
        "role": user.role,
        "phone": "",
        "address": "",
        "city": "",
        "country": "",
        "postal_code": "",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_profile_refuses_anonymous(api_client, method):
    response = getattr(api_client, method)("/api/profile/", {}, format="json")

    assert response.status_code == 401


@pytest.mark.django_db
def test_profile_patch_updates_shipping_details_but_not_username_or_role(client_for, customer):
    body = {"username": "hacker", "role": "manager", "city": "Nairobi", "phone": "+254700000000", "email": "c@x.io"}

    response = client_for(customer).patch("/api/profile/", body, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.username, customer.role, customer.email) == ("carol", "customer", "c@x.io")
    assert (customer.profile.city, customer.profile.phone) == ("Nairobi", "+254700000000")


@pytest.mark.django_db
def test_profile_put_replaces_the_details(client_for, customer):
    body = {"email": "carol@example.com", "phone": "1", "address": "2 Main St", "city": "Mombasa", "country": "KE"}

    response = client_for(customer).put("/api/profile/", {**body, "postal_code": "80100"}, format="json")

    assert response.status_code == 200
    assert response.json()["postal_code"] == "80100"
    assert CustomerProfile.objects.get(user=customer).address == "2 Main St"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"email": "OSCAR@example.com"}, id="email-of-another-user"),
        pytest.param({"email": "nope"}, id="bad-email"),
        pytest.param({"city": "x" * 10_000}, id="huge-city"),
        pytest.param({"phone": ["1"]}, id="phone-not-a-string"),
        pytest.param({"postal_code": "1\x00"}, id="nul-byte"),
    ],
)
def test_profile_rejects_bad_input_and_changes_nothing(client_for, customer, other_customer, body):
    response = client_for(customer).patch("/api/profile/", body, format="json")

    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.email == "carol@example.com"
    assert CustomerProfile.objects.get(user=customer).city == ""


@pytest.mark.django_db
def test_profile_rejects_malformed_json(client_for, customer):
    response = client_for(customer).patch("/api/profile/", "{", content_type="application/json")

    assert response.status_code == 400
