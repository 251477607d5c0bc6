"""Store background jobs: the low-stock digest (with a proposed restock order), back-in-stock alerts,
pending-order reminders and product image renditions.

They claim their rows with a short transaction (`SELECT ... FOR UPDATE SKIP LOCKED`, then mark them) before any
email goes out, so two runs at once never send the same alert twice and no product or order row stays locked
while a mail server is slow. When sending fails the claim is released and the next run tries again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from duka_app.ops.emails import email_build
from store.images import rendition_make, stored_files_delete
from store.models import BackInStockSubscription, Order, OrderEvent, Product, ProductImage, RestockOrder
from store.services.restock import restock_order_propose

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LowStockAlertResult:
    alerted: int
    recipients: int
    rearmed: int
    restock_order_id: int | None = None


def manager_emails() -> list[str]:
    """Addresses of everyone who manages the store: active managers and active superusers with an email."""
    User = get_user_model()
    managers = User.objects.filter(Q(role=User.Role.MANAGER) | Q(is_superuser=True), is_active=True).exclude(email="")
    return list(managers.order_by("pk").values_list("email", flat=True))


def low_stock_alert_send(*, threshold: int | None = None) -> LowStockAlertResult:
    """Email one digest to the managers listing the active products that fell to their reorder level (`threshold`
    when a product has none) or below since the last alert, with a link to a draft restock order proposed for
    those of them no open restock order covers yet. A product is listed once, and again only after it was
    restocked above its level."""
    threshold = settings.LOW_STOCK_THRESHOLD if threshold is None else threshold
    level = Coalesce("reorder_level", threshold)
    rearmed = Product.objects.filter(low_stock_alerted_at__isnull=False, stock__gt=level).update(
        low_stock_alerted_at=None
    )
    recipients = manager_emails()
    if not recipients:
        logger.warning("Low-stock alert skipped: no active manager or administrator has an email address.")
        return LowStockAlertResult(alerted=0, recipients=0, rearmed=rearmed)

    alerted_at = timezone.now()
    with transaction.atomic():
        products = list(
            Product.objects.filter(is_active=True, stock__lte=level, low_stock_alerted_at__isnull=True)
            .select_related("category")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("stock", "name", "pk")
        )
        Product.objects.filter(pk__in=[product.pk for product in products]).update(low_stock_alerted_at=alerted_at)
        restock_order = restock_order_propose(
            quantities={
                product.pk: product.reorder_quantity if product.reorder_quantity is not None else max(threshold, 1)
                for product in products
            }
        )
    if not products:
        return LowStockAlertResult(alerted=0, recipients=len(recipients), rearmed=rearmed)

    restock_order_url = (
        settings.SITE_URL + reverse("admin:store_restockorder_change", args=[restock_order.pk]) if restock_order else ""
    )
    message = email_build(
        template="store/emails/low_stock_alert",
        context={"products": products, "threshold": threshold, "restock_order_url": restock_order_url},
        to=recipients,
    )
    try:
        message.send()
    except Exception:
        # Release the products, and withdraw the draft proposed with them so the next run proposes and links it.
        with transaction.atomic():
            Product.objects.filter(pk__in=[product.pk for product in products], low_stock_alerted_at=alerted_at).update(
                low_stock_alerted_at=None
            )
            if restock_order is not None:
                RestockOrder.objects.filter(pk=restock_order.pk, status=RestockOrder.Status.DRAFT).delete()
        raise
    logger.info("Low-stock alert: %d products sent to %d recipients.", len(products), len(recipients))
    return LowStockAlertResult(
        alerted=len(products),
        recipients=len(recipients),
        rearmed=rearmed,
        restock_order_id=restock_order.pk if restock_order else None,
    )


def back_in_stock_alerts_send(*, product_ids: list[int] | None = None) -> int:
    """Email every open subscriber of each active product back in stock (all such products, or `product_ids`),
    once, and close their subscriptions. Returns how many emails went out.

    A product is claimed with a conditional UPDATE of `back_in_stock_notified_at`: of two runs at once only
    one claims it, and no run claims it again within BACK_IN_STOCK_COOLDOWN_MINUTES, so a product flapping
    between 0 and 1 does not mail anyone twice (subscribers left waiting are mailed by the scheduled run
    after the cooldown, if the product is still in stock)."""
    cutoff = timezone.now() - timedelta(minutes=settings.BACK_IN_STOCK_COOLDOWN_MINUTES)
    cooled_down = Q(back_in_stock_notified_at__isnull=True) | Q(back_in_stock_notified_at__lt=cutoff)
    waiting = BackInStockSubscription.objects.filter(notified_at__isnull=True).values("product_id")
    due = Product.objects.filter(cooled_down, is_active=True, stock__gt=0, pk__in=waiting)
    if product_ids is not None:
        due = due.filter(pk__in=product_ids)
    sent = 0
    for product_id in due.order_by("pk").values_list("pk", flat=True):
        notified_at = timezone.now()
        with transaction.atomic():
            claimed = Product.objects.filter(cooled_down, pk=product_id, is_active=True, stock__gt=0).update(
                back_in_stock_notified_at=notified_at
            )
            if not claimed:
                continue
            subscriptions = list(
                BackInStockSubscription.objects.filter(product_id=product_id, notified_at__isnull=True)
                .filter(user__is_active=True)
                .exclude(user__email="")
                .select_related("user", "product")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
            )
            BackInStockSubscription.objects.filter(pk__in=[item.pk for item in subscriptions]).update(
                notified_at=notified_at
            )
        sent += _back_in_stock_deliver(subscriptions=subscriptions, notified_at=notified_at)
    return sent


def _back_in_stock_deliver(*, subscriptions: list[BackInStockSubscription], notified_at: datetime) -> int:
    """Send the claimed subscriptions' emails. When sending fails, or the mail server cannot even be reached,
    the unsent ones are opened again (and the product's claim released if nobody was told)."""
    delivered = 0
    try:
        with get_connection() as connection:
            for subscription in subscriptions:
                email_build(
                    template="store/emails/back_in_stock",
                    context={"user": subscription.user, "product": subscription.product},
                    to=[subscription.user.email],
                    connection=connection,
                ).send()
                delivered += 1
    except Exception:
        unsent = [item.pk for item in subscriptions[delivered:]]
        BackInStockSubscription.objects.filter(pk__in=unsent, notified_at=notified_at).update(notified_at=None)
        if not delivered and subscriptions:
            Product.objects.filter(pk=subscriptions[0].product_id, back_in_stock_notified_at=notified_at).update(
                back_in_stock_notified_at=None
            )
        raise
    if delivered:
        logger.info("Back-in-stock alerts: %d sent for product %s.", delivered, subscriptions[0].product_id)
    return delivered


def order_reminders_send(
    *,
    older_than_hours: int | None = None,
    batch_size: int = 200,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Remind each customer whose order has been pending longer than `older_than_hours`, once per order.
    Returns how many reminders were sent."""
    older_than_hours = settings.ORDER_REMINDER_AFTER_HOURS if older_than_hours is None else older_than_hours
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    due = (
        Order.objects.filter(status=Order.Status.PENDING, reminder_sent_at__isnull=True, created_at__lt=cutoff)
        .filter(user__is_active=True)
        .exclude(user__email="")
    )
    sent = 0
    while True:
        reminded_at = timezone.now()
        with transaction.atomic():
            claimed = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            Order.objects.filter(pk__in=claimed).update(reminder_sent_at=reminded_at)
        if not claimed:
            return sent
        sent += _order_reminders_deliver(order_ids=claimed, reminded_at=reminded_at)
        if on_progress is not None:
            on_progress(sent)


def _order_reminders_deliver(*, order_ids: list[int], reminded_at: datetime) -> int:
    """Send the claimed orders' reminders. When sending fails, or the mail server cannot even be reached, the
    unsent orders are released for the next run."""
    orders = list(
        Order.objects.filter(pk__in=order_ids).select_related("user").prefetch_related("items").order_by("pk")
    )
    delivered = 0
    try:
        with get_connection() as connection:
            for order in orders:
                email_build(
                    template="store/emails/order_reminder",
                    context={"order": order, "user": order.user, "items": order.items.all()},
                    to=[order.user.email],
                    connection=connection,
                ).send()
                delivered += 1
    except Exception:
        unsent = [unsent_order.pk for unsent_order in orders[delivered:]]
        Order.objects.filter(pk__in=unsent, reminder_sent_at=reminded_at).update(reminder_sent_at=None)
        _reminder_events_record(orders=orders[:delivered])
        raise
    _reminder_events_record(orders=orders)
    logger.info("Order reminders: %d sent.", delivered)
    return delivered


def _reminder_events_record(*, orders: list[Order]) -> None:
    """One `reminder_sent` event per order reminded, in one INSERT (the history entry `order_event_record` writes
    for a single change)."""
    OrderEvent.objects.bulk_create(OrderEvent(order=order, kind=OrderEvent.Kind.REMINDER_SENT) for order in orders)


def product_image_renditions_make(*, image_id: int) -> int:
    """Make the missing WebP renditions of an image (`IMAGE_RENDITION_WIDTHS`, none wider than the image) and
    record them. Returns how many were made; a second run makes none. The files are written before any row is
    locked; when the image was deleted meanwhile, they are deleted again."""
    image = ProductImage.objects.filter(pk=image_id).only("file", "renditions").first()
    if image is None:
        return 0
    missing = [width for width in settings.IMAGE_RENDITION_WIDTHS if str(width) not in image.renditions]
    if not missing:
        return 0
    with image.file.open("rb") as original:
        content = original.read()
    stem = image.file.name.rsplit(".", 1)[0]
    made = {}
    for width in missing:
        rendition = rendition_make(content=content, width=width)
        if rendition is None:
            continue
        data, rendition_width, rendition_height = rendition
        name = default_storage.save(f"{stem}-{width}.webp", ContentFile(data))
        made[str(width)] = {"name": name, "width": rendition_width, "height": rendition_height}
    if not made:
        return 0
    with transaction.atomic():
        locked = ProductImage.objects.select_for_update().filter(pk=image_id).only("renditions").first()
        if locked is not None:
            redundant = [made.pop(width)["name"] for width in list(made) if width in locked.renditions]
            locked.renditions = {**locked.renditions, **made}
            locked.save(update_fields=["renditions"])
    if locked is None:
        stored_files_delete(names=[rendition["name"] for rendition in made.values()])
        return 0
    stored_files_delete(names=redundant)
    logger.info("Image %d: %d renditions made.", image_id, len(made))
    return len(made)
