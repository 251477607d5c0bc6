"""The Redis list that request logs wait in until `request_logs_drain` writes them in bulk.

A request only appends its entry to this process's outbox (microseconds); a background thread pushes
the outbox to Redis with one script call every `REQUEST_LOG_FLUSH_SECONDS` (or sooner when it fills up),
so no request waits on a Redis round trip. When a push fails the entries go back to the outbox, the
circuit breaker opens, and the next request writes them to the database itself. The list holds at most
`REQUEST_LOG_BUFFER_MAX` entries; a drain takes them through a `BufferConsumer`, which survives the
drain's worker being killed mid-batch.
"""

import atexit
import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

import redis
from django.conf import settings

from duka_app.ops.cache import REDIS_FAULTS, redis_breaker

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


def _redis_call(action: Callable[[redis.Redis], object]):
    try:
        return action(_client())
    except REDIS_FAULTS as error:
        redis_breaker.trip(settings.REDIS_URL)
        raise BufferUnavailable(str(error)) from error


# Appends what fits under the cap (ARGV[1]) and returns how many entries that was. RPUSH in slices: Lua's
# unpack() has a limit on the number of values.
_PUSH_UNDER_CAP = """
local last = math.min(#ARGV, tonumber(ARGV[1]) - redis.call('LLEN', KEYS[1]) + 1)
for first = 2, last, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, first, math.min(first + 999, last)))
end
return math.max(last - 1, 0)
"""


class _FullBufferWarning:
    """Warns that the buffer is full at most once a minute (per process), with the number of entries dropped."""

    INTERVAL_SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dropped = 0
        self._next_at = 0.0

    def dropped(self, count: int) -> None:
        with self._lock:
            self._dropped += count
            now = time.monotonic()
            if now < self._next_at:
                return
            self._next_at = now + self.INTERVAL_SECONDS
            count, self._dropped = self._dropped, 0
        logger.warning(
            "Request log buffer is full (REQUEST_LOG_BUFFER_MAX=%d): dropped %d entries. Is the drain running?",
            settings.REQUEST_LOG_BUFFER_MAX,
            count,
        )

    def reset(self) -> None:
        with self._lock:
            self._dropped = 0
            self._next_at = 0.0


full_buffer_warning = _FullBufferWarning()


def _push(entries: list[dict]) -> None:
    """Append entries to the buffer; past `REQUEST_LOG_BUFFER_MAX` they are dropped, so a stalled drain cannot fill
    Redis (which also holds the broker's queue) and a request never waits for room."""
    values = [json.dumps(entry, separators=(",", ":")) for entry in entries]
    pushed = _redis_call(
        lambda client: client.register_script(_PUSH_UNDER_CAP)(
            keys=[settings.REQUEST_LOG_BUFFER_KEY], args=[settings.REQUEST_LOG_BUFFER_MAX, *values]
        )
    )
    if pushed < len(entries):
        full_buffer_warning.dropped(len(entries) - pushed)


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


def _lease_keys() -> tuple[str, str]:
    """The hash of drains' lease deadlines, and the prefix of their processing lists."""
    return f"{settings.REQUEST_LOG_BUFFER_KEY}:leases", f"{settings.REQUEST_LOG_BUFFER_KEY}:processing:"


_REDIS_NOW_MS = """
local clock = redis.call('TIME')
local now_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# Moves up to ARGV[1] entries from the head of the buffer to this drain's processing list, in one step, and sets
# its lease deadline (Redis's clock, so drains on different hosts agree).
_TAKE = (
    _REDIS_NOW_MS
    + """
redis.call('HSET', KEYS[3], ARGV[2], string.format('%d', now_ms + tonumber(ARGV[3])))
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  for first = 1, #items, 1000 do
    redis.call('RPUSH', KEYS[2], unpack(items, first, math.min(first + 999, #items)))
  end
end
return items
"""
)

# Puts the processing lists of drains whose lease ran out (and of ARGV[2], a drain giving its batch back) at the
# head of the buffer, in their order, and forgets those drains. Returns the number of entries moved.
_RECOVER = (
    _REDIS_NOW_MS
    + """
local leases = redis.call('HGETALL', KEYS[2])
local moved = 0
for i = 1, #leases, 2 do
  local drain = leases[i]
  if drain == ARGV[2] or tonumber(leases[i + 1]) <= now_ms then
    local processing = ARGV[1] .. drain
    local items = redis.call('LRANGE', processing, 0, -1)
    for j = #items, 1, -1 do
      redis.call('LPUSH', KEYS[1], items[j])
    end
    moved = moved + #items
    redis.call('DEL', processing)
    redis.call('HDEL', KEYS[2], drain)
  end
end
return moved
"""
)


class BufferConsumer:
    """One drain's hold on the buffer, used as a context manager.

    `take` moves a batch atomically from the buffer to this drain's own processing list, where it stays until
    `done` (called after the database commit). If the drain dies in between, its entries are not lost: once
    its lease (`REQUEST_LOG_DRAIN_LEASE_SECONDS`) has run out, the next drain to start puts them back at the
    head of the buffer. A batch can thus be delivered twice, never lost; entry ids make the second delivery
    a no-op. Leaving the block on an error gives the current batch back at once.
    """

    def __init__(self) -> None:
        self.name = uuid.uuid4().hex
        self._leases_key, prefix = _lease_keys()
        self._processing_key = prefix + self.name

    def __enter__(self) -> "BufferConsumer":
        recovered = self._recover(release="")
        if recovered:
            logger.warning("Recovered %d request log entries from a drain that did not finish.", recovered)
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            self._recover(release=self.name)
        except BufferUnavailable as error:
            logger.warning("Could not give a request log batch back (%s); it returns when its lease ends.", error)

    def take(self, count: int) -> list[dict]:
        """Up to `count` entries, oldest first."""
        lease_ms = int(settings.REQUEST_LOG_DRAIN_LEASE_SECONDS * 1000)
        raw = _redis_call(
            lambda client: client.register_script(_TAKE)(
                keys=[settings.REQUEST_LOG_BUFFER_KEY, self._processing_key, self._leases_key],
                args=[count, self.name, lease_ms],
            )
        )
        return [json.loads(item) for item in raw]

    def done(self) -> None:
        """The last batch taken is safely stored: forget it."""
        _redis_call(lambda client: client.delete(self._processing_key))

    def _recover(self, *, release: str) -> int:
        _, prefix = _lease_keys()
        return _redis_call(
            lambda client: client.register_script(_RECOVER)(
                keys=[settings.REQUEST_LOG_BUFFER_KEY, self._leases_key], args=[prefix, release]
            )
        )


def buffer_length() -> int:
    return _client().llen(settings.REQUEST_LOG_BUFFER_KEY)
