"""Email verification: registration and an email change send a link; the link works once, expires, and dies
when the address changes; checkout can require a verified address."""

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.account_tokens import email_verification_tokens, password_reset_tokens, uid_encode
from accounts.models import User
from accounts.tests.links import link_of, link_params, params_made_at
from conftest import ROLES
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart, world_state

VERIFY = "/api/auth/email/verify/"
RESEND = "/api/auth/email/resend/"
INVALID_TOKEN = {"detail": "This link is invalid or has expired; ask for a new one.", "code": "invalid_token"}


def verify(params: dict, client=None):
    return (client or APIClient()).post(VERIFY, params, format="json")


def verified_at(user: User):
    return User.objects.values_list("email_verified_at", flat=True).get(pk=user.pk)


def mark_verified(user: User) -> None:
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
    user.refresh_from_db()


@pytest.fixture
def verify_params(customer) -> dict[str, str]:
    return params_made_at(customer, email_verification_tokens, seconds_ago=0)


# --- registration and the link ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_sends_a_verification_link(api_client, committed, settings):
    settings.STOREFRONT_URL = "https://shop.example.com"
    body = {"username": "amina", "email": "amina@example.com", "password": "Plum-Tree-Harbour-42"}

    with committed():
        assert api_client.post("/api/auth/register/", body, format="json").status_code == 201

    amina = User.objects.get(username="amina")
    assert not amina.email_verified
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["amina@example.com"], "Confirm your email address")
    assert link_of(message).startswith(f"https://shop.example.com/verify-email?uid={uid_encode(user=amina)}&token=")

    response = verify(link_params(message))

    assert (response.status_code, response.json()) == (200, {"email": "amina@example.com", "email_verified": True})
    amina.refresh_from_db()
    assert amina.email_verified


@pytest.mark.django_db
def test_a_failed_registration_sends_nothing(api_client, customer, committed):
    body = {"username": "carol", "email": "fresh@example.com", "password": "Plum-Tree-Harbour-42"}

    with committed():
        assert api_client.post("/api/auth/register/", body, format="json").status_code == 400

    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_profile_shows_whether_the_email_is_verified(client_as, user_as, role):
    user = user_as(role)
    if user is None:
        assert client_as(role).get("/api/profile/").status_code == 401
        return
    assert client_as(role).get("/api/profile/").json()["email_verified"] is False

    mark_verified(user)

    assert client_as(role).get("/api/profile/").json()["email_verified"] is True


@pytest.mark.django_db
def test_email_verified_is_read_only_in_the_profile(client_for, customer):
    response = client_for(customer).patch("/api/profile/", {"email_verified": True}, format="json")

    assert response.status_code == 200
    assert verified_at(customer) is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_link_works_whoever_sends_it(client_as, customer, verify_params, role):
    response = verify(verify_params, client=client_as(role))

    assert response.status_code == 200
    assert verified_at(customer) is not None


@pytest.mark.django_db
def test_the_link_works_once(customer, verify_params):
    assert verify(verify_params).status_code == 200
    first = verified_at(customer)

    again = verify(verify_params)

    assert (again.status_code, again.json()) == (400, INVALID_TOKEN)
    assert verified_at(customer) == first


@pytest.mark.django_db
def test_the_link_expires(customer, settings):
    settings.PASSWORD_RESET_TIMEOUT = 600

    response = verify(params_made_at(customer, email_verification_tokens, seconds_ago=601))

    assert (response.status_code, response.json()) == (400, INVALID_TOKEN)
    assert verified_at(customer) is None
    assert verify(params_made_at(customer, email_verification_tokens, seconds_ago=600)).status_code == 200


