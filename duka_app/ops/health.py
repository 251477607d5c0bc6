"""The checks behind GET /api/health/. Each answers "ok", "unconfigured" or "down" within about a second and
never raises: a health check that fails is a "down", not an error page."""

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection, models

from duka_app.celery import app as celery_app
from duka_app.ops.heartbeat import worker_heartbeat_age

logger = logging.getLogger(__name__)


class HealthState(models.TextChoices):
    OK = "ok"
    UNCONFIGURED = "unconfigured"
    DOWN = "down"


def database_status() -> HealthState:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Health check: the database is not answering.", exc_info=True)
        return HealthState.DOWN
    return HealthState.OK


def cache_status() -> HealthState:
    """Unconfigured when the cache is process-local (no REDIS_URL): nothing is shared between processes."""
    cache = caches["default"]
    if isinstance(cache, LocMemCache | DummyCache):
        return HealthState.UNCONFIGURED
    probe = uuid.uuid4().hex
    try:
        cache.set("health-probe", probe, timeout=10)
        answered = cache.get("health-probe")
    except Exception:
        logger.warning("Health check: the cache is not answering.", exc_info=True)
        return HealthState.DOWN
    return HealthState.OK if answered == probe else HealthState.DOWN


def broker_status() -> HealthState:
    """Unconfigured when tasks run in-process (no REDIS_URL)."""
    if celery_app.conf.task_always_eager:
        return HealthState.UNCONFIGURED
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0)
    except Exception:
        logger.warning("Health check: the broker is not answering.", exc_info=True)
        return HealthState.DOWN
    return HealthState.OK


def worker_heartbeat_status() -> tuple[HealthState, int | None]:
    """The worker's liveness from its heartbeat job, and the heartbeat's age in seconds."""
    if celery_app.conf.task_always_eager:
        return HealthState.UNCONFIGURED, None
    try:
        age = worker_heartbeat_age()
    except Exception:
        logger.warning("Health check: the worker heartbeat cannot be read.", exc_info=True)
        return HealthState.DOWN, None
    if age is None:
        return HealthState.DOWN, None
    return (HealthState.OK if age <= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS else HealthState.DOWN), int(age)


def health_report() -> dict:
    heartbeat, heartbeat_age = worker_heartbeat_status()
    return {
        "database": database_status(),
        "cache": cache_status(),
        "broker": broker_status(),
        "worker_heartbeat": heartbeat,
        "worker_heartbeat_age_seconds": heartbeat_age,
    }
