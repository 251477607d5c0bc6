"""Stripe and M-Pesa end to end: paying, the providers' notifications over HTTP, and refunds, against local fake
Stripe and Daraja servers that speak the providers' shapes and sign as they do."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from core.tests.concurrency import run_concurrently
from payments.jobs import payments_reconcile_pending
from payments.models import Payment, PaymentEvent, Refund
from payments.tests.conftest import CALLBACK_TOKEN, WEBHOOK_SECRET
from payments.tests.fakes.stripe import signed_webhook
from store.models import Order, OrderEvent
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order

STRIPE_WEBHOOK = "/api/payments/webhooks/stripe/"
MPESA_CALLBACK = f"/api/payments/webhooks/mpesa/{CALLBACK_TOKEN}/"


def pay(client, order, body) -> dict:
    response = client.post(f"/api/orders/{order.pk}/pay/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def deliver(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None, client=None):
    body, headers = signed_webhook(event, secret, timestamp=timestamp)
    return (client or APIClient()).post(
        STRIPE_WEBHOOK, body, content_type="application/json", headers={"Stripe-Signature": headers["Stripe-Signature"]}
    )


def state(order) -> tuple:
    order.refresh_from_db()
    payments = list(Payment.objects.filter(order=order).values_list("status", "refunded_amount"))
    return order.status, payments, PaymentEvent.objects.count(), Refund.objects.count(), len(mail.outbox)


# --- Stripe


@pytest.mark.django_db
def test_a_stripe_payment_starts_a_payment_intent_for_the_total_in_minor_units(
    client_for, customer, order, stripe_server
):
    payment = pay(client_for(customer), order, {"provider": "stripe"})

    intent = stripe_server.payment_intents[payment["provider_reference"]]
    assert (intent["amount"], intent["currency"]) == (150000, "kes")
    assert intent["metadata"] == {"order_id": str(order.pk), "payment_id": str(payment["id"])}
    created = [request for request in stripe_server.requests if request.path == "/v1/payment_intents"]
    assert created[0].headers["idempotency-key"] == f"duka-payment-{payment['id']}"
    assert payment["next_action"] == {
        "type": "stripe_payment",
        "client_secret": intent["client_secret"],
        "publishable_key": "pk_test_duka",
    }
    assert payment["status"] == "pending"


@pytest.mark.django_db
def test_the_succeeded_webhook_pays_the_order(client_for, customer, order, stripe_server, committed):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    intent = stripe_server.succeed(payment["provider_reference"])

    with committed():
        response = deliver(stripe_server.event("payment_intent.succeeded", intent))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    stored = Payment.objects.get(pk=payment["id"])
    assert (stored.status, stored.receipt) == (Payment.Status.SUCCEEDED, intent["latest_charge"])
    assert PaymentEvent.objects.get().outcome == PaymentEvent.Outcome.APPLIED
    assert [message.subject for message in mail.outbox] == [f"Receipt for your order #{order.pk}"]


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_the_same_webhook_delivered_five_times_at_once_is_applied_once(client_for, customer, stripe_server):
    order = place_order(customer, (ProductFactory(price="750.00", stock=10), 2))
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    event = stripe_server.event("payment_intent.succeeded", stripe_server.succeed(payment["provider_reference"]))
    mail.outbox.clear()

    statuses = run_concurrently(*[lambda: deliver(event).status_code for _ in range(5)])

    assert statuses == [200] * 5
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert PaymentEvent.objects.count() == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAYMENT_SUCCEEDED).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failure_arriving_after_the_success_does_not_undo_it(client_for, customer, order, stripe_server):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    reference = payment["provider_reference"]
    succeeded = stripe_server.event("payment_intent.succeeded", stripe_server.succeed(reference))
    failed = stripe_server.event("payment_intent.payment_failed", stripe_server.fail(reference))

    assert deliver(succeeded).status_code == 200
    assert deliver(failed).status_code == 200

    assert Payment.objects.get(pk=payment["id"]).status == Payment.Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert PaymentEvent.objects.get(provider_event_id=failed["id"]).outcome == PaymentEvent.Outcome.IGNORED


@pytest.mark.django_db
def test_the_failed_webhook_fails_the_attempt_and_the_order_waits(client_for, customer, order, stripe_server):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    intent = stripe_server.fail(payment["provider_reference"], code="card_declined", message="Your card was declined.")

    assert deliver(stripe_server.event("payment_intent.payment_failed", intent)).status_code == 200

    stored = Payment.objects.get(pk=payment["id"])
    assert (stored.status, stored.failure_code) == (Payment.Status.FAILED, "card_declined")
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forgery",
    ["another secret", "stale timestamp", "future timestamp", "no signature", "tampered body"],
)
def test_a_webhook_that_does_not_verify_is_refused_and_changes_nothing(
    client_for, customer, order, stripe_server, forgery
):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    event = stripe_server.event("payment_intent.succeeded", stripe_server.succeed(payment["provider_reference"]))
    before = state(order)
    body, headers = signed_webhook(
        event,
        "whsec_someone_else" if forgery == "another secret" else WEBHOOK_SECRET,
        timestamp={"stale timestamp": int(time.time()) - 301, "future timestamp": int(time.time()) + 301}.get(forgery),
    )
    if forgery == "tampered body":
        body = body.replace(b'"amount_received": 150000', b'"amount_received": 150001')
    sent = {} if forgery == "no signature" else {"Stripe-Signature": headers["Stripe-Signature"]}

    response = APIClient().post(STRIPE_WEBHOOK, body, content_type="application/json", headers=sent)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_notification"
    assert state(order) == before


@pytest.mark.django_db
def test_a_webhook_for_an_unknown_payment_is_refused_and_stores_nothing(stripe_server):
    intent = {
        "id": "pi_3FakeNotOurs",
        "object": "payment_intent",
        "amount": 1000,
        "amount_received": 1000,
        "currency": "kes",
        "status": "succeeded",
        "latest_charge": "ch_3FakeNotOurs",
        "metadata": {},
    }

    response = deliver(stripe_server.event("payment_intent.succeeded", intent))

    assert response.status_code == 400 and response.json()["code"] == "unknown_payment"
    assert not PaymentEvent.objects.exists()


@pytest.mark.django_db
def test_a_webhook_reporting_another_amount_is_refused(client_for, customer, order, stripe_server):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    intent = {**stripe_server.succeed(payment["provider_reference"]), "amount_received": 100}
    before = state(order)

    response = deliver(stripe_server.event("payment_intent.succeeded", intent))

    assert response.status_code == 400 and response.json()["code"] == "amount_mismatch"
    assert state(order) == before


@pytest.mark.django_db
def test_other_event_types_are_acknowledged_and_stored_once(stripe_server):
    event = stripe_server.event("customer.created", {"id": "cus_1", "object": "customer"})

    assert deliver(event).status_code == deliver(event).status_code == 200

    stored = PaymentEvent.objects.get()
    assert (stored.kind, stored.outcome) == ("customer.created", PaymentEvent.Outcome.IGNORED)


@pytest.mark.django_db
def test_the_stripe_webhook_is_404_without_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""

    response = APIClient().post(STRIPE_WEBHOOK, {}, format="json")

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_manager_refunds_a_stripe_payment_through_stripe(
    client_for, customer, manager, order, stripe_server, committed
):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    deliver(stripe_server.event("payment_intent.succeeded", stripe_server.succeed(payment["provider_reference"])))

    with committed():
        response = client_for(manager).post(
            f"/api/payments/{payment['id']}/refund/", {"amount": "400.00", "reason": "Returned."}, format="json"
        )

    assert response.status_code == 201
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED
    assert stripe_server.refunds[refund.provider_reference]["amount"] == 40000
    stored = Payment.objects.get(pk=payment["id"])
    assert (stored.status, stored.refunded_amount) == (Payment.Status.PARTIALLY_REFUNDED, Decimal("400.00"))


@pytest.mark.django_db
def test_a_refund_made_in_the_stripe_dashboard_is_recorded(client_for, customer, order, stripe_server):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    intent = stripe_server.succeed(payment["provider_reference"])
    deliver(stripe_server.event("payment_intent.succeeded", intent))
    charge = {**stripe_server.charge(intent["latest_charge"]), "amount_refunded": 150000, "refunded": True}

    assert deliver(stripe_server.event("charge.refunded", charge)).status_code == 200

    stored = Payment.objects.get(pk=payment["id"])
    assert (stored.status, stored.refunded_amount) == (Payment.Status.REFUNDED, Decimal("1500.00"))


@pytest.mark.django_db
def test_stripe_down_when_paying_is_a_502_and_the_order_still_waits(client_for, customer, order, stripe_server):
    stripe_server.fail_next(count=10)

    response = client_for(customer).post(f"/api/orders/{order.pk}/pay/", {"provider": "stripe"}, format="json")

    assert response.status_code == 502 and response.json()["code"] == "provider_error"
    assert stripe_server.secret_key not in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Payment.objects.get().status == Payment.Status.FAILED


# --- M-Pesa


@pytest.mark.django_db
def test_an_mpesa_payment_pushes_to_the_customers_phone(client_for, customer, order, daraja):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712 345 678"})

    push = daraja.requests_to("/mpesa/stkpush/v1/processrequest")[0].json
    assert (push["Amount"], push["PhoneNumber"], push["PartyA"]) == (1500, "254712345678", "254712345678")
    assert push["CallBackURL"] == f"https://shop.example.com{MPESA_CALLBACK}"
    assert payment["next_action"]["type"] == "mpesa_stk_push"
    assert payment["provider_reference"].startswith("ws_CO_")


@pytest.mark.django_db
def test_a_total_with_cents_cannot_be_paid_with_mpesa(client_for, customer, daraja):
    order = place_order(customer, (ProductFactory(price="99.50", stock=5), 1))

    response = client_for(customer).post(
        f"/api/orders/{order.pk}/pay/", {"provider": "mpesa", "phone": "0712345678"}, format="json"
    )

    assert response.status_code == 400 and response.json()["code"] == "amount_not_payable"
    assert not Payment.objects.exists() and not daraja.requests


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["", "12345", "+447911123456", "0812345678", "07123456789"])
def test_a_phone_mpesa_cannot_use_is_a_400(client_for, customer, order, daraja, phone):
    response = client_for(customer).post(
        f"/api/orders/{order.pk}/pay/", {"provider": "mpesa", "phone": phone}, format="json"
    )

    assert response.status_code == 400 and "phone" in response.json()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_genuine_callback_confirmed_by_a_query_pays_the_order(client_for, customer, order, daraja, committed):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    daraja.complete(payment["provider_reference"], result_code=0, amount=Decimal("1500"), receipt="NLJ7RT61SV")

    with committed():
        response = APIClient().post(
            MPESA_CALLBACK, daraja.callback_body(payment["provider_reference"]), content_type="application/json"
        )

    assert response.status_code == 200 and response.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.get(pk=payment["id"]).receipt == "NLJ7RT61SV"
    assert len(daraja.requests_to("/mpesa/stkpushquery/v1/query")) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_forged_callback_the_query_contradicts_is_refused(client_for, customer, order, daraja):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    forged = daraja.callback_body(payment["provider_reference"], result_code=0, amount=Decimal("1500"))
    before = state(order)

    response = APIClient().post(MPESA_CALLBACK, forged, content_type="application/json")

    assert response.status_code == 400
    assert state(order) == before


@pytest.mark.django_db
def test_a_callback_for_another_amount_is_refused(client_for, customer, order, daraja):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    daraja.complete(payment["provider_reference"], result_code=0, amount=Decimal("1"))
    before = state(order)

    response = APIClient().post(
        MPESA_CALLBACK, daraja.callback_body(payment["provider_reference"]), content_type="application/json"
    )

    assert response.status_code == 400 and response.json()["code"] == "amount_mismatch"
    assert state(order) == before


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["c" * 39, "d" * 40, "wrong"])
def test_callbacks_on_any_other_path_are_404(client_for, customer, order, daraja, token):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    daraja.complete(payment["provider_reference"], result_code=0)

    response = APIClient().post(
        f"/api/payments/webhooks/mpesa/{token}/",
        daraja.callback_body(payment["provider_reference"]),
        content_type="application/json",
    )

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


@pytest.mark.django_db
def test_callbacks_from_an_address_not_allowed_are_refused(client_for, customer, order, daraja, settings):
    settings.MPESA_CALLBACK_ALLOWED_IPS = ["196.201.214.0/24"]
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    daraja.complete(payment["provider_reference"], result_code=0)

    response = APIClient().post(
        MPESA_CALLBACK, daraja.callback_body(payment["provider_reference"]), content_type="application/json"
    )

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{", b"[]", b'{"Body": {}}', b"null"])
def test_a_malformed_callback_is_a_400(daraja, body):
    response = APIClient().post(MPESA_CALLBACK, body, content_type="application/json")

    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_stk_push_fails_the_attempt(client_for, customer, order, daraja):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    daraja.complete(payment["provider_reference"], result_code=1032)

    response = APIClient().post(
        MPESA_CALLBACK, daraja.callback_body(payment["provider_reference"]), content_type="application/json"
    )

    assert response.status_code == 200
    stored = Payment.objects.get(pk=payment["id"])
    assert (stored.status, stored.failure_code) == (Payment.Status.FAILED, "1032")


@pytest.mark.django_db
def test_an_mpesa_payment_is_refunded_by_recording_the_reversal(client_for, customer, manager, order, daraja):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    daraja.complete(payment["provider_reference"], result_code=0)
    APIClient().post(
        MPESA_CALLBACK, daraja.callback_body(payment["provider_reference"]), content_type="application/json"
    )
    client = client_for(manager)

    without = client.post(f"/api/payments/{payment['id']}/refund/", {"reason": "Paid twice."}, format="json")
    recorded = client.post(
        f"/api/payments/{payment['id']}/refund/", {"reason": "Paid twice.", "reference": "OEI2AK4Q16"}, format="json"
    )

    assert without.status_code == 400 and "reference" in without.json()
    assert recorded.status_code == 201 and recorded.json()["status"] == "succeeded"
    assert Payment.objects.get(pk=payment["id"]).status == Payment.Status.REFUNDED


# --- reconciliation of attempts no notification settled


def age_attempts(seconds: int = 120) -> None:
    Payment.objects.update(created_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db
def test_an_mpesa_callback_refused_too_early_is_settled_by_the_next_reconciliation(client_for, customer, order, daraja):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    early = daraja.callback_body(payment["provider_reference"], result_code=0, amount=Decimal("1500"))
    assert APIClient().post(MPESA_CALLBACK, early, content_type="application/json").status_code == 400
    daraja.complete(payment["provider_reference"], result_code=0)
    age_attempts()

    assert payments_reconcile_pending() == 1

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert payments_reconcile_pending() == 0


@pytest.mark.django_db
def test_a_stripe_payment_whose_webhook_was_lost_is_settled_by_reconciliation(
    client_for, customer, order, stripe_server
):
    payment = pay(client_for(customer), order, {"provider": "stripe"})
    stripe_server.succeed(payment["provider_reference"])

    assert payments_reconcile_pending() == 0
    age_attempts()
    assert payments_reconcile_pending() == 1

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert PaymentEvent.objects.get().kind == "query"


@pytest.mark.django_db
def test_reconciliation_fails_a_declined_attempt_and_leaves_a_pending_one(
    client_for, customer, order, other_customer, product, stripe_server
):
    declined = pay(client_for(customer), order, {"provider": "stripe"})
    waiting = pay(client_for(other_customer), place_order(other_customer, (product, 1)), {"provider": "stripe"})
    stripe_server.fail(declined["provider_reference"], code="card_declined", message="Declined.")
    age_attempts()

    assert payments_reconcile_pending() == 1

    assert Payment.objects.get(pk=declined["id"]).status == Payment.Status.FAILED
    assert Payment.objects.get(pk=waiting["id"]).status == Payment.Status.PENDING


@pytest.mark.django_db
def test_reconciliation_survives_a_provider_outage(client_for, customer, order, daraja):
    payment = pay(client_for(customer), order, {"provider": "mpesa", "phone": "0712345678"})
    daraja.fail_api(status=500)
    age_attempts()

    assert payments_reconcile_pending() == 0
    assert Payment.objects.get(pk=payment["id"]).status == Payment.Status.PENDING
