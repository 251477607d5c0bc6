"""Unpaid orders expire: the job, what it spares, and a payment racing it."""

from datetime import timedelta
from decimal import Decimal
from functools import partial
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.tests.concurrency import run_concurrently
from payments.jobs import orders_expire_unpaid
from payments.models import Payment
from payments.services import fake_payment_complete, payment_start
from payments.tasks import orders_expire
from store.models import Order, OrderEvent
from store.tests.factories import ProductFactory
from store.tests.shopping import place_order, stock_of


def age(order: Order, *, minutes: int) -> None:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def attempt_age(payment: Payment, *, minutes: int) -> None:
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


@pytest.mark.django_db
def test_an_order_unpaid_past_the_timeout_is_cancelled_and_its_stock_restored(order, product, settings, committed):
    age(order, minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 1)

    with committed():
        expired = orders_expire_unpaid()

    order.refresh_from_db()
    assert (expired, order.status) == (1, Order.Status.CANCELLED)
    assert stock_of(product) == [10]
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.EXPIRED).count() == 1
    assert [message.subject for message in mail.outbox] == [f"Your order #{order.pk} was cancelled"]
    assert orders_expire_unpaid() == 0


@pytest.mark.django_db
def test_a_younger_order_is_left_alone(order, settings):
    age(order, minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES - 1)

    assert orders_expire_unpaid() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


@pytest.mark.django_db
def test_an_order_with_a_payment_in_progress_waits_for_it(customer, order, settings):
    age(order, minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 1)
    payment, _ = payment_start(order_id=order.pk, user=customer, provider="fake")

    assert orders_expire_unpaid() == 0

    attempt_age(payment, minutes=settings.PAYMENT_IN_PROGRESS_MINUTES + 1)

    assert orders_expire_unpaid() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED


@pytest.mark.django_db
def test_a_paid_order_never_expires(customer, order, settings):
    payment, _ = payment_start(order_id=order.pk, user=customer, provider="fake")
    fake_payment_complete(payment_id=payment.pk, user=customer, succeeded=True)
    age(order, minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES * 10)

    assert orders_expire_unpaid() == 0


@pytest.mark.django_db
def test_the_job_works_in_batches(customer, settings):
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = 10
    product = ProductFactory(stock=10)
    orders = [place_order(customer, (product, 1)) for _ in range(5)]
    for order in orders:
        age(order, minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 1)

    assert orders_expire_unpaid(batch_size=2) == 5
    assert stock_of(product) == [10]


@pytest.mark.race
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_expiry_ends_paid_or_cancelled_and_refunded_never_both(customer, settings):
    """50 rounds: the payment's success and the expiry job start together on the same order."""
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = 100
    product = ProductFactory(price="100.00", stock=50)
    outcomes = set()
    for _ in range(50):
        order = place_order(customer, (product, 1))
        payment, _ = payment_start(order_id=order.pk, user=customer, provider="fake")
        age(order, minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 1)
        attempt_age(payment, minutes=settings.PAYMENT_IN_PROGRESS_MINUTES + 1)

        run_concurrently(
            partial(fake_payment_complete, payment_id=payment.pk, user=customer, succeeded=True),
            orders_expire_unpaid,
        )

        order.refresh_from_db()
        payment.refresh_from_db()
        if order.status == Order.Status.PAID:
            assert payment.status == Payment.Status.SUCCEEDED and payment.refunds.count() == 0
            outcomes.add("paid")
        else:
            assert order.status == Order.Status.CANCELLED
            assert payment.status == Payment.Status.REFUNDED and payment.refunded_amount == Decimal("100.00")
            outcomes.add("cancelled")
    paid = Order.objects.filter(status=Order.Status.PAID).count()
    assert stock_of(product) == [50 - paid]
    assert outcomes


@pytest.mark.django_db
def test_the_command_and_the_task_run_the_job(order, settings):
    age(order, minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 1)
    output = StringIO()

    call_command("expire_orders", stdout=output)

    assert "Expired 1 unpaid orders." in output.getvalue()
    assert orders_expire.apply().get() == 0
