from celery import shared_task

from core import services


@shared_task(name="core.tasks.drain_request_logs", ignore_result=True)
def drain_request_logs() -> int:
    return services.request_logs_drain()


@shared_task(name="core.tasks.analyze_logs", ignore_result=True)
def analyze_logs() -> dict:
    return services.suspicious_ips_analyze()
