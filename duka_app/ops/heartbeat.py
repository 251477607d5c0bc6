"""The worker heartbeat: each worker records that it is alive in the shared cache (beat's `core.tasks.heartbeat`
every minute, and once at start-up); the health check reports its age."""

import time

from django.core.cache import cache

WORKER_HEARTBEAT_CACHE_KEY = "worker-heartbeat"


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