@pytest.mark.django_db
def test_an_inactive_user_cannot_verify(customer, verify_params):
    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert verify(verify_params).json() == INVALID_TOKEN
    assert verified_at(customer) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda params, users: {**params, "uid": uid_encode(user=users["oscar"])}, id="uid-of-another-user"
        ),
        pytest.param(lambda params, users: {**params, "uid": "OTk5OTk5"}, id="uid-of-no-user"),
        pytest.param(lambda params, users: {**params, "uid": "!!!"}, id="uid-not-base64"),
        pytest.param(lambda params, users: {**params, "token": params["token"][::-1]}, id="token-reversed"),
        pytest.param(lambda params, users: {**params, "token": "nonsense"}, id="token-nonsense"),
        pytest.param(
            lambda params, users: {**params, "token": password_reset_tokens.make_token(users["carol"])},
            id="token-of-password-reset",
        ),
    ],
)
def test_a_tampered_link_is_invalid_token_and_changes_nothing(customer, other_customer, verify_params, tamper):
    response = verify(tamper(verify_params, {"carol": customer, "oscar": other_customer}))

    assert (response.status_code, response.json()) == (400, INVALID_TOKEN)
    assert verified_at(customer) is None and verified_at(other_customer) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"token": "x"}, "uid", id="missing-uid"),
        pytest.param({"uid": "x"}, "token", id="missing-token"),
        pytest.param({"uid": 12, "token": ["x"]}, "token", id="token-a-list"),
        pytest.param({"uid": {"a": 1}, "token": "x"}, "uid", id="uid-an-object"),
        pytest.param({"uid": "x" * 10_000, "token": "x"}, "uid", id="huge-uid"),
        pytest.param({"uid": "x", "token": "x" * 10_000}, "token", id="huge-token"),
        pytest.param({"uid": "x\x00", "token": "x"}, "uid", id="nul-byte"),
    ],
)
def test_bad_bodies_are_400_and_change_nothing(customer, body, field):
    response = APIClient().post(VERIFY, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert verified_at(customer) is None


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null"])
def test_verify_rejects_malformed_or_non_object_json(customer, payload):
    response = APIClient().post(VERIFY, payload, content_type="application/json")

    assert response.status_code == 400
    assert verified_at(customer) is None


# --- changing the email -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_email_is_unverified_and_gets_its_own_link(client_for, customer, committed):
    mark_verified(customer)

    with committed():
        response = client_for(customer).patch("/api/profile/", {"email": "carol@new.example.com"}, format="json")

    assert (response.status_code, response.json()["email_verified"]) == (200, False)
    (message,) = mail.outbox
    assert message.to == ["carol@new.example.com"]
    assert verify(link_params(message)).json() == {"email": "carol@new.example.com", "email_verified": True}


@pytest.mark.django_db
def test_a_link_sent_to_the_old_address_dies_with_it(client_for, customer, verify_params):
    client_for(customer).patch("/api/profile/", {"email": "carol@new.example.com"}, format="json")

    assert verify(verify_params).json() == INVALID_TOKEN
    assert verified_at(customer) is None


@pytest.mark.django_db
def test_a_change_of_letter_case_keeps_the_address_verified(client_for, customer, committed):
    mark_verified(customer)

    with committed():
        response = client_for(customer).patch("/api/profile/", {"email": "Carol@Example.com"}, format="json")

    assert (response.json()["email"], response.json()["email_verified"]) == ("Carol@Example.com", True)
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_same_email_or_other_fields_keep_the_verification(client_for, customer, committed):
    mark_verified(customer)

    with committed():
        response = client_for(customer).patch(
            "/api/profile/", {"email": "carol@example.com", "city": "Nairobi"}, format="json"
        )

    assert response.json()["email_verified"] is True
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_refused_email_change_keeps_the_verification(client_for, customer, other_customer, committed):
    mark_verified(customer)

    with committed():
        response = client_for(customer).patch("/api/profile/", {"email": "OSCAR@example.com"}, format="json")

    assert response.status_code == 400
    assert verified_at(customer) is not None
    assert mail.outbox == []


# --- sending the link again -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_resend_sends_a_new_link_to_the_caller(client_as, user_as, committed, role):
    with committed():
        response = client_as(role).post(RESEND, format="json")

    user = user_as(role)
    if user is None:
        assert response.status_code == 401
        assert mail.outbox == []
        return
    assert (response.status_code, response.json()) == (202, {"detail": f"We have sent a new link to {user.email}."})
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert verify(link_params(message)).status_code == 200
    assert verified_at(user) is not None


@pytest.mark.django_db
def test_resend_to_a_verified_address_is_409(client_for, customer, committed):
    mark_verified(customer)

    with committed():
        response = client_for(customer).post(RESEND, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "email_already_verified")
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", '"x"'])
def test_resend_rejects_malformed_or_non_object_json(client_for, customer, committed, payload):
    with committed():
        response = client_for(customer).post(RESEND, payload, content_type="application/json")

    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.django_db
def test_resend_is_throttled_per_user(client_for, customer, other_customer, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "email_verification": "2/hour"},
    }

    statuses = [client_for(customer).post(RESEND, REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(3)]

    assert statuses == [202, 202, 429]
    assert client_for(other_customer).post(RESEND).status_code == 202


# --- checkout -------------------------------------------------------------------------------------------------


@pytest.fixture
def cart(customer):
    fill_cart(customer, (ProductFactory(stock=5), 2))


@pytest.mark.django_db
def test_checkout_refuses_an_unverified_email_when_required(client_for, customer, cart, settings):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT = True
    before = world_state()

    response = client_for(customer).post("/api/checkout/")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Verify your email address first: follow the link we sent you, or ask for a new one.",
        "code": "email_not_verified",
    }
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("required", "verified"),
    [pytest.param(True, True, id="required-and-verified"), pytest.param(False, False, id="not-required")],
)
def test_checkout_places_the_order_otherwise(client_for, customer, cart, settings, required, verified):
    settings.REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT = required
    if verified:
        mark_verified(customer)

    response = client_for(customer).post("/api/checkout/")

    assert response.status_code == 201
