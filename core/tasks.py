from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from core import services
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


@shared_task(name="core.tasks.drain_request_logs", ignore_result=True)
def drain_request_logs() -> int:
    return services.request_logs_drain()


@shared_task(name="core.tasks.analyze_logs", ignore_result=True)
def analyze_logs() -> dict:
    return services.suspicious_ips_analyze()
