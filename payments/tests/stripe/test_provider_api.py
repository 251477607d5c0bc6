"""The Stripe provider through the real `stripe` client, against the local fake Stripe server."""

from decimal import Decimal

import pytest
import stripe

from payments.providers import provider_get
from payments.providers.base import PaymentOutcome, PaymentRequestInvalid, ProviderError
from payments.providers.stripe import StripeProvider
from payments.tests.fakes.stripe import FakeStripe
from payments.tests.stripe.conftest import PUBLISHABLE_KEY, make_provider, payment_request


def test_validate_takes_an_amount_in_minor_units_and_needs_no_phone(provider):
    assert provider.validate(amount=Decimal("1250.50"), currency="KES", phone="0712345678") == ""


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(Decimal("10.005"), "KES"), (Decimal("100.5"), "JPY")],
    ids=["kes-below-a-cent", "jpy-below-a-yen"],
)
def test_validate_refuses_an_amount_finer_than_the_minor_unit(provider, stripe_server, amount, currency):
    with pytest.raises(PaymentRequestInvalid) as refused:
        provider.validate(amount=amount, currency=currency, phone="")

    assert (refused.value.code, refused.value.field) == ("amount_not_payable", None)
    assert stripe_server.requests == []


def test_start_creates_a_payment_intent_in_minor_units(provider, stripe_server):
    request = payment_request(payment_id=41, order_id=7, amount=Decimal("1250.50"), currency="KES")

    started = provider.start(request)

    intent = stripe_server.payment_intents[started.reference]
    assert started.reference.startswith("pi_")
    assert started.next_action == {
        "type": "stripe_payment",
        "client_secret": intent["client_secret"],
        "publishable_key": PUBLISHABLE_KEY,
    }
    (sent,) = stripe_server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/payment_intents")
    assert sent.params == {
        "amount": "125050",
        "currency": "kes",
        "metadata": {"order_id": "7", "payment_id": "41"},
        "automatic_payment_methods": {"enabled": "true"},
    }
    assert sent.headers["idempotency-key"] == request.idempotency_key
    assert sent.headers["authorization"] == f"Bearer {stripe_server.secret_key}"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert (intent["amount"], intent["currency"], intent["status"]) == (125050, "kes", "requires_payment_method")


def test_start_sends_a_zero_decimal_currency_in_whole_units(provider, stripe_server):
    started = provider.start(payment_request(amount=Decimal("1500"), currency="JPY"))

    assert stripe_server.payment_intents[started.reference]["amount"] == 1500
    assert stripe_server.requests[0].params["currency"] == "jpy"


def test_start_sends_the_description_when_there_is_one(provider, stripe_server):
    started = provider.start(payment_request(description="Order 7"))

    assert stripe_server.payment_intents[started.reference]["description"] == "Order 7"


def test_start_twice_with_one_idempotency_key_makes_one_payment_intent(provider, stripe_server):
    request = payment_request()

    first = provider.start(request)
    second = provider.start(request)

    assert first == second
    assert list(stripe_server.payment_intents) == [first.reference]
    assert [sent.headers["idempotency-key"] for sent in stripe_server.requests] == [request.idempotency_key] * 2


def test_start_with_a_used_idempotency_key_and_another_amount_is_a_provider_error(provider, stripe_server):
    provider.start(payment_request(idempotency_key="attempt-1", amount=Decimal("100")))

    with pytest.raises(ProviderError) as refused:
        provider.start(payment_request(idempotency_key="attempt-1", amount=Decimal("200")))

    assert refused.value.code == "idempotency_error"
    assert len(stripe_server.payment_intents) == 1


def test_start_refuses_an_amount_finer_than_the_minor_unit_without_calling_stripe(provider, stripe_server):
    with pytest.raises(PaymentRequestInvalid) as refused:
        provider.start(payment_request(amount=Decimal("10.001")))

    assert refused.value.code == "amount_not_payable"
    assert stripe_server.requests == []


def test_query_of_a_new_payment_intent_is_pending(provider, stripe_server):
    reference = provider.start(payment_request(amount=Decimal("99.99"))).reference

    result = provider.query(reference=reference)

    assert result.outcome == PaymentOutcome.PENDING
    assert result.details == {
        "status": "requires_payment_method",
        "amount": 9999,
        "amount_received": 0,
        "currency": "kes",
    }
    assert (stripe_server.requests[-1].method, stripe_server.requests[-1].path) == (
        "GET",
        f"/v1/payment_intents/{reference}",
    )


def test_query_of_a_succeeded_payment_intent(provider, stripe_server):
    reference = provider.start(payment_request(amount=Decimal("99.99"))).reference
    intent = stripe_server.succeed(reference)

    result = provider.query(reference=reference)

    assert result.outcome == PaymentOutcome.SUCCEEDED
    assert result.receipt == intent["latest_charge"]
    assert result.receipt.startswith("ch_")
    assert result.details["amount_received"] == 9999


