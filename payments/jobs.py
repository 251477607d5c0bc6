"""Payment jobs: the expiry of unpaid orders (an order still pending ORDER_PAYMENT_TIMEOUT_MINUTES after checkout is
cancelled and its stock restored, unless a payment attempt younger than PAYMENT_IN_PROGRESS_MINUTES is open), and the
reconciliation of attempts no notification settled."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from duka_app.ops.queue import enqueue_on_commit
from payments import services, tasks
from payments.models import Payment, Provider
from payments.providers.base import ProviderError
from store.models import Order
from store.services.orders import order_expire

logger = logging.getLogger(__name__)


def orders_expire_unpaid(*, now: datetime | None = None, batch_size: int = 100) -> int:
    """Cancel the unpaid orders past their time, a batch per transaction; returns how many.

    Orders are claimed with `FOR UPDATE SKIP LOCKED`: one that a payment is being applied to right now is left for
    the next run, so a payment and the expiry never both win. Each customer is told by email, after the commit.
    """
    now = now or timezone.now()
    open_attempt = Payment.objects.filter(
        order=OuterRef("pk"),
        status__in=services.IN_PROGRESS,
        created_at__gte=now - timedelta(minutes=settings.PAYMENT_IN_PROGRESS_MINUTES),
    )
    due = Order.objects.filter(
        status=Order.Status.PENDING,
        created_at__lt=now - timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
    ).exclude(Exists(open_attempt))
    expired = 0
    while True:
        with transaction.atomic():
            orders = list(due.select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:batch_size])
            for order in orders:
                services.payments_cancel_in_progress(order=order)
                order_expire(order=order)
                enqueue_on_commit(tasks.payment_email_send, "expired", order.pk)
        expired += len(orders)
        if len(orders) < batch_size:
            break
    if expired:
        logger.info("Expired %d unpaid orders.", expired)
    return expired


def payments_reconcile_pending(*, older_than_seconds: int = 60, limit: int = 200) -> int:
    """Query the provider about attempts pending longer than `older_than_seconds` (oldest first), and apply the
    final answers; returns how many were settled. Runs every minute, so an attempt whose notification was lost
    is settled before its order could expire."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = Payment.objects.filter(
        status=Payment.Status.PENDING, provider__in=[Provider.STRIPE, Provider.MPESA], created_at__lt=cutoff
    ).order_by("created_at")
    settled = 0
    for payment_id in pending.values_list("pk", flat=True)[:limit]:
        try:
            settled += services.payment_reconcile(payment_id=payment_id)
        except ProviderError as error:
            logger.warning("Could not reconcile payment %s: %s", payment_id, error.code)
    return settled
