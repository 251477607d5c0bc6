"""The Celery application: the broker, results and eager mode come from settings (CELERY_*, driven by REDIS_URL);
the operating policy and the beat schedule live here.
"""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duka_app.settings")

# Seconds a web process may wait on the broker or the result backend for one attempt. With one publish retry,
# a dead or black-holed Redis costs `.delay()` about two seconds, not the minute of the defaults.
BROKER_TIMEOUT_SECONDS = 1.0

app = Celery("duka_app")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # JSON only: no pickle from the broker.
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_accept_content=["json"],
    # Every job is idempotent, so a job lost with its worker is redelivered; one message at a time per process
    # so a long job never holds others hostage.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=5 * 60,
    task_time_limit=6 * 60,
    # Jobs report through logs and their effects; nobody reads results, so none are stored.
    task_ignore_result=True,
    result_expires=60 * 60,
    broker_connection_timeout=BROKER_TIMEOUT_SECONDS,
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
        # Longer than the hard time limit, so a slow job is not redelivered while it still runs.
        "visibility_timeout": 60 * 60,
    },
    task_publish_retry=True,
    task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
    redis_socket_timeout=BROKER_TIMEOUT_SECONDS,
    redis_socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
    redis_retry_on_timeout=False,
    worker_hijack_root_logger=False,
    # Frequent jobs expire rather than pile up while no worker runs.
    beat_schedule={
        "drain-request-logs": {"task": "core.tasks.drain_request_logs", "schedule": 5.0, "options": {"expires": 30}},
        "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0, "options": {"expires": 60}},
        "analyze-logs": {"task": "core.tasks.analyze_logs", "schedule": 5 * 60.0},
        "low-stock-alert": {"task": "store.tasks.low_stock_alert", "schedule": crontab(minute=0)},
        "back-in-stock-alerts": {"task": "store.tasks.back_in_stock_alerts", "schedule": crontab(minute="*/10")},
        "order-reminders": {"task": "store.tasks.order_reminders", "schedule": crontab(minute=30)},
        "payments-reconcile": {
            "task": "payments.tasks.payments_reconcile",
            "schedule": 60.0,
            "options": {"expires": 60},
        },
        "orders-expire": {"task": "payments.tasks.orders_expire", "schedule": 60.0, "options": {"expires": 60}},
        "cleanup-logs": {"task": "core.tasks.cleanup_logs", "schedule": crontab(hour=3, minute=15)},
        "guest-carts-cleanup": {"task": "store.tasks.guest_carts_cleanup", "schedule": crontab(hour=3, minute=45)},
    },
)
app.autodiscover_tasks()
app.autodiscover_tasks(["duka_app.ops"])


@app.on_after_configure.connect
def beat_period_override(sender, **kwargs) -> None:
    """With BEAT_PERIOD_SECONDS set (test stages), every periodic job runs at that period, so a short run sees
    each one run several times."""
    if settings.BEAT_PERIOD_SECONDS:
        for entry in sender.conf.beat_schedule.values():
            entry["schedule"] = settings.BEAT_PERIOD_SECONDS
