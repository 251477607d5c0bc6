"""Refunds, manual payments, cancelling a paid order, and reading payments."""

from decimal import Decimal

import pytest
from django.core import mail

from conftest import ROLES
from payments.models import Payment, Refund
from payments.services import fake_payment_complete, payment_start
from store.models import Order, OrderEvent
from store.tests.shopping import place_order, stock_of


@pytest.fixture
def paid(customer, order) -> Payment:
    """The order paid in full with the fake provider."""
    payment, _ = payment_start(order_id=order.pk, user=customer, provider="fake")
    return fake_payment_complete(payment_id=payment.pk, user=customer, succeeded=True)


def refund(client, payment, body):
    return client.post(f"/api/payments/{payment.pk}/refund/", body, format="json")


def payment_state(payment) -> tuple:
    payment.refresh_from_db()
    return payment.status, payment.refunded_amount, list(payment.refunds.values_list("amount", "status"))


@pytest.mark.django_db
def test_partial_refunds_add_up_to_the_amount_paid(client_for, manager, paid, committed):
    client = client_for(manager)

    with committed():
        first = refund(client, paid, {"amount": "500.00", "reason": "One item returned."})

    assert first.status_code == 201
    assert first.json()["status"] == "pending" and first.json()["amount"] == "500.00"
    assert payment_state(paid)[:2] == (Payment.Status.PARTIALLY_REFUNDED, Decimal("500.00"))

    too_much = refund(client, paid, {"amount": "1000.01", "reason": "Oops."})
    with committed():
        rest = refund(client, paid, {"reason": "The rest."})

    assert too_much.status_code == 400 and "amount" in too_much.json()
    assert rest.status_code == 201 and rest.json()["amount"] == "1000.00"
    assert payment_state(paid)[:2] == (Payment.Status.REFUNDED, Decimal("1500.00"))
    assert refund(client, paid, {"reason": "Again."}).status_code == 409
    assert [m.subject for m in mail.outbox].count(f"Refund for your order #{paid.order_id}") == 2


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_refund_role_matrix(client_as, paid, role):
    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 201, "admin": 201}[role]
    before = payment_state(paid)

    response = refund(client_as(role), paid, {"amount": "100.00", "reason": "Goodwill."})

    assert response.status_code == expected
    if expected != 201:
        assert payment_state(paid) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"amount": "100.00"},
        {"amount": "0", "reason": "x"},
        {"amount": "-5", "reason": "x"},
        {"amount": "1e400", "reason": "x"},
        {"amount": "99999999999999", "reason": "x"},
        {"amount": "1.001", "reason": "x"},
        {"amount": "abc", "reason": "x"},
        {"amount": ["1"], "reason": "x"},
        {"reason": "x" * 501},
        {"reason": "x", "reference": "r" * 256},
    ],
)
def test_bad_refund_input_is_a_400_and_changes_nothing(client_for, manager, paid, body):
    before = payment_state(paid)

    response = refund(client_for(manager), paid, body)

    assert response.status_code == 400
    assert payment_state(paid) == before


@pytest.mark.django_db
def test_a_payment_that_did_not_succeed_cannot_be_refunded(client_for, manager, customer, order):
    payment, _ = payment_start(order_id=order.pk, user=customer, provider="fake")

    response = refund(client_for(manager), payment, {"reason": "x"})

    assert response.status_code == 409 and response.json()["code"] == "payment_not_refundable"
    assert not Refund.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payment_id", ["0", "424242", "999999999999999999"])
def test_refunding_an_unknown_payment_is_a_404(client_for, manager, payment_id):
    response = client_for(manager).post(f"/api/payments/{payment_id}/refund/", {"reason": "x"}, format="json")

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_manager_records_a_bank_transfer(client_for, manager, order):
    response = client_for(manager).post(
        f"/api/orders/{order.pk}/mark-paid/", {"reference": "FT26015ABC12", "note": "At the counter."}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["provider"] == "manual" and response.json()["status"] == "succeeded"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    event = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.PAYMENT_SUCCEEDED)
    assert event.actor == manager


@pytest.mark.django_db
def test_a_manual_payment_is_refunded_with_the_reversals_reference(client_for, manager, order):
    client = client_for(manager)
    payment_id = client.post(f"/api/orders/{order.pk}/mark-paid/", {}, format="json").json()["id"]
    payment = Payment.objects.get(pk=payment_id)

    without = refund(client, payment, {"reason": "Returned."})
    with_reference = refund(client, payment, {"reason": "Returned.", "reference": "CASH-0042"})

    assert without.status_code == 400 and "reference" in without.json()
    assert with_reference.status_code == 201 and with_reference.json()["provider_reference"] == "CASH-0042"
    assert payment_state(payment)[0] == Payment.Status.REFUNDED


