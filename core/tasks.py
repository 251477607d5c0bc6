from celery import shared_task
from django.conf import settings

from core.jobs import request_logs_cleanup, worker_heartbeat_record


@shared_task(name="core.tasks.heartbeat")
def heartbeat() -> None:
    worker_heartbeat_record()


@shared_task(name="core.tasks.cleanup_logs")
def cleanup_logs() -> int:
    return request_logs_cleanup(older_than_days=settings.REQUEST_LOG_RETENTION_DAYS)
