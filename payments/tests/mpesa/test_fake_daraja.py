"""The fake refuses what Daraja refuses, so the provider's tests mean something."""

import base64
import json
from datetime import UTC, datetime

import pytest
import requests

from payments.tests.fakes.daraja import NAIROBI, OAUTH_PATH, STK_PUSH_PATH, STK_QUERY_PATH


@pytest.fixture
def token(daraja) -> str:
    response = requests.get(
        daraja.url + OAUTH_PATH,
        params={"grant_type": "client_credentials"},
        auth=(daraja.consumer_key, daraja.consumer_secret),
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == "3599"
    return response.json()["access_token"]


def push_body(daraja, **changes) -> dict:
    timestamp = datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S")
    password = base64.b64encode(f"{daraja.shortcode}{daraja.passkey}{timestamp}".encode()).decode()
    body = {
        "BusinessShortCode": daraja.shortcode,
        "Password": password,
        "Timestamp": timestamp,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 10,
        "PartyA": "254712345678",
        "PartyB": daraja.shortcode,
        "PhoneNumber": "254712345678",
        "CallBackURL": "https://shop.example.com/callback/",
        "AccountReference": "Order 1",
        "TransactionDesc": "Order 1",
    }
    return {key: value for key, value in (body | changes).items() if value is not None}


def post(daraja, path, token, body):
    return requests.post(daraja.url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5)


@pytest.mark.parametrize(
    ("params", "auth", "error_code"),
    [
        ({"grant_type": "client_credentials"}, ("duka-consumer-key", "wrong"), "400.008.01"),
        ({"grant_type": "client_credentials"}, None, "400.008.01"),
        ({"grant_type": "password"}, ("duka-consumer-key", "duka-consumer-secret-7f3a"), "400.008.02"),
    ],
)
def test_oauth_refuses_wrong_credentials_and_grant_types(daraja, params, auth, error_code):
    response = requests.get(daraja.url + OAUTH_PATH, params=params, auth=auth, timeout=5)

    assert response.status_code == 400
    assert response.json()["errorCode"] == error_code


@pytest.mark.parametrize("authorization", ["", "Bearer", "Bearer made-up-token", "Basic abc"])
def test_the_api_refuses_a_missing_or_unknown_token(daraja, authorization):
    response = requests.post(
        daraja.url + STK_PUSH_PATH, json=push_body(daraja), headers={"Authorization": authorization}, timeout=5
    )

    assert response.status_code == 401
    assert set(response.json()) == {"requestId", "errorCode", "errorMessage"}
    assert response.json()["errorCode"] == "404.001.03"
    assert response.json()["errorMessage"] == "Invalid Access Token"


def test_the_api_refuses_an_expired_token(daraja, token):
    daraja.expire_tokens()

    assert post(daraja, STK_PUSH_PATH, token, push_body(daraja)).status_code == 401


def test_a_valid_push_is_accepted(daraja, token):
    response = post(daraja, STK_PUSH_PATH, token, push_body(daraja))

    assert response.status_code == 200
    assert set(response.json()) == {
        "MerchantRequestID",
        "CheckoutRequestID",
        "ResponseCode",
        "ResponseDescription",
        "CustomerMessage",
    }
    assert response.json()["ResponseCode"] == "0"


@pytest.mark.parametrize(
    ("changes", "invalid"),
    [
        ({"Amount": None}, "Amount"),
        ({"Amount": 0}, "Amount"),
        ({"Amount": 10.5}, "Amount"),
        ({"Amount": "10"}, "Amount"),
        ({"PhoneNumber": "0712345678"}, "PhoneNumber"),
        ({"PartyA": "255712345678"}, "PartyA"),
        ({"CallBackURL": None}, "CallBackURL"),
        ({"CallBackURL": "not a url"}, "CallBackURL"),
        ({"AccountReference": "Order 1234567"}, "AccountReference"),
        ({"TransactionType": "Unknown"}, "TransactionType"),
        ({"Timestamp": "2026-01-01"}, "Timestamp"),
        ({"Timestamp": datetime.now(UTC).strftime("%Y%m%d%H%M%S")}, "Timestamp"),
    ],
)
def test_a_push_with_a_missing_or_invalid_field_is_a_bad_request(daraja, token, changes, invalid):
    response = post(daraja, STK_PUSH_PATH, token, push_body(daraja, **changes))

    assert response.status_code == 400
    assert response.json()["errorCode"] == "400.002.02"
    assert response.json()["errorMessage"] == f"Bad Request - Invalid {invalid}"


def test_a_push_with_the_wrong_password_is_refused_as_wrong_credentials(daraja, token):
    response = post(daraja, STK_PUSH_PATH, token, push_body(daraja, Password="d3Jvbmc="))

    assert response.status_code == 500
    assert response.json()["errorMessage"] == "Wrong credentials"


def test_the_query_answers_what_the_test_completed(daraja, token):
    checkout_id = post(daraja, STK_PUSH_PATH, token, push_body(daraja)).json()["CheckoutRequestID"]
    query = {key: push_body(daraja)[key] for key in ("BusinessShortCode", "Password", "Timestamp")}
    query["CheckoutRequestID"] = checkout_id

    pending = post(daraja, STK_QUERY_PATH, token, query)
    daraja.complete(checkout_id, 1032)
    cancelled = post(daraja, STK_QUERY_PATH, token, query)

    assert pending.status_code == 500
    assert pending.json()["errorCode"] == "500.001.1001"
    assert pending.json()["errorMessage"] == "The transaction is being processed"
    assert cancelled.status_code == 200
    assert (cancelled.json()["ResultCode"], cancelled.json()["ResultDesc"]) == ("1032", "Request cancelled by user")


def test_the_callback_body_is_daraja_s_shape(daraja, token):
    checkout_id = post(daraja, STK_PUSH_PATH, token, push_body(daraja)).json()["CheckoutRequestID"]
    daraja.complete(checkout_id, 0, receipt="NLJ7RT61SV")

    callback = json.loads(daraja.callback_body(checkout_id))["Body"]["stkCallback"]

    assert set(callback) == {"MerchantRequestID", "CheckoutRequestID", "ResultCode", "ResultDesc", "CallbackMetadata"}
    assert callback["ResultCode"] == 0
    items = {item["Name"]: item.get("Value") for item in callback["CallbackMetadata"]["Item"]}
    assert items["Amount"] == 10.0
    assert items["MpesaReceiptNumber"] == "NLJ7RT61SV"
    assert items["PhoneNumber"] == 254712345678
    assert len(str(items["TransactionDate"])) == 14
