"""The expiry of unpaid orders: an order still pending ORDER_PAYMENT_TIMEOUT_MINUTES after checkout is cancelled
and its stock restored, unless a payment attempt younger than PAYMENT_IN_PROGRESS_MINUTES is open."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from duka_app.ops.queue import enqueue_on_commit
from payments import services, tasks
from payments.models import Payment
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
