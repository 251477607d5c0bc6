"""Core background jobs: request-log retention and the worker heartbeat. Celery tasks (core/tasks.py) and
management commands call these functions, so each job also runs without a worker."""

import time
from collections.abc import Callable
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from core.models import RequestLog, RequestLogDaily
from core.services import log_day

WORKER_HEARTBEAT_CACHE_KEY = "worker-heartbeat"


def request_logs_cleanup(
    *,
    older_than_days: int,
    batch_size: int = 10_000,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Delete request logs older than `older_than_days`, `batch_size` rows per statement so no single delete
    holds locks or bloats the WAL for long. Returns how many were (or, with `dry_run`, would be) deleted.

    The dashboard's daily counts go with them for every day that lies wholly before the cutoff, so the
    dashboard never reports traffic whose logs are gone."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    expired = RequestLog.objects.filter(timestamp__lt=cutoff).order_by()
    if dry_run:
        return expired.count()
    deleted = 0
    while batch := list(expired.values_list("pk", flat=True)[:batch_size]):
        count, _ = RequestLog.objects.filter(pk__in=batch).delete()
        deleted += count
        if on_progress is not None:
            on_progress(deleted)
    RequestLogDaily.objects.filter(day__lt=log_day(cutoff)).delete()
    return deleted


def worker_heartbeat_record() -> float:
    """Record that a worker is alive now (shared cache); returns the recorded Unix time."""
    now = time.time()
    cache.set(WORKER_HEARTBEAT_CACHE_KEY, now, timeout=None)
    return now


def worker_heartbeat_age() -> float | None:
    """Seconds since the last heartbeat, or None when none was ever recorded. Cache faults propagate."""
    recorded_at = cache.get(WORKER_HEARTBEAT_CACHE_KEY)
    if recorded_at is None:
        return None
    return max(0.0, time.time() - float(recorded_at))
