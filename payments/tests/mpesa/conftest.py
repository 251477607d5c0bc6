import socket
from decimal import Decimal

import pytest

from payments.providers.base import PaymentRequest
from payments.providers.mpesa import MpesaProvider
from payments.tests.fakes.daraja import FakeDaraja

CALLBACK_BASE_URL = "https://shop.example.com"
CALLBACK_TOKEN = "mpesa-callback-secret-0123456789abcdef"


def provider_for(daraja: FakeDaraja, **overrides) -> MpesaProvider:
    """A provider configured for `daraja`, as settings would configure it for Safaricom."""
    config = {
        "api_base": daraja.url,
        "consumer_key": daraja.consumer_key,
        "consumer_secret": daraja.consumer_secret,
        "shortcode": daraja.shortcode,
        "passkey": daraja.passkey,
        "callback_base_url": CALLBACK_BASE_URL,
        "callback_token": CALLBACK_TOKEN,
        "timeout_seconds": 5.0,
    }
    return MpesaProvider(**(config | overrides))


def payment_request(*, amount="1500", phone="0712 345-678", order_id=12, description="") -> PaymentRequest:
    return PaymentRequest(
        payment_id=7,
        order_id=order_id,
        amount=Decimal(amount),
        currency="KES",
        idempotency_key="payment-7-attempt-1",
        phone=phone,
        description=description,
    )


def secrets_seen_by(daraja: FakeDaraja) -> list[str]:
    """The secrets the provider holds or was given: none may appear in a log line or an error message."""
    tokens = [
        request.headers["authorization"].removeprefix("Bearer ")
        for request in daraja.requests
        if request.headers.get("authorization", "").startswith("Bearer ")
    ]
    return [daraja.passkey, daraja.consumer_secret, CALLBACK_TOKEN, *tokens]


def unused_local_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def daraja():
    with FakeDaraja() as server:
        yield server


@pytest.fixture
def provider(daraja) -> MpesaProvider:
    return provider_for(daraja)
