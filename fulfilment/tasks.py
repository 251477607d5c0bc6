from celery import shared_task

from fulfilment import emails


@shared_task(
    name="fulfilment.tasks.shipment_email_send",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=3,
)
def shipment_email_send(kind: str, shipment_id: int) -> None:
    emails.shipment_email_send(kind=kind, shipment_id=shipment_id)
