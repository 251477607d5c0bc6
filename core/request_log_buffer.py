"""The Redis list that request logs wait in until `request_logs_drain` writes them in bulk."""

import json
import logging
import threading

import redis
from django.conf import settings

from core.cache import REDIS_FAULTS, redis_breaker

logger = logging.getLogger(__name__)

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


class BufferUnavailable(Exception):
    """Redis is not configured or not answering; the caller writes to the database instead."""


def _client() -> redis.Redis:
    url = settings.REDIS_URL
    if not url:
        raise BufferUnavailable("REDIS_URL is not set.")
    if redis_breaker.is_open(url):
        raise BufferUnavailable("Redis failed recently.")
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url) or redis.Redis.from_url(
                url,
                socket_timeout=settings.REDIS_SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT_SECONDS,
            )
            _clients[url] = client
    return client


def buffer_push(entry: dict) -> None:
    client = _client()
    try:
        client.rpush(settings.REQUEST_LOG_BUFFER_KEY, json.dumps(entry, separators=(",", ":")))
    except REDIS_FAULTS as error:
        redis_breaker.trip(settings.REDIS_URL)
        raise BufferUnavailable(str(error)) from error


def buffer_pop(count: int) -> list[dict]:
    """Up to `count` entries, oldest first, removed from the list atomically (LPOP with a count)."""
    try:
        raw = _client().lpop(settings.REQUEST_LOG_BUFFER_KEY, count) or []
    except REDIS_FAULTS as error:
        redis_breaker.trip(settings.REDIS_URL)
        raise BufferUnavailable(str(error)) from error
    return [json.loads(item) for item in raw]


def buffer_push_back(entries: list[dict]) -> None:
    """Return entries a failed drain could not write, so the next drain retries them."""
    if entries:
        _client().lpush(settings.REQUEST_LOG_BUFFER_KEY, *[json.dumps(entry) for entry in reversed(entries)])


def buffer_length() -> int:
    return _client().llen(settings.REQUEST_LOG_BUFFER_KEY)
