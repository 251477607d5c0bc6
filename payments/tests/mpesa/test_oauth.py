import base64

import pytest
from django.core.cache import cache

from payments.providers.base import ProviderError
from payments.tests.fakes.daraja import OAUTH_PATH, STK_PUSH_PATH, FakeDaraja
from payments.tests.mpesa.conftest import payment_request, provider_for, secrets_seen_by


def test_the_token_is_asked_for_with_the_consumer_key_and_secret(provider, daraja):
    provider.start(payment_request())

    [oauth] = daraja.requests_to(OAUTH_PATH)
    credentials = base64.b64encode(f"{daraja.consumer_key}:{daraja.consumer_secret}".encode()).decode()
    assert oauth.method == "GET"
    assert oauth.query == {"grant_type": ["client_credentials"]}
    assert oauth.headers["authorization"] == f"Basic {credentials}"


def test_one_token_serves_many_requests_and_provider_instances(provider, daraja):
    provider.start(payment_request())
    provider.start(payment_request())
    provider_for(daraja).start(payment_request())

    assert len(daraja.requests_to(OAUTH_PATH)) == 1
    pushes = daraja.requests_to(STK_PUSH_PATH)
    assert len(pushes) == 3
    assert len({push.headers["authorization"] for push in pushes}) == 1


def test_a_token_about_to_expire_is_not_reused():
    with FakeDaraja(token_lifetime_seconds=60) as daraja:
        provider = provider_for(daraja)

        provider.start(payment_request())
        provider.start(payment_request())

        assert len(daraja.requests_to(OAUTH_PATH)) == 2
        assert cache.get(provider.token_cache_key) is None


def test_a_token_daraja_no_longer_takes_is_replaced_and_the_call_retried_once(provider, daraja):
    provider.start(payment_request())
    daraja.expire_tokens()

    result = provider.start(payment_request())

    assert result.reference.startswith("ws_CO_")
    assert len(daraja.requests_to(OAUTH_PATH)) == 2
    first, refused, retried = daraja.requests_to(STK_PUSH_PATH)
    assert refused.headers["authorization"] == first.headers["authorization"]
    assert retried.headers["authorization"] != refused.headers["authorization"]
    assert cache.get(provider.token_cache_key) == retried.headers["authorization"].removeprefix("Bearer ")


def test_a_second_401_is_a_provider_error_not_a_loop():
    with FakeDaraja(token_lifetime_seconds=0) as daraja:
        provider = provider_for(daraja)

        with pytest.raises(ProviderError) as failed:
            provider.start(payment_request())

        assert failed.value.code == "404.001.03"
        assert "Invalid Access Token" in str(failed.value)
        assert len(daraja.requests_to(OAUTH_PATH)) == 2
        assert len(daraja.requests_to(STK_PUSH_PATH)) == 2


def test_wrong_consumer_credentials_are_a_provider_error_without_the_secret(daraja, caplog):
    provider = provider_for(daraja, consumer_secret="a-wrong-consumer-secret")

    with caplog.at_level("DEBUG"), pytest.raises(ProviderError) as failed:
        provider.start(payment_request())

    assert failed.value.code == "400.008.01"
    assert daraja.requests_to(STK_PUSH_PATH) == []
    assert cache.get(provider.token_cache_key) is None
    for secret in ["a-wrong-consumer-secret", *secrets_seen_by(daraja)]:
        assert secret not in str(failed.value)
        assert secret not in caplog.text
