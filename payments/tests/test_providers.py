"""`GET /api/payments/providers/`: which providers this shop takes and what a client needs to offer them, for
everyone, without a secret."""

import json

import pytest

from conftest import ROLES
from payments.tests.conftest import CALLBACK_TOKEN, WEBHOOK_SECRET

PROVIDERS = "/api/payments/providers/"


@pytest.fixture
def nothing_configured(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.MPESA_CONSUMER_KEY = ""
    settings.PAYMENTS_FAKE_PROVIDER = False


def providers(client) -> list[dict]:
    response = client.get(PROVIDERS)
    assert response.status_code == 200, response.content
    return response.json()["providers"]


@pytest.mark.django_db
def test_with_no_provider_configured_the_list_is_empty(client_for, nothing_configured):
    assert providers(client_for(None)) == []


@pytest.mark.django_db
def test_the_development_provider_alone(client_for, nothing_configured, settings):
    settings.PAYMENTS_FAKE_PROVIDER = True

    assert providers(client_for(None)) == [{"id": "fake"}]


@pytest.mark.django_db
def test_stripe_comes_with_its_publishable_key_and_where_stripe_js_is(
    client_for, nothing_configured, stripe_server, settings
):
    settings.STRIPE_JS_URL = "https://js.stripe.example/v3/"

    assert providers(client_for(None)) == [
        {"id": "stripe", "publishable_key": "pk_test_duka", "js_url": "https://js.stripe.example/v3/"}
    ]


@pytest.mark.django_db
def test_mpesa_needs_nothing_more_than_its_name(client_for, nothing_configured, daraja):
    assert providers(client_for(None)) == [{"id": "mpesa"}]


@pytest.mark.django_db
def test_every_configured_provider_in_the_order_to_offer_them(client_for, stripe_server, daraja, settings):
    settings.PAYMENTS_FAKE_PROVIDER = True

    assert [provider["id"] for provider in providers(client_for(None))] == ["stripe", "mpesa", "fake"]


@pytest.mark.django_db
def test_no_secret_is_in_the_answer(client_for, stripe_server, daraja, settings):
    body = client_for(None).get(PROVIDERS).content.decode()

    secrets = [
        settings.STRIPE_SECRET_KEY,
        WEBHOOK_SECRET,
        settings.MPESA_CONSUMER_KEY,
        settings.MPESA_CONSUMER_SECRET,
        settings.MPESA_PASSKEY,
        CALLBACK_TOKEN,
    ]
    assert all(secret and secret not in body for secret in secrets)
    assert "sk_" not in body and "whsec_" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_same_list(client_as, stripe_server, role, django_assert_max_num_queries):
    client = client_as(role)

    # The only query is the security middleware's blacklist snapshot: the list comes from settings.
    with django_assert_max_num_queries(1):
        response = client.get(PROVIDERS)

    assert response.status_code == 200
    assert response.json() == {
        "providers": [
            {"id": "stripe", "publishable_key": "pk_test_duka", "js_url": "https://js.stripe.com/v3/"},
            {"id": "fake"},
        ]
    }


@pytest.mark.django_db
def test_a_stale_token_does_not_stop_the_read(api_client):
    response = api_client.get(PROVIDERS, HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_list_is_read_only(api_client, method):
    response = getattr(api_client, method)(PROVIDERS, json.dumps({"id": "stripe"}), content_type="application/json")

    assert response.status_code == 405