@pytest.mark.django_db
def test_a_manager_patch_to_paid_records_a_manual_payment(client_for, manager, order):
    response = client_for(manager).patch(f"/api/orders/{order.pk}/", {"status": "paid"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "paid"
    assert Payment.objects.get(order=order).provider == "manual"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_mark_paid_role_matrix(client_as, order, role):
    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 201, "admin": 201}[role]

    response = client_as(role).post(f"/api/orders/{order.pk}/mark-paid/", {}, format="json")

    assert response.status_code == expected
    order.refresh_from_db()
    assert order.status == (Order.Status.PAID if expected == 201 else Order.Status.PENDING)


@pytest.mark.django_db
def test_mark_paid_refuses_a_paid_order_and_a_reused_reference(client_for, manager, customer, order, product):
    client = client_for(manager)
    client.post(f"/api/orders/{order.pk}/mark-paid/", {"reference": "FT1"}, format="json")
    other = place_order(customer, (product, 1))

    again = client.post(f"/api/orders/{order.pk}/mark-paid/", {}, format="json")
    reused = client.post(f"/api/orders/{other.pk}/mark-paid/", {"reference": "FT1"}, format="json")
    bad = client.post(f"/api/orders/{other.pk}/mark-paid/", {"note": "n" * 501}, format="json")

    assert again.status_code == 409 and again.json()["code"] == "order_not_payable"
    assert reused.status_code == 400 and "reference" in reused.json()
    assert bad.status_code == 400
    other.refresh_from_db()
    assert other.status == Order.Status.PENDING


@pytest.mark.django_db
def test_cancelling_a_paid_order_refunds_it_and_restores_the_stock(client_for, manager, paid, product, committed):
    with committed():
        response = client_for(manager).post(f"/api/orders/{paid.order_id}/cancel/")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert payment_state(paid) == (Payment.Status.REFUNDED, Decimal("1500.00"), [(Decimal("1500.00"), "succeeded")])
    assert stock_of(product) == [10]


@pytest.mark.django_db
def test_cancelling_a_pending_order_cancels_its_open_attempt(client_for, customer, order):
    client = client_for(customer)
    payment_id = client.post(f"/api/orders/{order.pk}/pay/", {"provider": "fake"}, format="json").json()["id"]

    client.post(f"/api/orders/{order.pk}/cancel/")

    assert Payment.objects.get(pk=payment_id).status == Payment.Status.CANCELLED


@pytest.mark.django_db
def test_a_payment_succeeding_after_the_order_was_cancelled_is_refunded(client_for, customer, order, committed):
    client = client_for(customer)
    payment_id = client.post(f"/api/orders/{order.pk}/pay/", {"provider": "fake"}, format="json").json()["id"]
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)

    with committed():
        client.post(f"/api/payments/{payment_id}/fake-confirm/", {"outcome": "succeeded"}, format="json")

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert payment_state(Payment.objects.get(pk=payment_id))[:2] == (Payment.Status.REFUNDED, Decimal("1500.00"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_reading_payments_role_matrix(client_as, paid, role):
    expected = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 200, "admin": 200}[role]
    client = client_as(role)

    listed = client.get(f"/api/orders/{paid.order_id}/payments/")
    one = client.get(f"/api/payments/{paid.pk}/")

    assert (listed.status_code, one.status_code) == (expected, expected)
    if expected == 200:
        assert [payment["id"] for payment in listed.json()] == [paid.pk]
        assert one.json()["status"] == "succeeded"


@pytest.mark.django_db
@pytest.mark.parametrize("attempts", [1, 10])
def test_an_orders_payments_take_a_fixed_number_of_queries(
    client_for, manager, customer, order, attempts, django_assert_max_num_queries
):
    for _ in range(attempts):
        payment, _ = payment_start(order_id=order.pk, user=customer, provider="fake")
        fake_payment_complete(payment_id=payment.pk, user=customer, succeeded=False)
    client = client_for(manager)

    with django_assert_max_num_queries(3):
        response = client.get(f"/api/orders/{order.pk}/payments/")

    assert len(response.json()) == attempts
