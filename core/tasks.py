from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from core.jobs import request_logs_cleanup, worker_heartbeat_record


@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> None:
    worker_heartbeat_record()


@worker_ready.connect
def heartbeat_on_worker_start(**kwargs) -> None:
    """A worker that just started is reported alive at once, not at beat's first heartbeat a minute later."""
    worker_heartbeat_record()


@shared_task(name="core.tasks.cleanup_logs")
def cleanup_logs() -> int:
    return request_logs_cleanup(older_than_days=settings.REQUEST_LOG_RETENTION_DAYS)
