"""The Redis list that request logs wait in until `request_logs_drain` writes them in bulk.

A request only appends its entry to this process's outbox (microseconds); a background thread pushes
the outbox to Redis with one RPUSH every `REQUEST_LOG_FLUSH_SECONDS` (or sooner when it fills up), so
no request waits on a Redis round trip. When a push fails the entries go back to the outbox, the
circuit breaker opens, and the next request writes them to the database itself.
"""

import atexit
import json
import logging
import os
import threading
from collections import deque
from collections.abc import Callable

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


def _push(entries: list[dict]) -> None:
    try:
        _client().rpush(
            settings.REQUEST_LOG_BUFFER_KEY, *[json.dumps(entry, separators=(",", ":")) for entry in entries]
        )
    except REDIS_FAULTS as error:
        redis_breaker.trip(settings.REDIS_URL)
        raise BufferUnavailable(str(error)) from error


class Outbox:
    def __init__(self) -> None:
        self._entries: deque[dict] = deque()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def put(self, entry: dict) -> bool:
        """Queue an entry for Redis; False when Redis is unavailable or the outbox is full."""
        if not settings.REDIS_URL or redis_breaker.is_open(settings.REDIS_URL):
            return False
        if len(self._entries) >= settings.REQUEST_LOG_OUTBOX_MAX:
            return False
        self._ensure_flusher()
        self._entries.append(entry)
        if len(self._entries) >= settings.REQUEST_LOG_FLUSH_SIZE:
            self._wake.set()
        return True

    def take_all(self) -> list[dict]:
        taken = []
        while True:
            try:
                taken.append(self._entries.popleft())
            except IndexError:
                return taken

    def flush(self, on_unavailable: Callable[[list[dict]], None] | None = None) -> None:
        """Push every queued entry to Redis. If it is unavailable, hand them to `on_unavailable` or, without
        one, put them back and raise BufferUnavailable."""
        with self._flush_lock:
            batch = self.take_all()
            if not batch:
                return
            try:
                _push(batch)
            except BufferUnavailable:
                if on_unavailable is None:
                    self._entries.extendleft(reversed(batch))
                    raise
                on_unavailable(batch)

    def discard(self) -> None:
        with self._flush_lock:
            self._entries.clear()

    def _ensure_flusher(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with _clients_lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()  # a forked worker starts its own thread
            self._thread = threading.Thread(target=self._run, name="request-log-flusher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(settings.REQUEST_LOG_FLUSH_SECONDS)
            self._wake.clear()
            try:
                self.flush()
            except BufferUnavailable as error:
                logger.warning("Request log buffer unavailable (%s); requests will write their logs directly.", error)
            except Exception:
                logger.exception("Request log flusher failed.")


outbox = Outbox()


@atexit.register
def _flush_on_exit() -> None:
    try:
        outbox.flush()
    except Exception:
        logger.warning("Could not push %d request log entries at exit.", len(outbox._entries))


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