@pytest.mark.parametrize("status", ["processing", "requires_action", "requires_confirmation", "requires_capture"])
def test_query_of_a_payment_intent_under_way_is_pending(provider, stripe_server, status):
    reference = provider.start(payment_request()).reference
    stripe_server.set_status(reference, status)

    result = provider.query(reference=reference)

    assert (result.outcome, result.failure_code, result.details["status"]) == (PaymentOutcome.PENDING, "", status)


def test_query_of_a_declined_payment_intent_is_failed_with_stripe_s_reason(provider, stripe_server):
    reference = provider.start(payment_request()).reference
    intent = stripe_server.fail(reference, code="insufficient_funds", message="Your card has insufficient funds.")

    result = provider.query(reference=reference)

    assert result.outcome == PaymentOutcome.FAILED
    assert (result.failure_code, result.failure_message) == ("insufficient_funds", "Your card has insufficient funds.")
    assert result.receipt == intent["latest_charge"]


def test_query_of_a_canceled_payment_intent_is_failed(provider, stripe_server):
    reference = provider.start(payment_request()).reference
    stripe_server.cancel(reference, reason="abandoned")

    result = provider.query(reference=reference)

    assert (result.outcome, result.failure_code) == (PaymentOutcome.FAILED, "canceled")
    assert result.failure_message == "The payment was canceled (abandoned)."


def test_query_of_a_status_stripe_never_documented_is_a_provider_error(provider, stripe_server):
    reference = provider.start(payment_request()).reference
    stripe_server.set_status(reference, "teleported")

    with pytest.raises(ProviderError, match="teleported"):
        provider.query(reference=reference)


def test_query_of_an_unknown_payment_intent_is_a_provider_error(provider):
    with pytest.raises(ProviderError) as refused:
        provider.query(reference="pi_3FakeUnknown")

    assert refused.value.code == "resource_missing"
    assert "HTTP 404" in str(refused.value)


@pytest.fixture
def paid_reference(provider, stripe_server):
    reference = provider.start(payment_request(amount=Decimal("1000.00"), currency="KES")).reference
    stripe_server.succeed(reference)
    return reference


def test_refund_in_full(provider, stripe_server, paid_reference):
    result = provider.refund(reference=paid_reference, amount=Decimal("1000.00"), currency="KES", refund_id=3)

    assert result.succeeded is True
    assert result.failure_message == ""
    refund = stripe_server.refunds[result.reference]
    assert (refund["amount"], refund["payment_intent"], refund["status"]) == (100000, paid_reference, "succeeded")
    sent = stripe_server.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/v1/refunds")
    assert sent.params == {"payment_intent": paid_reference, "amount": "100000"}
    assert sent.headers["idempotency-key"] == "refund-3"
    charge = stripe_server.charge(refund["charge"])
    assert (charge["amount_refunded"], charge["refunded"]) == (100000, True)


def test_refund_in_parts_until_nothing_is_left(provider, stripe_server, paid_reference):
    first = provider.refund(reference=paid_reference, amount=Decimal("250.25"), currency="KES", refund_id=1)
    second = provider.refund(reference=paid_reference, amount=Decimal("749.75"), currency="KES", refund_id=2)

    assert first.succeeded and second.succeeded
    assert [stripe_server.refunds[r.reference]["amount"] for r in (first, second)] == [25025, 74975]
    with pytest.raises(ProviderError) as refused:
        provider.refund(reference=paid_reference, amount=Decimal("0.01"), currency="KES", refund_id=4)
    assert refused.value.code == "charge_already_refunded"


def test_refund_retried_with_the_same_refund_id_refunds_once(provider, stripe_server, paid_reference):
    first = provider.refund(reference=paid_reference, amount=Decimal("100"), currency="KES", refund_id=9)
    again = provider.refund(reference=paid_reference, amount=Decimal("100"), currency="KES", refund_id=9)

    assert first == again
    assert len(stripe_server.refunds) == 1


def test_refund_of_more_than_is_left_is_a_provider_error(provider, stripe_server, paid_reference):
    provider.refund(reference=paid_reference, amount=Decimal("600"), currency="KES", refund_id=1)

    with pytest.raises(ProviderError) as refused:
        provider.refund(reference=paid_reference, amount=Decimal("400.01"), currency="KES", refund_id=2)

    assert refused.value.code == "amount_too_large"
    assert len(stripe_server.refunds) == 1


def test_refund_of_an_unpaid_payment_intent_is_a_provider_error(provider, stripe_server):
    reference = provider.start(payment_request()).reference

    with pytest.raises(ProviderError, match="does not have a successful charge"):
        provider.refund(reference=reference, amount=Decimal("1"), currency="KES", refund_id=1)

    assert stripe_server.refunds == {}


