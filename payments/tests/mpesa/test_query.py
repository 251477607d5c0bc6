import json
from decimal import Decimal

import pytest

from payments.providers.base import PaymentOutcome, ProviderError
from payments.tests.fakes.daraja import STK_QUERY_PATH
from payments.tests.mpesa.conftest import payment_request, provider_for


@pytest.fixture
def checkout_id(provider) -> str:
    return provider.start(payment_request()).reference


def test_the_query_names_the_checkout_request_with_a_fresh_password(provider, daraja, checkout_id):
    provider.query(reference=checkout_id)

    [query] = daraja.requests_to(STK_QUERY_PATH)
    assert set(query.json) == {"BusinessShortCode", "Password", "Timestamp", "CheckoutRequestID"}
    assert query.json["BusinessShortCode"] == "174379"
    assert query.json["CheckoutRequestID"] == checkout_id


def test_a_request_the_customer_has_not_answered_is_pending(provider, checkout_id):
    result = provider.query(reference=checkout_id)

    assert result.outcome == PaymentOutcome.PENDING
    assert result.details["errorCode"] == "500.001.1001"


def test_result_code_zero_is_a_success(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 0)

    result = provider.query(reference=checkout_id)

    assert result.outcome == PaymentOutcome.SUCCEEDED
    assert (result.failure_code, result.failure_message) == ("", "")
    assert result.details["CheckoutRequestID"] == checkout_id


@pytest.mark.parametrize(
    ("result_code", "description"),
    [
        pytest.param(1032, "Request cancelled by user", id="cancelled-by-the-customer"),
        pytest.param(1037, "DS timeout user cannot be reached", id="phone-unreachable"),
        pytest.param(1, "The balance is insufficient for the transaction.", id="insufficient-funds"),
        pytest.param(2001, "The initiator information is invalid.", id="wrong-pin"),
        pytest.param(1025, "An error occurred while sending a push request", id="any-other-code"),
    ],
)
def test_a_non_zero_result_code_is_a_failure_with_its_code_and_description(
    provider, daraja, checkout_id, result_code, description
):
    daraja.complete(checkout_id, result_code, result_desc=description)

    result = provider.query(reference=checkout_id)

    assert result.outcome == PaymentOutcome.FAILED
    assert (result.failure_code, result.failure_message) == (str(result_code), description)


def test_result_code_4999_still_under_processing_is_pending(provider, daraja, checkout_id):
    daraja.fail_api(
        200,
        json.dumps(
            {
                "ResponseCode": "0",
                "ResponseDescription": "The service request has been accepted successsfully",
                "MerchantRequestID": "29115-34620561-1",
                "CheckoutRequestID": checkout_id,
                "ResultCode": "4999",
                "ResultDesc": "The transaction is still under processing",
            }
        ),
    )

    assert provider.query(reference=checkout_id).outcome == PaymentOutcome.PENDING


def test_wrong_credentials_share_the_pending_error_code_but_are_a_provider_error(daraja, checkout_id):
    provider = provider_for(daraja, passkey="another-passkey")

    with pytest.raises(ProviderError) as failed:
        provider.query(reference=checkout_id)

    assert failed.value.code == "500.001.1001"
    assert "Wrong credentials" in str(failed.value)


def test_an_unknown_checkout_request_is_a_provider_error(provider):
    with pytest.raises(ProviderError) as failed:
        provider.query(reference="ws_CO_01012026000000000254700000000")

    assert failed.value.code == "400.002.02"


def test_daraja_down_is_a_provider_error(provider, daraja, checkout_id):
    daraja.fail_api(500)

    with pytest.raises(ProviderError) as failed:
        provider.query(reference=checkout_id)

    assert failed.value.code == "500.003.1001"


def test_refunds_are_refused_with_an_explanation(provider, daraja):
    with pytest.raises(ProviderError) as refused:
        provider.refund(
            reference="ws_CO_01012026000000000254712345678", amount=Decimal("100"), currency="KES", refund_id=3
        )

    assert refused.value.code == "refund_not_supported"
    assert "reversal" in str(refused.value)
    assert daraja.requests == []
