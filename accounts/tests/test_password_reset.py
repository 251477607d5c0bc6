"""Password reset: a link by email that works once, expires, and ends every session; the request never reveals
whether an account has the address."""

import pytest
from django.core import mail
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts import services
from accounts.account_tokens import email_verification_tokens, password_reset_tokens, uid_encode
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.links import link_of, link_params, params_made_at
from conftest import ROLES
from core.tests.concurrency import run_concurrently

RESET = "/api/auth/password/reset/"
CONFIRM = "/api/auth/password/reset/confirm/"
NEW_PASSWORD = "Mango-River-Lantern-77"
ACCEPTED = {"detail": "If an account has this email address, we have sent it a link to reset the password."}


def ask_reset(client, email, ip="198.51.100.1"):
    return client.post(RESET, {"email": email}, format="json", REMOTE_ADDR=ip)


def confirm(params: dict, new_password: str = NEW_PASSWORD, client=None):
    return (client or APIClient()).post(CONFIRM, {**params, "new_password": new_password}, format="json")


def login(username: str, password: str):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")


def password_of(user: User) -> str:
    return User.objects.values_list("password", flat=True).get(pk=user.pk)


@pytest.fixture
def reset_params(customer, committed) -> dict[str, str]:
    """`{uid, token}` of the link emailed to carol."""
    with committed():
        assert ask_reset(APIClient(), customer.email).status_code == 202
    (message,) = mail.outbox
    mail.outbox.clear()
    return link_params(message)


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "password_reset": "3/hour",
            "password_reset_email": "2/hour",
        },
    }


# --- asking for a link ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_answer_is_the_same_for_a_known_and_an_unknown_email(api_client, customer, committed):
    with committed():
        known = ask_reset(api_client, "carol@example.com")
    with committed():
        unknown = ask_reset(api_client, "nobody@example.com")

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (202, ACCEPTED)
    assert [message.to for message in mail.outbox] == [["carol@example.com"]]


@pytest.mark.django_db
def test_the_request_does_the_same_work_for_a_known_and_an_unknown_email(
    api_client, customer, django_assert_max_num_queries, django_capture_on_commit_callbacks, settings
):
    """The same queries (none about users), and one job left for after the commit, either way: the lookup
    happens in the job. Request logging is off: without Redis it writes its own row, a different one each time."""
    settings.REQUEST_LOGGING_ENABLED = False
    ask_reset(api_client, "warm-up@example.com")  # the middleware's blacklist snapshot is read on the first request
    work = []
    for email in ("carol@example.com", "nobody@example.com"):
        with django_assert_max_num_queries(5) as queries, django_capture_on_commit_callbacks() as callbacks:
            ask_reset(api_client, email)
        work.append(([query["sql"] for query in queries.captured_queries], len(callbacks)))

    assert work[0] == work[1]
    assert not any("accounts_user" in sql for sql in work[0][0])
    assert work[0][1] == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_email_carries_a_storefront_link_in_text_and_html(api_client, customer, committed, settings):
    settings.STOREFRONT_URL = "https://shop.example.com/"

    with committed():
        ask_reset(api_client, "Carol@EXAMPLE.com")

    (message,) = mail.outbox
    assert (message.to, message.subject) == (["carol@example.com"], "Reset your password")
    assert link_of(message).startswith(
        f"https://shop.example.com/reset-password?uid={uid_encode(user=customer)}&token="
    )
    assert ("text/html" in message.alternatives[0][1]) and "Hello carol" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_anyone_may_ask_and_gets_the_same_answer(client_as, customer, committed, role):
    with committed():
        response = ask_reset(client_as(role), "carol@example.com")

    assert (response.status_code, response.json()) == (202, ACCEPTED)
    assert [message.to for message in mail.outbox] == [["carol@example.com"]]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["inactive", "no-password", "deleted"])
def test_accounts_that_cannot_reset_get_no_email_and_the_same_answer(api_client, customer, committed, state):
    if state == "inactive":
        User.objects.filter(pk=customer.pk).update(is_active=False)
    elif state == "no-password":
        customer.set_unusable_password()
        customer.save()
    else:
        services.account_delete(user=customer, password=DEFAULT_PASSWORD)

    with committed():
        response = ask_reset(api_client, "carol@example.com")

    assert (response.status_code, response.json()) == (202, ACCEPTED)
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="missing-email"),
        pytest.param({"email": ""}, id="empty"),
        pytest.param({"email": "not-an-email"}, id="not-an-email"),
        pytest.param({"email": ["carol@example.com"]}, id="a-list"),
        pytest.param({"email": 12}, id="a-number"),
        pytest.param({"email": "x" * 10_000 + "@example.com"}, id="huge"),
        pytest.param({"email": "carol@example.com\x00"}, id="nul-byte"),
    ],
)
def test_bad_emails_are_400_and_send_nothing(api_client, customer, committed, body):
    with committed():
        response = api_client.post(RESET, body, format="json")

    assert response.status_code == 400
    assert "email" in response.json()
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"carol@example.com"'])
def test_malformed_or_non_object_json_is_400(api_client, customer, committed, payload):
    with committed():
        response = api_client.post(RESET, payload, content_type="application/json")

    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.django_db
