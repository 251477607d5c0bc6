"""Back-in-stock alerts: customers wait for a sold-out product and get one email when it returns."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import ROLES
from core.tests.concurrency import run_concurrently
from store.jobs import back_in_stock_alerts_send
from store.models import BackInStockSubscription, Product
from store.services.catalog import product_stock_adjust
from store.services.restock import restock_order_create, restock_order_place
from store.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def notify_url(product: Product) -> str:
    return f"/api/products/{product.slug}/notify-me/"


def subscriptions() -> list[tuple[int, int, bool]]:
    """(user, product, still open) per subscription."""
    return [
        (user_id, product_id, notified_at is None)
        for user_id, product_id, notified_at in BackInStockSubscription.objects.order_by("pk").values_list(
            "user_id", "product_id", "notified_at"
        )
    ]


@pytest.fixture
def sold_out(db):
    return ProductFactory(stock=0, name="Copper Kettle", sku="KET-1")


# --- POST / DELETE /api/products/{slug}/notify-me/ --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_subscribe_role_matrix(client_as, user_as, sold_out, role):
    response = client_as(role).post(notify_url(sold_out))

    expected = {"anonymous": 401, "manager": 403}.get(role, 201)
    assert response.status_code == expected
    assert subscriptions() == ([] if expected != 201 else [(user_as(role).pk, sold_out.pk, True)])


@pytest.mark.parametrize("role", ROLES)
def test_unsubscribe_role_matrix(client_as, user_as, customer, sold_out, role):
    BackInStockSubscription.objects.create(user=customer, product=sold_out)

    response = client_as(role).delete(notify_url(sold_out))

    expected = {"anonymous": 401, "manager": 403}.get(role, 204)
    assert response.status_code == expected
    # Only the caller's own subscription goes: another customer's DELETE leaves the customer's.
    assert subscriptions() == ([] if role == "customer" else [(customer.pk, sold_out.pk, True)])


def test_subscribing_twice_is_200_and_changes_nothing(client_for, customer, sold_out):
    client = client_for(customer)

    first, second = client.post(notify_url(sold_out)), client.post(notify_url(sold_out))

    assert (first.status_code, second.status_code) == (201, 200)
    assert subscriptions() == [(customer.pk, sold_out.pk, True)]


def test_unsubscribing_when_not_subscribed_is_204(client_for, customer, sold_out):
    assert client_for(customer).delete(notify_url(sold_out)).status_code == 204
    assert subscriptions() == []


def test_a_product_in_stock_is_409_and_an_unknown_or_inactive_one_404(client_for, customer):
    in_stock = ProductFactory(stock=2)
    inactive = ProductFactory(stock=0, is_active=False)
    client = client_for(customer)

    in_stock_response = client.post(notify_url(in_stock))

    assert in_stock_response.status_code == 409
    assert in_stock_response.json()["code"] == "product_in_stock"
    assert client.post(notify_url(inactive)).status_code == 404
    assert client.post("/api/products/no-such-product/notify-me/").status_code == 404
    assert client.put(notify_url(inactive)).status_code == 405
    assert subscriptions() == []


# --- the alert ---------------------------------------------------------------------------------------------------


def test_back_in_stock_by_any_path_emails_each_subscriber_once_and_closes(
    jobs_run_inline, committed, customer, other_customer, manager, sold_out
):
    for user in (customer, other_customer):
        BackInStockSubscription.objects.create(user=user, product=sold_out)

    with committed():
        product_stock_adjust(product=sold_out, delta=3, reason="adjustment", actor=manager)
    with committed():
        product_stock_adjust(product=sold_out, delta=2, reason="adjustment", actor=manager)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([customer.email, other_customer.email])
    assert mail.outbox[0].subject == "Back in stock: Copper Kettle"
    assert "Copper Kettle (SKU KET-1) is back in stock" in mail.outbox[0].body
    assert [closed for *_, closed in subscriptions()] == [False, False]


def test_a_rolled_back_restock_sends_nothing(jobs_run_inline, committed, customer, manager, sold_out):
    BackInStockSubscription.objects.create(user=customer, product=sold_out)

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        product_stock_adjust(product=sold_out, delta=3, reason="adjustment", actor=manager)
        raise RuntimeError("the request failed after the stock change")

    assert mail.outbox == []
    assert subscriptions() == [(customer.pk, sold_out.pk, True)]


def test_a_product_flapping_within_the_cooldown_mails_nobody_twice(
    jobs_run_inline, committed, settings, customer, manager, sold_out
):
    settings.BACK_IN_STOCK_COOLDOWN_MINUTES = 60
    BackInStockSubscription.objects.create(user=customer, product=sold_out)
    with committed():
        product_stock_adjust(product=sold_out, delta=1, reason="adjustment", actor=manager)
    # The customer sells it out, asks again, and it comes back within the hour.
    product_stock_adjust(product=sold_out, delta=-1, reason="adjustment", actor=manager)
    BackInStockSubscription.objects.create(user=customer, product=sold_out)
    with committed():
        product_stock_adjust(product=sold_out, delta=1, reason="adjustment", actor=manager)

    assert len(mail.outbox) == 1
    assert back_in_stock_alerts_send() == 0

    # After the cooldown the scheduled run tells the customer, once.
    Product.objects.filter(pk=sold_out.pk).update(back_in_stock_notified_at=timezone.now() - timedelta(minutes=61))
    assert back_in_stock_alerts_send() == 1
    assert back_in_stock_alerts_send() == 0
    assert len(mail.outbox) == 2


def test_a_failed_send_reopens_the_subscriptions_for_the_next_run(settings, customer, manager, sold_out):
    BackInStockSubscription.objects.create(user=customer, product=sold_out)
    product_stock_adjust(product=sold_out, delta=1, reason="adjustment", actor=manager)
    settings.EMAIL_BACKEND = "store.tests.test_jobs.FailingEmailBackend"

    with pytest.raises(OSError):
        back_in_stock_alerts_send()

    assert subscriptions() == [(customer.pk, sold_out.pk, True)]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert back_in_stock_alerts_send() == 1


def test_a_mail_server_that_cannot_be_reached_reopens_the_subscriptions(
    settings, customer, manager, sold_out, unreachable_mail_server
):
    BackInStockSubscription.objects.create(user=customer, product=sold_out)
    product_stock_adjust(product=sold_out, delta=1, reason="adjustment", actor=manager)

    with pytest.raises(OSError):
        back_in_stock_alerts_send()

    assert subscriptions() == [(customer.pk, sold_out.pk, True)]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert back_in_stock_alerts_send() == 1


def test_the_command_runs_the_same_job(customer, manager, sold_out):
    BackInStockSubscription.objects.create(user=customer, product=sold_out)
    product_stock_adjust(product=sold_out, delta=2, reason="adjustment", actor=manager)
    out = StringIO()

    call_command("back_in_stock_alerts", stdout=out)

    assert "Sent 1 back-in-stock alerts." in out.getvalue()
    assert [message.to for message in mail.outbox] == [[customer.email]]


def test_inactive_products_and_users_get_no_alert(customer, manager):
    retired = ProductFactory(stock=3, is_active=False)
    BackInStockSubscription.objects.create(user=customer, product=retired)
    gone = UserFactory()
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    product = ProductFactory(stock=3)
    BackInStockSubscription.objects.create(user=gone, product=product)

    assert back_in_stock_alerts_send() == 0
    assert mail.outbox == []


# --- exactly once under concurrent receipts ------------------------------------------------------------------


def receive(manager, restock_order, product, quantity):
    def call() -> int:
        client = APIClient()
        client.force_authenticate(manager)
        return client.post(
            f"/api/restock-orders/{restock_order.pk}/receive/",
            {"lines": [{"product_id": product.pk, "quantity": quantity}]},
            format="json",
        ).status_code

    return call


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_two_receipts_at_the_same_moment_send_exactly_one_email(jobs_run_inline):
    manager, customer = UserFactory(manager=True), UserFactory()
    product = ProductFactory(stock=0)
    BackInStockSubscription.objects.create(user=customer, product=product)
    restock_orders = [
        restock_order_place(
            restock_order_id=restock_order_create(actor=manager, lines=[{"product_id": product.pk, "quantity": 5}]).pk
        )
        for _ in range(2)
    ]

    statuses = run_concurrently(*[receive(manager, restock_order, product, 5) for restock_order in restock_orders])

    assert statuses == [200, 200]
    assert [message.to for message in mail.outbox] == [[customer.email]]
    assert Product.objects.get(pk=product.pk).stock == 10
    assert subscriptions() == [(customer.pk, product.pk, False)]


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_concurrent_alert_runs_send_exactly_one_email():
    customer = UserFactory()
    product = ProductFactory(stock=4)
    BackInStockSubscription.objects.create(user=customer, product=product)

    sent = run_concurrently(*[back_in_stock_alerts_send for _ in range(4)])

    assert sorted(sent) == [0, 0, 0, 1]
    assert len(mail.outbox) == 1