@pytest.mark.parametrize("status", ["pending", "requires_action"])
def test_refund_stripe_has_taken_on_but_not_finished_is_accepted(provider, stripe_server, paid_reference, status):
    stripe_server.refund_status = status

    result = provider.refund(reference=paid_reference, amount=Decimal("10"), currency="KES", refund_id=1)

    assert result.succeeded is True
    assert stripe_server.refunds[result.reference]["status"] == status


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_refund_stripe_failed_or_canceled_is_not_accepted(provider, stripe_server, paid_reference, status):
    stripe_server.refund_status = status

    result = provider.refund(reference=paid_reference, amount=Decimal("10"), currency="KES", refund_id=1)

    assert result.succeeded is False
    assert result.reference.startswith("re_")
    assert result.failure_message.startswith("Stripe refused the refund")


def test_refund_finer_than_the_minor_unit_is_a_provider_error_without_calling_stripe(provider, stripe_server):
    with pytest.raises(ProviderError) as refused:
        provider.refund(reference="pi_3FakeAny", amount=Decimal("1.005"), currency="KES", refund_id=1)

    assert refused.value.code == "amount_not_payable"
    assert stripe_server.requests == []


def test_a_stripe_server_error_is_a_provider_error_and_not_retried(provider, stripe_server):
    stripe_server.fail_next()

    with pytest.raises(ProviderError) as refused:
        provider.start(payment_request())

    assert refused.value.code == "api_error"
    assert "HTTP 500" in str(refused.value)
    assert len(stripe_server.requests) == 1
    assert stripe_server.payment_intents == {}


def test_a_stripe_server_error_then_a_retry_with_the_same_key_makes_the_payment_intent(provider, stripe_server):
    request = payment_request()
    stripe_server.fail_next()
    with pytest.raises(ProviderError):
        provider.start(request)

    started = provider.start(request)

    assert list(stripe_server.payment_intents) == [started.reference]


def test_a_stripe_that_does_not_answer_in_time_is_a_provider_error(stripe_server):
    provider = make_provider(stripe_server, timeout=0.2)
    stripe_server.hang_next()

    with pytest.raises(ProviderError) as refused:
        provider.query(reference="pi_3FakeAny")

    assert refused.value.code == "api_connection_error"
    assert len(stripe_server.requests) == 1


def test_nothing_listening_is_a_provider_error():
    with FakeStripe() as stopped_server:
        provider = make_provider(stopped_server)

    with pytest.raises(ProviderError) as refused:
        provider.start(payment_request())

    assert refused.value.code == "api_connection_error"


@pytest.mark.parametrize(
    "secret_key",
    ["sk_test_51NwrongKeyThatStripeDoesNotKnow", "sk_live_51NwrongLiveKeyDoNotLeak"],
    ids=["test-key", "live-key"],
)
def test_a_key_stripe_refuses_is_a_provider_error_that_quotes_no_secret(stripe_server, secret_key, caplog):
    provider = make_provider(stripe_server, secret_key=secret_key)

    with pytest.raises(ProviderError) as refused:
        provider.start(payment_request())

    assert "HTTP 401" in str(refused.value)
    assert secret_key not in str(refused.value)
    assert secret_key[-4:] not in str(refused.value)
    assert secret_key not in caplog.text
    assert stripe_server.payment_intents == {}


def test_a_client_secret_is_never_logged(provider, caplog):
    caplog.set_level("DEBUG")

    started = provider.start(payment_request())

    assert started.next_action["client_secret"] not in caplog.text


def test_from_settings_reads_the_stripe_settings(settings, stripe_server):
    settings.STRIPE_SECRET_KEY = stripe_server.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fromSettings"
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fromSettings"

    provider = provider_get("stripe")
    started = provider.start(payment_request())

    assert isinstance(provider, StripeProvider)
    assert started.next_action["publishable_key"] == "pk_test_fromSettings"
    assert started.reference in stripe_server.payment_intents


def test_a_webhook_tolerance_of_zero_is_refused(stripe_server):
    with pytest.raises(ValueError, match="tolerance"):
        make_provider(stripe_server, tolerance_seconds=0)


def test_two_configurations_live_side_by_side_without_touching_the_stripe_module(stripe_server):
    with FakeStripe(secret_key="sk_test_51NsecondAccountKey") as second_server:
        first = make_provider(stripe_server).start(payment_request())
        second = make_provider(second_server).start(payment_request())

        assert list(stripe_server.payment_intents) == [first.reference]
        assert list(second_server.payment_intents) == [second.reference]
    assert (stripe.api_key, stripe.api_base) == (None, "https://api.stripe.com")
