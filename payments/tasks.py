from celery import shared_task

from payments import emails, jobs, services
from payments.providers.base import ProviderError


@shared_task(
    name="payments.tasks.refund_submit",
    autoretry_for=(ProviderError, OSError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=8,
)
def refund_submit(refund_id: int) -> str:
    return services.refund_submit(refund_id=refund_id).status


@shared_task(
    name="payments.tasks.payment_email_send",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=3,
)
def payment_email_send(kind: str, object_id: int) -> None:
    emails.payment_email_send(kind=kind, object_id=object_id)


@shared_task(name="payments.tasks.orders_expire")
def orders_expire() -> int:
    return jobs.orders_expire_unpaid()


@shared_task(name="payments.tasks.payments_reconcile")
def payments_reconcile() -> int:
    return jobs.payments_reconcile_pending()
