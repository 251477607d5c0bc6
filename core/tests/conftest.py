from datetime import datetime

import pytest
from django.conf import settings

from core.request_logs import request_logs_insert

# A port nothing listens on: Redis "down" without touching the real server.
BAD_REDIS_URL = "redis://127.0.0.1:9/0"

# Queries a request spends on its own log entry: none with the Redis buffer; when written directly, one
# statement (the row and its daily count) in a savepoint.
LOGGING_QUERIES = 0 if settings.REDIS_URL else 3

requires_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real Redis server)")


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = BAD_REDIS_URL
    settings.CACHES = {
        "default": {
            "BACKEND": "duka_app.ops.cache.FailOpenRedisCache",
            "LOCATION": BAD_REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return settings


@pytest.fixture
def no_redis_buffer(settings):
    settings.REDIS_URL = ""
    return settings


def entry(ip: str, when: datetime, *, method="GET", path="/api/products/", status=200) -> dict:
    return {
        "timestamp": when.isoformat(),
        "ip": ip,
        "method": method,
        "path": path,
        "status_code": status,
        "response_time_ms": 1.5,
        "user_id": None,
        "user_agent": "pytest",
    }


@pytest.fixture
def add_logs(db):
    """`add_logs([(ip, country, when, extra...)])` stores logs with known countries, as the drain would."""

    def add(rows: list[tuple], **fields) -> None:
        entries = [entry(ip, when, **fields) for ip, _, when in rows]
        request_logs_insert(entries=entries, countries={ip: country for ip, country, _ in rows})

    return add
