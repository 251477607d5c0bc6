import json
from decimal import Decimal

import pytest

from payments.providers.base import NotificationRejected, PaymentOutcome
from payments.tests.fakes.daraja import STK_QUERY_PATH
from payments.tests.mpesa.conftest import payment_request, provider_for

DARAJA_ADDRESS = "196.201.214.200"


def parse(provider, body: bytes, remote_addr: str = DARAJA_ADDRESS):
    return provider.parse_notification(body=body, headers={"Content-Type": "application/json"}, remote_addr=remote_addr)


@pytest.fixture
def checkout_id(provider) -> str:
    return provider.start(payment_request(amount="1500")).reference


def test_a_genuine_success_confirmed_by_daraja_is_a_success_with_amount_and_receipt(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 0, receipt="NLJ7RT61SV")
    body = daraja.callback_body(checkout_id)

    notification = parse(provider, body)

    assert notification.outcome == PaymentOutcome.SUCCEEDED
    assert (notification.event_id, notification.kind, notification.reference) == (
        checkout_id,
        "stk_callback",
        checkout_id,
    )
    assert (notification.amount, notification.currency, notification.receipt) == (
        Decimal("1500.00"),
        "KES",
        "NLJ7RT61SV",
    )
    assert notification.payload == json.loads(body)
    [query] = daraja.requests_to(STK_QUERY_PATH)
    assert query.json["CheckoutRequestID"] == checkout_id


def test_the_amount_reported_is_the_callback_s_for_the_service_to_compare(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 0, amount=1)

    notification = parse(provider, daraja.callback_body(checkout_id))

    assert notification.amount == Decimal("1.00")


def test_a_redelivered_callback_carries_the_same_event_id(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 0)
    body = daraja.callback_body(checkout_id)

    assert parse(provider, body).event_id == parse(provider, body).event_id == checkout_id


def test_a_success_claimed_while_daraja_still_processes_the_request_is_rejected(provider, daraja, checkout_id):
    forged = daraja.callback_body(checkout_id, 0, receipt="NLJ7RT61SV")

    with pytest.raises(NotificationRejected):
        parse(provider, forged)


def test_a_success_claimed_for_a_request_that_failed_is_rejected(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 1032)
    forged = daraja.callback_body(checkout_id, 0)

    with pytest.raises(NotificationRejected):
        parse(provider, forged)


def test_a_success_claimed_for_a_request_daraja_never_made_is_rejected(provider, daraja):
    forged = daraja.callback_body("ws_CO_01012026000000000254712345678", 0, amount=1500)

    with pytest.raises(NotificationRejected):
        parse(provider, forged)


def test_a_failure_claimed_for_a_paid_request_is_rejected(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 0)
    forged = daraja.callback_body(checkout_id, 1032)

    with pytest.raises(NotificationRejected):
        parse(provider, forged)


def test_a_failure_confirmed_by_daraja_is_a_failure_with_daraja_s_code(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 1032)
    body = daraja.callback_body(checkout_id)

    notification = parse(provider, body)

    assert notification.outcome == PaymentOutcome.FAILED
    assert (notification.event_id, notification.reference) == (checkout_id, checkout_id)
    assert (notification.failure_code, notification.failure_message) == ("1032", "Request cancelled by user")
    assert (notification.amount, notification.receipt) == (None, "")
    assert "CallbackMetadata" not in json.loads(body)["Body"]["stkCallback"]