def test_requests_are_throttled_per_email_address_from_any_ip(api_client, customer, committed, low_rates):
    with committed():
        statuses = [
            ask_reset(api_client, email, ip=f"198.51.100.{n}").status_code
            for n, email in enumerate(["carol@example.com", "CAROL@example.com", "carol@example.com"])
        ]

    assert statuses == [202, 202, 429]
    assert len(mail.outbox) == 2
    throttled = ask_reset(api_client, "carol@example.com", ip="198.51.100.77")
    assert (throttled.status_code, throttled.json()["code"]) == (429, "throttled")
    assert ask_reset(api_client, "other@example.com", ip="198.51.100.78").status_code == 202


@pytest.mark.django_db
def test_unknown_addresses_are_throttled_alike(api_client, low_rates):
    statuses = [ask_reset(api_client, "nobody@example.com", ip=f"198.51.100.{n}").status_code for n in range(3)]

    assert statuses == [202, 202, 429]


@pytest.mark.django_db
def test_requests_are_throttled_per_client_ip(api_client, low_rates):
    statuses = [ask_reset(api_client, f"person{n}@example.com").status_code for n in range(4)]

    assert statuses == [202, 202, 202, 429]
    assert ask_reset(api_client, "person9@example.com", ip="198.51.100.2").status_code == 202


