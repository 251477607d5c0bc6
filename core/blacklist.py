"""The blacklist as the middleware sees it: a snapshot of {ip: expiry} shared through the cache.

Each process keeps the snapshot for at most `BLACKLIST_LOCAL_TTL_SECONDS`, then re-reads it from the
cache (one GET); only when the cache has no snapshot is the database read, and the snapshot stored
again. Writers (core.services) rebuild the cached snapshot when they commit, so a change reaches every
process within the local TTL, with no query per request.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

CACHE_KEY = "security:blacklist:v1"


def blacklist_snapshot_build() -> dict[str, float | None]:
    """{ip: expiry as a UNIX timestamp, or None for never} of the entries not yet expired."""
    from core.models import BlacklistedIP

    now = timezone.now()
    rows = BlacklistedIP.objects.exclude(expires_at__lte=now).values_list("ip", "expires_at")
    return {ip: expires_at.timestamp() if expires_at else None for ip, expires_at in rows}


def blacklist_snapshot_publish() -> dict[str, float | None]:
    snapshot = blacklist_snapshot_build()
    cache.set(CACHE_KEY, snapshot, timeout=settings.BLACKLIST_CACHE_SECONDS)
    local_guard.forget()
    return snapshot


class BlacklistGuard:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._snapshot: dict[str, float | None] | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def forget(self) -> None:
        self._snapshot = None

    def _current(self) -> dict[str, float | None]:
        snapshot = self._snapshot
        if snapshot is not None and self._clock() - self._loaded_at < settings.BLACKLIST_LOCAL_TTL_SECONDS:
            return snapshot
        with self._lock:
            snapshot = cache.get(CACHE_KEY)
            if snapshot is None:
                snapshot = blacklist_snapshot_build()
                cache.set(CACHE_KEY, snapshot, timeout=settings.BLACKLIST_CACHE_SECONDS)
            self._snapshot, self._loaded_at = snapshot, self._clock()
        return snapshot

    def is_blocked(self, ip: str) -> bool:
        snapshot = self._current()
        if ip not in snapshot:
            return False
        expires_at = snapshot[ip]
        return expires_at is None or expires_at > time.time()


local_guard = BlacklistGuard()
