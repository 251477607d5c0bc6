import base64
import json
import re
from datetime import datetime

import pytest

from payments.providers import provider_get
from payments.providers.base import PaymentRequestInvalid, ProviderError
from payments.providers.mpesa import MpesaProvider
from payments.tests.fakes.daraja import NAIROBI, STK_PUSH_PATH
from payments.tests.mpesa.conftest import (
    CALLBACK_TOKEN,
    payment_request,
    provider_for,
    secrets_seen_by,
    unused_local_url,
)


def test_a_push_sends_daraja_the_full_request_and_returns_the_checkout_id(provider, daraja):
    result = provider.start(payment_request(amount="1500.00", phone="+254 712 345 678", order_id=12))

    [push] = daraja.requests_to(STK_PUSH_PATH)
    sent = push.json
    assert push.headers["authorization"].startswith("Bearer ")
    assert sent == {
        "BusinessShortCode": "174379",
        "Password": sent["Password"],
        "Timestamp": sent["Timestamp"],
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1500,
        "PartyA": "254712345678",
        "PartyB": "174379",
        "PhoneNumber": "254712345678",
        "CallBackURL": f"https://shop.example.com/api/payments/webhooks/mpesa/{CALLBACK_TOKEN}/",
        "AccountReference": "Order 12",
        "TransactionDesc": "Order 12",
    }
    assert re.fullmatch(r"ws_CO_\d{17}254712345678", result.reference)
    assert result.next_action == {"type": "mpesa_stk_push", "message": "Success. Request accepted for processing"}


def test_the_password_is_shortcode_passkey_and_the_nairobi_timestamp(provider, daraja):
    before = datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S")
    provider.start(payment_request())
    after = datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S")

    [push] = daraja.requests_to(STK_PUSH_PATH)
    timestamp = push.json["Timestamp"]
    assert re.fullmatch(r"\d{14}", timestamp)
    assert before <= timestamp <= after
    expected = base64.b64encode(f"{daraja.shortcode}{daraja.passkey}{timestamp}".encode()).decode()
    assert push.json["Password"] == expected


def test_daraja_refuses_a_password_made_with_another_passkey(daraja):
    provider = provider_for(daraja, passkey="not-the-passkey-safaricom-issued")

    with pytest.raises(ProviderError) as failed:
        provider.start(payment_request())

    assert failed.value.code == "500.001.1001"
    assert "Wrong credentials" in str(failed.value)
    assert "not-the-passkey-safaricom-issued" not in str(failed.value)


def test_a_long_order_id_is_the_whole_account_reference_and_the_description_is_cut_to_13(provider, daraja):
    provider.start(payment_request(order_id=123456789, description="Duka order 123456789"))

    [push] = daraja.requests_to(STK_PUSH_PATH)
    assert push.json["AccountReference"] == "123456789"
    assert push.json["TransactionDesc"] == "Duka order 12"


def test_an_invalid_attempt_never_reaches_daraja(provider, daraja):
    with pytest.raises(PaymentRequestInvalid) as refused:
        provider.start(payment_request(amount="10.50"))

    assert refused.value.code == "amount_not_payable"
    assert daraja.requests == []


def test_the_provider_from_settings_pushes_to_the_configured_daraja(settings, daraja):
    settings.MPESA_API_BASE = daraja.url
    settings.MPESA_CONSUMER_KEY = daraja.consumer_key
    settings.MPESA_CONSUMER_SECRET = daraja.consumer_secret
    settings.MPESA_SHORTCODE = daraja.shortcode
    settings.MPESA_PASSKEY = daraja.passkey
    settings.MPESA_TRANSACTION_TYPE = "CustomerBuyGoodsOnline"
    settings.MPESA_CALLBACK_BASE_URL = "https://duka.example.co.ke/"
    settings.MPESA_CALLBACK_TOKEN = CALLBACK_TOKEN

    provider = provider_get("mpesa")
    provider.start(payment_request())

    assert isinstance(provider, MpesaProvider)
    [push] = daraja.requests_to(STK_PUSH_PATH)
    assert push.json["TransactionType"] == "CustomerBuyGoodsOnline"
    assert push.json["CallBackURL"] == f"https://duka.example.co.ke/api/payments/webhooks/mpesa/{CALLBACK_TOKEN}/"


def error_checked(provider, daraja, caplog) -> ProviderError:
    """The ProviderError of a push, after checking that no secret reached its message or the log."""
    with caplog.at_level("DEBUG"), pytest.raises(ProviderError) as failed:
        provider.start(payment_request())
    for secret in secrets_seen_by(daraja):
        assert secret not in str(failed.value)
        assert secret not in caplog.text
    return failed.value


def test_daraja_s_error_shape_becomes_a_provider_error_with_its_code(provider, daraja, caplog):
    daraja.fail_api(
        400,
        json.dumps(
            {"requestId": "1-2-3", "errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid PhoneNumber"}
        ),
    )

    error = error_checked(provider, daraja, caplog)

    assert error.code == "400.002.02"
    assert "Bad Request - Invalid PhoneNumber" in str(error)


def test_a_response_code_other_than_zero_is_a_provider_error(provider, daraja, caplog):
    daraja.fail_api(200, json.dumps({"ResponseCode": "1", "ResponseDescription": "Rejected by the system"}))

    error = error_checked(provider, daraja, caplog)

    assert error.code == "1"
    assert "Rejected by the system" in str(error)


def test_a_daraja_500_is_a_provider_error(provider, daraja, caplog):
    daraja.fail_api(500)

    error = error_checked(provider, daraja, caplog)

    assert error.code == "500.003.1001"


def test_a_gateway_page_instead_of_json_is_a_provider_error(provider, daraja, caplog):
    daraja.fail_api(503, b"<html><body>Service Unavailable</body></html>")

    error = error_checked(provider, daraja, caplog)

    assert error.code == "http_503"


def test_daraja_not_answering_in_time_is_a_provider_error(daraja, caplog):
    provider = provider_for(daraja, timeout_seconds=0.2)
    daraja.hang_api()

    error = error_checked(provider, daraja, caplog)

    assert error.code == "timeout"
    assert len(daraja.requests_to(STK_PUSH_PATH)) == 1


def test_daraja_unreachable_is_a_provider_error(daraja, caplog):
    provider = provider_for(daraja, api_base=unused_local_url())

    error = error_checked(provider, daraja, caplog)

    assert error.code == "unreachable"
