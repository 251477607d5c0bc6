from celery import shared_task
from django.conf import settings

from core.analysis import suspicious_ips_analyze
from core.request_logs import request_logs_cleanup, request_logs_drain


@shared_task(name="core.tasks.cleanup_logs")
def cleanup_logs() -> int:
    return request_logs_cleanup(older_than_days=settings.REQUEST_LOG_RETENTION_DAYS)


@shared_task(name="core.tasks.drain_request_logs", ignore_result=True)
def drain_request_logs() -> int:
    return request_logs_drain()


@shared_task(name="core.tasks.analyze_logs", ignore_result=True)
def analyze_logs() -> dict:
    return suspicious_ips_analyze()
