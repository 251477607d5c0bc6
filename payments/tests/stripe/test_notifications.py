"""Stripe webhooks: signed by the fake server's `signed_webhook` exactly as Stripe signs, read by the provider."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
import stripe

from payments.providers.base import NotificationRejected, PaymentOutcome
from payments.tests.fakes.stripe import signed_webhook
from payments.tests.stripe.conftest import TOLERANCE_SECONDS, WEBHOOK_SECRET, payment_request


def parse(provider, body, headers):
    return provider.parse_notification(body=body, headers=headers, remote_addr="3.18.12.63")


@pytest.fixture
def reference(provider):
    return provider.start(payment_request(amount=Decimal("1250.50"), currency="KES")).reference


def test_payment_intent_succeeded(provider, stripe_server, reference):
    intent = stripe_server.succeed(reference)
    event = stripe_server.event("payment_intent.succeeded", intent)

    notification = parse(provider, *signed_webhook(event, WEBHOOK_SECRET))

    assert notification.event_id == event["id"]
    assert notification.event_id.startswith("evt_")
    assert notification.kind == "payment_intent.succeeded"
    assert notification.outcome == PaymentOutcome.SUCCEEDED
    assert notification.reference == reference
    assert (notification.amount, notification.currency) == (Decimal("1250.50"), "KES")
    assert notification.receipt == intent["latest_charge"]
    assert notification.payload == event


def test_payment_intent_succeeded_in_a_zero_decimal_currency(provider, stripe_server):
    reference = provider.start(payment_request(amount=Decimal("1500"), currency="JPY")).reference
    event = stripe_server.event("payment_intent.succeeded", stripe_server.succeed(reference))

    notification = parse(provider, *signed_webhook(event, WEBHOOK_SECRET))

    assert (notification.amount, notification.currency) == (Decimal("1500"), "JPY")


def test_payment_intent_succeeded_with_the_charge_expanded(provider, stripe_server, reference):
    intent = stripe_server.succeed(reference)
    charge_id = intent["latest_charge"]
    event = stripe_server.event(
        "payment_intent.succeeded", {**intent, "latest_charge": stripe_server.charge(charge_id)}
    )

    notification = parse(provider, *signed_webhook(event, WEBHOOK_SECRET))

    assert notification.receipt == charge_id


def test_payment_intent_payment_failed(provider, stripe_server, reference):
    intent = stripe_server.fail(reference, code="card_declined", message="Your card was declined.")
    event = stripe_server.event("payment_intent.payment_failed", intent)

    notification = parse(provider, *signed_webhook(event, WEBHOOK_SECRET))

    assert notification.outcome == PaymentOutcome.FAILED
    assert (notification.kind, notification.reference) == ("payment_intent.payment_failed", reference)
    assert (notification.failure_code, notification.failure_message) == ("card_declined", "Your card was declined.")
    assert notification.amount is None


def test_charge_refunded_carries_the_total_refunded_so_far(provider, stripe_server, reference):
    intent = stripe_server.succeed(reference)
    provider.refund(reference=reference, amount=Decimal("200.25"), currency="KES", refund_id=1)
    provider.refund(reference=reference, amount=Decimal("50"), currency="KES", refund_id=2)
    charge = stripe_server.charge(intent["latest_charge"])
    event = stripe_server.event("charge.refunded", charge)

    notification = parse(provider, *signed_webhook(event, WEBHOOK_SECRET))

    assert notification.outcome == PaymentOutcome.REFUNDED
    assert (notification.kind, notification.reference) == ("charge.refunded", reference)
    assert notification.amount_refunded == Decimal("250.25")
    assert (notification.currency, notification.receipt) == ("KES", charge["id"])


@pytest.mark.parametrize("kind", ["payment_intent.created", "charge.succeeded", "customer.created"])
def test_an_event_the_store_does_not_act_on_is_ignored(provider, stripe_server, reference, kind):
    event = stripe_server.event(kind, stripe_server.payment_intents[reference])

    notification = parse(provider, *signed_webhook(event, WEBHOOK_SECRET))

    assert (notification.outcome, notification.kind, notification.event_id) == (
        PaymentOutcome.IGNORED,
        kind,
        event["id"],
    )
    assert notification.payload == event


def test_the_signature_header_is_found_whatever_its_case(provider, stripe_server, reference):
    body, headers = signed_webhook(stripe_server.event("payment_intent.created", {"id": reference}), WEBHOOK_SECRET)

    notification = parse(provider, body, {"stripe-signature": headers["Stripe-Signature"]})

    assert notification.reference == reference


def test_a_header_with_several_signatures_is_accepted_when_one_matches(provider, stripe_server, reference):
    """Stripe sends one v1 signature per active secret while a secret is being rolled."""
    body, headers = signed_webhook(stripe_server.event("payment_intent.created", {"id": reference}), WEBHOOK_SECRET)
    timestamp, signature = headers["Stripe-Signature"].split(",")

    notification = parse(provider, body, {"Stripe-Signature": f"{timestamp},v1={'0' * 64},{signature},v0=abc"})

    assert notification.reference == reference


@pytest.fixture
def signed_event(stripe_server, reference):
    return stripe_server.event("payment_intent.succeeded", stripe_server.succeed(reference))


def rejected(provider, body, headers):
    with pytest.raises(NotificationRejected) as rejection:
        parse(provider, body, headers)
    return str(rejection.value)


def test_a_body_changed_after_signing_is_rejected(provider, signed_event):
    body, headers = signed_webhook(signed_event, WEBHOOK_SECRET)
    forged = body.replace(b'"amount_received": 125050', b'"amount_received": 999999')
    assert forged != body

    assert "Stripe-Signature rejected" in rejected(provider, forged, headers)


def test_a_signature_made_with_another_secret_is_rejected(provider, signed_event):
    message = rejected(provider, *signed_webhook(signed_event, "whsec_someoneElsesEndpoint"))

    assert "No signatures found matching" in message
    assert WEBHOOK_SECRET not in message


def test_a_garbled_signature_is_rejected(provider, signed_event):
    body, headers = signed_webhook(signed_event, WEBHOOK_SECRET)
    timestamp = headers["Stripe-Signature"].split(",")[0]

    assert "Stripe-Signature rejected" in rejected(provider, body, {"Stripe-Signature": f"{timestamp},v1=zz"})


@pytest.mark.parametrize(
    "header",
    ["", "garbage", "t=notanumber,v1=abc", "v1=abc", "t=1700000000"],
    ids=["empty", "garbage", "bad-timestamp", "no-timestamp", "no-signature"],
)
def test_a_malformed_signature_header_is_rejected(provider, signed_event, header):
    body, _ = signed_webhook(signed_event, WEBHOOK_SECRET)

    assert "Stripe-Signature rejected" in rejected(provider, body, {"Stripe-Signature": header})


def test_a_missing_signature_header_is_rejected(provider, signed_event):
    body, _ = signed_webhook(signed_event, WEBHOOK_SECRET)

    assert "No Stripe-Signature header" in rejected(provider, body, {"Content-Type": "application/json"})


def test_a_signature_older_than_the_tolerance_is_rejected(provider, signed_event):
    stale = int(time.time()) - TOLERANCE_SECONDS - 60

    assert "Timestamp outside the tolerance zone" in rejected(
        provider, *signed_webhook(signed_event, WEBHOOK_SECRET, timestamp=stale)
    )


def test_a_signature_a_little_old_is_accepted(provider, signed_event):
    recent = int(time.time()) - TOLERANCE_SECONDS + 60

    notification = parse(provider, *signed_webhook(signed_event, WEBHOOK_SECRET, timestamp=recent))

    assert notification.event_id == signed_event["id"]


def test_a_signature_dated_ahead_beyond_the_tolerance_is_rejected(provider, signed_event):
    """Stripe's library accepts it (it checks only the past); the provider does not."""
    ahead = int(time.time()) + TOLERANCE_SECONDS + 60

    assert "ahead of the tolerance" in rejected(
        provider, *signed_webhook(signed_event, WEBHOOK_SECRET, timestamp=ahead)
    )


