"""A Redis cache that fails open.

Django's RedisCache raises when Redis is down, which would turn every throttled or cached endpoint
into a 500. This backend logs a warning and behaves like an empty cache instead, and after a failure
skips Redis for `REDIS_RETRY_SECONDS` so a black-holed server costs one socket timeout, not one per call.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

REDIS_FAULTS = (RedisError, OSError)


class CircuitBreaker:
    """Remembers, per Redis location, that it failed recently, so callers skip it for a while."""

    def __init__(self) -> None:
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_open(self, location: str) -> bool:
        return self._down_until.get(location, 0.0) > time.monotonic()

    def trip(self, location: str) -> None:
        with self._lock:
            self._down_until[location] = time.monotonic() + settings.REDIS_RETRY_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._down_until.clear()


redis_breaker = CircuitBreaker()


def _fail_open(method_name: str, fallback):
    def method(self, *args, **kwargs):
        if redis_breaker.is_open(self._location_key):
            return fallback(*args, **kwargs) if callable(fallback) else fallback
        try:
            return getattr(RedisCache, method_name)(self, *args, **kwargs)
        except REDIS_FAULTS as error:
            redis_breaker.trip(self._location_key)
            logger.warning("Cache unavailable (%s failed: %s); carrying on without it.", method_name, error)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = method_name
    return method


def _default_argument(key, default=None, *args, **kwargs):
    return default


def _incr_fallback(key, delta=1, *args, **kwargs):
    return delta


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new `redis.Redis` for every cache call, which registers its ~170 response callbacks each
    time: about as long as a cache hit's round trip. One client per connection pool does the same (a client is
    thread-safe; the pool hands each command a connection).

    `get_many`, the catalog cache's hit path, skips the client altogether: redis-py's work around each command
    (taking a connection from the pool and giving it back, its metrics) costs more than the MGET's round trip on
    loopback. It sends the MGET on a connection of its own instead, one per thread and process, made like the
    pool's. A connection the server closed while it sat idle is found by the MGET failing, and replaced once, as
    the pool replaces one it finds closed when it hands it out (the pool's own retry options do not apply)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._reader = threading.local()
        self._reconnect_once = Retry(NoBackoff(), retries=1, supported_errors=(RedisConnectionError,))

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def get_many(self, keys):
        keys = list(keys)
        if not keys:
            return {}
        values = self._reconnect_once.call_with_retry(lambda: self._mget(keys), lambda error: None)
        found = zip(keys, values, strict=True)
        return {key: self._serializer.loads(value) for key, value in found if value is not None}

    def _mget(self, keys: list) -> list:
        connection = self._read_connection()
        try:
            connection.send_command("MGET", *keys)
            return connection.read_response()
        except BaseException:
            # Whatever interrupted it, a reply left unread would answer the next MGET: the connection goes.
            connection.disconnect()
            self._reader.connection = None
            raise

    def _read_connection(self):
        connection = getattr(self._reader, "connection", None)
        if connection is None or connection.pid != os.getpid():
            pool = self._get_connection_pool(write=False)  # with several servers, a read replica picked anew
            connection = self._reader.connection = pool.connection_class(**pool.connection_kwargs)
        return connection


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    @property
    def _location_key(self) -> str:
        return ",".join(self._servers)

    get = _fail_open("get", _default_argument)
    set = _fail_open("set", None)
    add = _fail_open("add", False)
    touch = _fail_open("touch", False)
    delete = _fail_open("delete", False)
    get_many = _fail_open("get_many", lambda *args, **kwargs: {})
    has_key = _fail_open("has_key", False)
    incr = _fail_open("incr", _incr_fallback)
    set_many = _fail_open("set_many", lambda data, *args, **kwargs: list(data))
    delete_many = _fail_open("delete_many", None)
    clear = _fail_open("clear", False)
