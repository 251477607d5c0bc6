from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task

from store.jobs import (
    back_in_stock_alerts_send,
    low_stock_alert_send,
    order_reminders_send,
    product_image_renditions_make,
)
from store.services.cart import guest_carts_delete_expired

# Mail-server faults are worth a retry: claims are released when a send fails, so a retry sends nothing twice.
# (smtplib.SMTPException and socket errors are all OSErrors.)
_RETRY_ON_MAIL_FAULTS = {"autoretry_for": (OSError,), "retry_backoff": 30, "retry_jitter": True, "max_retries": 3}


@shared_task(name="store.tasks.low_stock_alert", **_RETRY_ON_MAIL_FAULTS)
def low_stock_alert() -> int:
    return low_stock_alert_send().alerted


@shared_task(name="store.tasks.order_reminders", **_RETRY_ON_MAIL_FAULTS)
def order_reminders() -> int:
    return order_reminders_send()


@shared_task(name="store.tasks.guest_carts_cleanup")
def guest_carts_cleanup() -> int:
    return guest_carts_delete_expired()


@shared_task(name="store.tasks.back_in_stock_alerts", **_RETRY_ON_MAIL_FAULTS)
def back_in_stock_alerts(product_ids: list[int] | None = None) -> int:
    """Enqueued after a commit that brought products back in stock; scheduled for all products as well."""
    return back_in_stock_alerts_send(product_ids=product_ids)


# Storage faults (a filesystem full, an S3 endpoint down) are OSErrors or botocore errors: worth a retry, as a
# run makes only the renditions still missing. Anything else is a defect that a retry would not cure.
@shared_task(
    name="store.tasks.product_image_renditions",
    autoretry_for=(OSError, BotoCoreError, ClientError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def product_image_renditions(image_id: int) -> int:
    return product_image_renditions_make(image_id=image_id)