def test_a_callback_daraja_cannot_confirm_right_now_is_rejected(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 0)
    body = daraja.callback_body(checkout_id)
    daraja.fail_api(500)

    with pytest.raises(NotificationRejected):
        parse(provider, body)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[]", id="a-list"),
        pytest.param(b'{"Body": "stkCallback"}', id="body-not-an-object"),
        pytest.param(b'{"Body": {}}', id="no-stk-callback"),
        pytest.param(b'{"Body": {"stkCallback": {"ResultCode": 0}}}', id="no-checkout-request-id"),
        pytest.param(b'{"Body": {"stkCallback": {"CheckoutRequestID": "", "ResultCode": 0}}}', id="empty-checkout-id"),
        pytest.param(
            b'{"Body": {"stkCallback": {"CheckoutRequestID": 12, "ResultCode": 0}}}', id="numeric-checkout-id"
        ),
        pytest.param(b'{"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1"}}}', id="no-result-code"),
        pytest.param(
            b'{"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1", "ResultCode": "ok"}}}', id="bad-result-code"
        ),
    ],
)
def test_a_malformed_callback_is_rejected_without_asking_daraja(provider, daraja, body):
    with pytest.raises(NotificationRejected):
        parse(provider, body)

    assert daraja.requests == []


def success_callback_with_items(daraja, checkout_id, items) -> bytes:
    payload = json.loads(daraja.callback_body(checkout_id))
    payload["Body"]["stkCallback"]["CallbackMetadata"] = {"Item": items}
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "items",
    [
        pytest.param(None, id="no-items"),
        pytest.param(
            [{"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"}, {"Name": "PhoneNumber", "Value": 254712345678}],
            id="no-amount",
        ),
        pytest.param(
            [
                {"Name": "Amount", "Value": "1500"},
                {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
                {"Name": "PhoneNumber", "Value": 254712345678},
            ],
            id="amount-as-text",
        ),
        pytest.param(
            [
                {"Name": "Amount", "Value": 1500.0},
                {"Name": "MpesaReceiptNumber", "Value": "nlj7rt61sv"},
                {"Name": "PhoneNumber", "Value": 254712345678},
            ],
            id="lower-case-receipt",
        ),
        pytest.param(
            [
                {"Name": "Amount", "Value": 1500.0},
                {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61S"},
                {"Name": "PhoneNumber", "Value": 254712345678},
            ],
            id="short-receipt",
        ),
        pytest.param(
            [{"Name": "Amount", "Value": 1500.0}, {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"}],
            id="no-phone",
        ),
    ],
)
def test_a_success_without_valid_metadata_is_rejected_without_asking_daraja(provider, daraja, checkout_id, items):
    daraja.complete(checkout_id, 0)

    with pytest.raises(NotificationRejected):
        parse(provider, success_callback_with_items(daraja, checkout_id, items))

    assert daraja.requests_to(STK_QUERY_PATH) == []


@pytest.mark.parametrize("remote_addr", ["196.201.214.200", "196.201.214.1", "10.20.30.40"])
def test_an_allowed_address_or_network_may_send_callbacks(daraja, remote_addr):
    provider = provider_for(daraja, callback_allowed_ips=["196.201.214.0/24", "10.20.30.40"])
    checkout_id = provider.start(payment_request()).reference
    daraja.complete(checkout_id, 0)

    assert parse(provider, daraja.callback_body(checkout_id), remote_addr).outcome == PaymentOutcome.SUCCEEDED


@pytest.mark.parametrize("remote_addr", ["196.201.215.1", "10.20.30.41", "2001:db8::1", "", "not-an-address"])
def test_a_callback_from_an_address_not_allowed_is_rejected_without_asking_daraja(daraja, remote_addr):
    provider = provider_for(daraja, callback_allowed_ips=["196.201.214.0/24", "10.20.30.40"])
    checkout_id = provider.start(payment_request()).reference
    daraja.complete(checkout_id, 0)
    body = daraja.callback_body(checkout_id)

    with pytest.raises(NotificationRejected):
        parse(provider, body, remote_addr)

    assert daraja.requests_to(STK_QUERY_PATH) == []


def test_without_an_allow_list_any_address_may_send_callbacks(provider, daraja, checkout_id):
    daraja.complete(checkout_id, 0)

    assert parse(provider, daraja.callback_body(checkout_id), "203.0.113.9").outcome == PaymentOutcome.SUCCEEDED