# --- setting the new password -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_link_sets_the_password_and_ends_every_session(customer, reset_params):
    session = login("carol", DEFAULT_PASSWORD).json()

    response = confirm(reset_params)

    assert response.status_code == 204
    assert login("carol", NEW_PASSWORD).status_code == 200
    assert login("carol", DEFAULT_PASSWORD).status_code == 401
    refused = APIClient().post("/api/auth/token/refresh/", {"refresh": session["refresh"]}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (401, "token_not_valid")
    assert BlacklistedToken.objects.filter(token__user=customer).exists()
    stale = APIClient(HTTP_AUTHORIZATION=f"Bearer {session['access']}").get("/api/profile/")
    assert (stale.status_code, stale.json()["code"]) == (401, "password_changed")


@pytest.mark.django_db
def test_following_the_link_verifies_the_email_address(customer, reset_params):
    assert confirm(reset_params).status_code == 204

    customer.refresh_from_db()
    assert customer.email_verified


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_link_works_whoever_sends_it(client_as, customer, reset_params, role):
    response = confirm(reset_params, client=client_as(role))

    assert response.status_code == 204
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_the_link_works_once(customer, reset_params):
    assert confirm(reset_params).status_code == 204
    password = password_of(customer)

    again = confirm(reset_params, new_password="Another-Fresh-Password-9")

    assert (again.status_code, again.json()["code"]) == (400, "invalid_token")
    assert password_of(customer) == password


@pytest.mark.django_db
def test_every_earlier_link_dies_once_one_is_used(customer, committed):
    with committed():
        ask_reset(APIClient(), "carol@example.com")
        ask_reset(APIClient(), "carol@example.com")
    first, second = (link_params(message) for message in mail.outbox)

    assert confirm(second).status_code == 204

    assert confirm(first, new_password="Another-Fresh-Password-9").json()["code"] == "invalid_token"


@pytest.mark.django_db
def test_the_link_dies_when_the_password_changes_otherwise(customer, reset_params):
    services.user_password_change(user=customer, new_password="Changed-By-Hand-31")

    response = confirm(reset_params)

    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    customer.refresh_from_db()
    assert customer.check_password("Changed-By-Hand-31")


@pytest.mark.django_db
def test_the_link_expires(customer, settings):
    settings.PASSWORD_RESET_TIMEOUT = 600
    expired = params_made_at(customer, password_reset_tokens, seconds_ago=601)
    password = password_of(customer)

    response = confirm(expired)

    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    assert password_of(customer) == password
    assert confirm(params_made_at(customer, password_reset_tokens, seconds_ago=600)).status_code == 204


@pytest.mark.django_db
def test_an_inactive_user_cannot_reset(customer, reset_params):
    User.objects.filter(pk=customer.pk).update(is_active=False)
    password = password_of(customer)

    response = confirm(reset_params)

    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    assert password_of(customer) == password


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_the_link_still_works(customer, reset_params):
    password = password_of(customer)

    response = confirm(reset_params, new_password="password")

    assert response.status_code == 400
    assert response.json()["new_password"] == ["This password is too common."]
    assert password_of(customer) == password
    assert confirm(reset_params).status_code == 204


@pytest.mark.django_db
def test_the_password_may_not_resemble_the_username(customer, reset_params):
    response = confirm(reset_params, new_password="carol123")

    assert response.status_code == 400
    assert "new_password" in response.json()


def _other_digit(token: str) -> str:
    return token[:-1] + ("1" if token.endswith("0") else "0")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda params, users: {**params, "uid": uid_encode(user=users["oscar"])}, id="uid-of-another-user"
        ),
        pytest.param(lambda params, users: {**params, "uid": "OTk5OTk5"}, id="uid-of-no-user"),
        pytest.param(lambda params, users: {**params, "uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, id="uid-past-bigint"),
        pytest.param(lambda params, users: {**params, "uid": "YWJj"}, id="uid-not-a-number"),
        pytest.param(lambda params, users: {**params, "uid": "MA"}, id="uid-zero"),
        pytest.param(lambda params, users: {**params, "uid": "!!!"}, id="uid-not-base64"),
        pytest.param(lambda params, users: {**params, "uid": "wrI"}, id="uid-non-ascii-digit"),
        pytest.param(lambda params, users: {**params, "token": _other_digit(params["token"])}, id="token-altered"),
        pytest.param(lambda params, users: {**params, "token": params["token"].split("-")[1]}, id="token-no-timestamp"),
        pytest.param(
            lambda params, users: {**params, "token": "z" * 20 + "-" + params["token"].split("-")[1]},
            id="token-timestamp-huge",
        ),
        pytest.param(
            lambda params, users: {**params, "token": email_verification_tokens.make_token(users["carol"])},
            id="token-of-email-verification",
        ),
    ],
)
def test_a_tampered_link_is_invalid_token_and_changes_nothing(customer, other_customer, reset_params, tamper):
    passwords = (password_of(customer), password_of(other_customer))

    response = confirm(tamper(reset_params, {"carol": customer, "oscar": other_customer}))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This link is invalid or has expired; ask for a new one.",
        "code": "invalid_token",
    }
    assert (password_of(customer), password_of(other_customer)) == passwords


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"token": "x", "new_password": NEW_PASSWORD}, "uid", id="missing-uid"),
        pytest.param({"uid": "x", "new_password": NEW_PASSWORD}, "token", id="missing-token"),
        pytest.param({"uid": "x", "token": "x"}, "new_password", id="missing-password"),
        pytest.param({"uid": ["x"], "token": "x", "new_password": NEW_PASSWORD}, "uid", id="uid-a-list"),
        pytest.param({"uid": "x", "token": {"a": 1}, "new_password": NEW_PASSWORD}, "token", id="token-an-object"),
        pytest.param({"uid": "x" * 10_000, "token": "x", "new_password": NEW_PASSWORD}, "uid", id="huge-uid"),
        pytest.param({"uid": "x", "token": "x" * 10_000, "new_password": NEW_PASSWORD}, "token", id="huge-token"),
        pytest.param({"uid": "x", "token": "x", "new_password": "x" * 10_000}, "new_password", id="huge-password"),
        pytest.param({"uid": "", "token": "x", "new_password": NEW_PASSWORD}, "uid", id="empty-uid"),
        pytest.param({"uid": "x", "token": "x\x00", "new_password": NEW_PASSWORD}, "token", id="nul-byte"),
    ],
)
def test_bad_bodies_are_400_and_change_nothing(customer, body, field):
    password = password_of(customer)

    response = APIClient().post(CONFIRM, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert password_of(customer) == password


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", "12"])
def test_confirm_rejects_malformed_or_non_object_json(customer, payload):
    password = password_of(customer)

    response = APIClient().post(CONFIRM, payload, content_type="application/json")

    assert response.status_code == 400
    assert password_of(customer) == password


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_link_set_one_password():
    user = UserFactory(username="carol")
    params = params_made_at(user, password_reset_tokens, seconds_ago=0)
    passwords = ["First-Racer-Password-1", "Second-Racer-Password-2"]

    responses = run_concurrently(
        *(lambda password=password: confirm(params, new_password=password) for password in passwords)
    )

    assert sorted(response.status_code for response in responses) == [204, 400]
    winner = passwords[[response.status_code for response in responses].index(204)]
    user.refresh_from_db()
    assert user.check_password(winner)