def test_a_signature_dated_a_little_ahead_is_accepted(provider, signed_event):
    """Clocks differ a little."""
    ahead = int(time.time()) + 60

    notification = parse(provider, *signed_webhook(signed_event, WEBHOOK_SECRET, timestamp=ahead))

    assert notification.event_id == signed_event["id"]


def sign_raw(body: bytes, secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    """Sign bytes that are not an event, as `signed_webhook` would sign an event's body."""
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={timestamp},v1={signature}"}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[]",
        b'"an event"',
        b'{"id": "evt_1", "object": "event"}',
        b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}}',
        b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}',
        b'{"id": 7, "type": "customer.created", "data": {"object": {}}}',
    ],
    ids=["malformed", "empty", "list", "string", "no-type", "object-not-a-dict", "no-amount", "id-not-a-string"],
)
def test_a_signed_body_that_is_not_a_readable_event_is_rejected(provider, body):
    assert "not a Stripe event we can read" in rejected(provider, *sign_raw(body))


def test_a_signed_body_that_is_not_utf8_is_rejected(provider):
    body, headers = sign_raw(b"\xff\xfe{}")

    assert "not UTF-8" in rejected(provider, body, headers)


def test_signed_webhook_signs_as_stripe_s_own_library_would(signed_event):
    body, headers = signed_webhook(signed_event, "whsec_test", timestamp=1700000000)

    assert headers["Stripe-Signature"] == stripe.WebhookSignature.generate_signature_header(
        body.decode(), "whsec_test", timestamp=1700000000
    )
    assert json.loads(body) == signed_event
