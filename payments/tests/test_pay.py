"""Paying an order: `POST /api/orders/{id}/pay/` and the fake provider's confirmation, end to end."""

import pytest
from django.core import mail

from conftest import ROLES
from payments.models import Payment
from store.models import Order, OrderEvent
from store.tests.shopping import stock_of


def pay(client, order, body=None, **headers):
    return client.post(f"/api/orders/{order.pk}/pay/", body or {"provider": "fake"}, format="json", **headers)


def confirm(client, payment_id, outcome="succeeded"):
    return client.post(f"/api/payments/{payment_id}/fake-confirm/", {"outcome": outcome}, format="json")


def state(order) -> tuple:
    """What a refused request must leave as it was."""
    order.refresh_from_db()
    payments = list(Payment.objects.filter(order=order).order_by("pk").values_list("pk", "status"))
    return order.status, payments, OrderEvent.objects.filter(order=order).count()


@pytest.mark.django_db
def test_a_customer_pays_an_order_with_the_fake_provider(client_for, customer, order, product, committed):
    client = client_for(customer)

    with committed():
        started = pay(client, order)

    assert started.status_code == 201
    body = started.json()
    assert body["status"] == "pending" and body["provider"] == "fake"
    assert (body["amount"], body["currency"]) == ("1500.00", "KES")
    assert body["next_action"]["type"] == "fake_confirm"
    assert body["next_action"]["url"] == f"/api/payments/{body['id']}/fake-confirm/"

    with committed():
        confirmed = client.post(body["next_action"]["url"], {"outcome": "succeeded"}, format="json")

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "succeeded" and confirmed.json()["next_action"] is None
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert stock_of(product) == [8]
    assert [message.subject for message in mail.outbox] == [f"Receipt for your order #{order.pk}"]
    kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds[-2:] == [OrderEvent.Kind.PAYMENT_STARTED, OrderEvent.Kind.PAYMENT_SUCCEEDED]


@pytest.mark.django_db
def test_a_failed_payment_leaves_the_order_pending_and_another_attempt_may_follow(
    client_for, customer, order, committed
):
    client = client_for(customer)
    first = pay(client, order).json()

    with committed():
        failed = confirm(client, first["id"], "failed")

    assert failed.status_code == 200 and failed.json()["status"] == "failed"
    assert failed.json()["failure_code"] == "card_declined"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert [message.subject for message in mail.outbox] == [f"Your payment for order #{order.pk} did not go through"]
    assert pay(client, order).status_code == 201


@pytest.mark.django_db
def test_a_second_attempt_while_one_is_pending_is_409(client_for, customer, order):
    client = client_for(customer)
    pay(client, order)
    before = state(order)

    response = pay(client, order)

    assert response.status_code == 409
    assert response.json()["code"] == "payment_in_progress"
    assert state(order) == before


@pytest.mark.django_db
def test_the_same_idempotency_key_answers_the_first_attempt(client_for, customer, order):
    client = client_for(customer)
    first = pay(client, order, HTTP_IDEMPOTENCY_KEY="pay-1")

    again = pay(client, order, HTTP_IDEMPOTENCY_KEY="pay-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_confirming_twice_changes_nothing_the_second_time(client_for, customer, order, committed):
    client = client_for(customer)
    payment_id = pay(client, order).json()["id"]
    with committed():
        confirm(client, payment_id)
        again = confirm(client, payment_id)
        late_failure = confirm(client, payment_id, "failed")

    assert again.status_code == late_failure.status_code == 200
    assert Payment.objects.get(pk=payment_id).status == Payment.Status.SUCCEEDED
    assert len(mail.outbox) == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.PAYMENT_SUCCEEDED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Order.Status.PAID, Order.Status.SHIPPED, Order.Status.CANCELLED])
def test_only_a_pending_order_can_be_paid(client_for, customer, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    before = state(order)

    response = pay(client_for(customer), order)

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_payable"
    assert state(order) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_pay_role_matrix(client_as, order, role):
    """Only the customer who placed the order pays it; another shopper does not learn it exists."""
    expected = {"anonymous": 401, "customer": 201, "other_customer": 404, "manager": 403, "admin": 404}[role]

    response = pay(client_as(role), order)

    assert response.status_code == expected
    assert Payment.objects.filter(order=order).count() == (1 if expected == 201 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "provider"),
        ({"provider": "paypal"}, "provider"),
        ({"provider": 7}, "provider"),
        ({"provider": ["fake"]}, "provider"),
        ({"provider": "manual"}, "provider"),
        ({"provider": "stripe"}, "provider"),
        ({"provider": "mpesa", "phone": "0712345678"}, "provider"),
        ({"provider": "fake", "phone": "0" * 33}, "phone"),
        ({"provider": "fake", "phone": {"number": 1}}, "phone"),
    ],
)
def test_bad_pay_input_is_a_400_and_changes_nothing(client_for, customer, order, body, field):
    before = state(order)

    response = client_for(customer).post(f"/api/orders/{order.pk}/pay/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert state(order) == before


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_a_malformed_idempotency_key_is_a_400(client_for, customer, order, key):
    response = pay(client_for(customer), order, HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_is_a_400(client_for, customer, order):
    response = client_for(customer).post(
        f"/api/orders/{order.pk}/pay/", data="{provider", content_type="application/json"
    )

    assert response.status_code == 400
    assert Payment.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("order_id", ["0", "424242", "999999999999999999", "9" * 19, "-1", "abc"])
def test_paying_an_unknown_order_is_a_404(client_for, customer, order, order_id):
    response = client_for(customer).post(f"/api/orders/{order_id}/pay/", {"provider": "fake"}, format="json")

    assert response.status_code == 404
    assert Payment.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_fake_confirm_role_matrix(client_as, client_for, customer, order, role):
    payment_id = pay(client_for(customer), order).json()["id"]
    expected = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 403, "admin": 404}[role]

    response = confirm(client_as(role), payment_id)

    assert response.status_code == expected
    assert Payment.objects.get(pk=payment_id).status == ("succeeded" if expected == 200 else "pending")


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"outcome": "maybe"}, {"outcome": None}, {"outcome": ["succeeded"]}])
def test_bad_fake_confirm_input_is_a_400(client_for, customer, order, body):
    client = client_for(customer)
    payment_id = pay(client, order).json()["id"]

    response = client.post(f"/api/payments/{payment_id}/fake-confirm/", body, format="json")

    assert response.status_code == 400
    assert Payment.objects.get(pk=payment_id).status == Payment.Status.PENDING


@pytest.mark.django_db
def test_the_fake_provider_is_off_when_disabled(client_for, customer, order, settings):
    client = client_for(customer)
    payment_id = pay(client, order).json()["id"]
    settings.PAYMENTS_FAKE_PROVIDER = False

    assert pay(client, order).status_code == 400
    assert confirm(client, payment_id).status_code == 404
    assert Payment.objects.get(pk=payment_id).status == Payment.Status.PENDING
