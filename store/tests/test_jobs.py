import smtplib
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.tests.concurrency import run_concurrently
from store.jobs import low_stock_alert_send, order_reminders_send
from store.models import Order, Product
from store.tasks import low_stock_alert, order_reminders
from store.tests.factories import OrderFactory, OrderItemFactory, ProductFactory


class FailingEmailBackend(BaseEmailBackend):
    """The mail server refusing every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def run_command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


# --- Low-stock alert ------------------------------------------------------------------------------------------


@pytest.fixture
def recipients(db):
    """Who gets the digest (maria, root) and who does not (a customer, an inactive manager)."""
    UserFactory(username="maria", manager=True)
    UserFactory(username="root", admin=True)
    UserFactory(username="carol")
    gone = UserFactory(username="gone", manager=True)
    gone.is_active = False
    gone.save(update_fields=["is_active"])


@pytest.fixture
def low_stock(db):
    return {
        "empty": ProductFactory(name="Empty Mug", sku="MUG-1", stock=0),
        "at_threshold": ProductFactory(name="Tea Tin", sku="TEA-5", stock=5),
        "above": ProductFactory(name="Plenty Plates", sku="PLT-6", stock=6),
        "inactive": ProductFactory(name="Retired Bowl", sku="BWL-1", stock=1, is_active=False),
    }


def test_low_stock_alert_emails_one_digest_to_managers_and_admins(recipients, low_stock):
    output = run_command("low_stock_alert")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.com", "root@example.com"]
    assert message.subject == "Low stock: 2 products at or under 5"
    assert "- Empty Mug (SKU MUG-1, " in message.body and "): 0 in stock" in message.body
    assert "- Tea Tin (SKU TEA-5, " in message.body
    assert "Plenty Plates" not in message.body and "Retired Bowl" not in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<td>Empty Mug</td>" in html and "<td>Tea Tin</td>" in html
    assert "Alerted 2 recipients about 2 products." in output
    alerted = set(Product.objects.filter(low_stock_alerted_at__isnull=False).values_list("sku", flat=True))
    assert alerted == {"MUG-1", "TEA-5"}


def test_a_second_low_stock_alert_sends_nothing_more(recipients, low_stock):
    low_stock_alert_send()

    result = low_stock_alert_send()

    assert len(mail.outbox) == 1
    assert result.alerted == 0


def test_a_product_is_alerted_again_only_after_a_restock_above_the_threshold(recipients, low_stock):
    low_stock_alert_send()
    tea = low_stock["at_threshold"]
    Product.objects.filter(pk=tea.pk).update(stock=3)
    assert low_stock_alert_send().alerted == 0

    Product.objects.filter(pk=tea.pk).update(stock=20)
    restocked = low_stock_alert_send()
    assert restocked.rearmed == 1 and restocked.alerted == 0
    Product.objects.filter(pk=tea.pk).update(stock=2)
    again = low_stock_alert_send()

    assert again.alerted == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Low stock: 1 product at or under 5"
    assert "Tea Tin" in mail.outbox[1].body and "Empty Mug" not in mail.outbox[1].body


def test_low_stock_threshold_option(recipients, low_stock):
    run_command("low_stock_alert", "--threshold", "0")

    assert mail.outbox[0].subject == "Low stock: 1 product at or under 0"
    assert "Empty Mug" in mail.outbox[0].body and "Tea Tin" not in mail.outbox[0].body


def test_low_stock_rejects_a_negative_threshold(recipients, low_stock):
    with pytest.raises(CommandError):
        run_command("low_stock_alert", "--threshold", "-1")

    assert mail.outbox == []
    assert not Product.objects.filter(low_stock_alerted_at__isnull=False).exists()


def test_low_stock_without_recipients_marks_nothing_so_a_later_manager_is_told(low_stock):
    UserFactory(username="carol")

    output = run_command("low_stock_alert")

    assert mail.outbox == []
    assert "No active manager or administrator has an email address." in output
    assert not Product.objects.filter(low_stock_alerted_at__isnull=False).exists()
    UserFactory(username="maria", manager=True)
    assert low_stock_alert_send().alerted == 2


def test_a_failed_low_stock_email_releases_the_products_for_the_next_run(recipients, low_stock, settings):
    settings.EMAIL_BACKEND = "store.tests.test_jobs.FailingEmailBackend"

    with pytest.raises(smtplib.SMTPServerDisconnected):
        low_stock_alert_send()

    assert not Product.objects.filter(low_stock_alerted_at__isnull=False).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert low_stock_alert_send().alerted == 2


def test_low_stock_task_calls_the_same_job(recipients, low_stock):
    assert low_stock_alert() == 2
    assert low_stock_alert() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_low_stock_alerts_report_each_product_once(recipients):
    products = [ProductFactory(name=f"Scarce {index:02d}", stock=index % 3) for index in range(30)]

    results = run_concurrently(*[low_stock_alert_send] * 4)

    assert sum(result.alerted for result in results) == 30
    mentions = [product.name for product in products for message in mail.outbox if product.name in message.body]
    assert sorted(mentions) == sorted(product.name for product in products)


# --- Order reminders ------------------------------------------------------------------------------------------


def make_order(*, user, hours_ago: float, status=Order.Status.PENDING, reminded: bool = False) -> Order:
    order = OrderFactory(user=user, status=status, total_amount="24.00")
    OrderItemFactory(order=order, product_name="Green Tea", sku="TEA-G", quantity=2, price_at_purchase="12.00")
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago),
        reminder_sent_at=timezone.now() if reminded else None,
    )
    return order


@pytest.fixture
def orders(customer, other_customer):
    inactive = UserFactory(username="ivy")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    return {
        "due": make_order(user=customer, hours_ago=25),
        "due_other": make_order(user=other_customer, hours_ago=72),
        "recent": make_order(user=customer, hours_ago=1),
        "paid": make_order(user=customer, hours_ago=48, status=Order.Status.PAID),
        "cancelled": make_order(user=customer, hours_ago=48, status=Order.Status.CANCELLED),
        "reminded": make_order(user=customer, hours_ago=30, reminded=True),
        "inactive_user": make_order(user=inactive, hours_ago=30),
    }


def test_order_reminders_email_customers_of_orders_pending_over_a_day(orders):
    output = run_command("order_reminders")

    assert "Sent 2 order reminders." in output
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipient) == {("carol@example.com",), ("oscar@example.com",)}
    carol = by_recipient[("carol@example.com",)]
    assert carol.subject == f"Your order #{orders['due'].pk} is waiting for payment"
    assert "- 2 x Green Tea (TEA-G): 24.00" in carol.body
    assert "Total: 24.00" in carol.body
    assert "Green Tea" in carol.alternatives[0][0]
    reminded = set(Order.objects.filter(reminder_sent_at__isnull=False).values_list("pk", flat=True))
    assert reminded == {orders["due"].pk, orders["due_other"].pk, orders["reminded"].pk}


def test_a_second_reminder_run_sends_nothing_more(orders):
    order_reminders_send()

    assert order_reminders_send() == 0
    assert len(mail.outbox) == 2


def test_order_reminders_hours_option(orders):
    run_command("order_reminders", "--hours", "48")

    assert [message.subject for message in mail.outbox] == [
        f"Your order #{orders['due_other'].pk} is waiting for payment"
    ]


def test_order_reminders_reject_negative_hours(orders):
    with pytest.raises(CommandError):
        run_command("order_reminders", "--hours", "-1")

    assert mail.outbox == []


def test_order_reminders_go_out_in_batches(customer):
    for _ in range(5):
        make_order(user=customer, hours_ago=30)
    progress = []

    assert order_reminders_send(batch_size=2, on_progress=progress.append) == 5
    assert progress == [2, 4, 5]
    assert len({message.subject for message in mail.outbox}) == 5


def test_a_failed_reminder_is_released_for_the_next_run(orders, settings):
    settings.EMAIL_BACKEND = "store.tests.test_jobs.FailingEmailBackend"

    with pytest.raises(smtplib.SMTPServerDisconnected):
        order_reminders_send()

    assert set(Order.objects.filter(reminder_sent_at__isnull=False).values_list("pk", flat=True)) == {
        orders["reminded"].pk
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert order_reminders_send() == 2


def test_a_mail_server_that_cannot_be_reached_releases_the_reminders(orders, unreachable_mail_server, settings):
    with pytest.raises(OSError):
        order_reminders_send()

    assert set(Order.objects.filter(reminder_sent_at__isnull=False).values_list("pk", flat=True)) == {
        orders["reminded"].pk
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert order_reminders_send() == 2


def test_order_reminders_task_calls_the_same_job(orders):
    assert order_reminders() == 2
    assert order_reminders() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_reminder_runs_remind_each_order_once(customer):
    due = [make_order(user=customer, hours_ago=30) for _ in range(20)]

    results = run_concurrently(*[lambda: order_reminders_send(batch_size=3)] * 4)

    assert sum(results) == 20
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == sorted(f"Your order #{order.pk} is waiting for payment" for order in due)
