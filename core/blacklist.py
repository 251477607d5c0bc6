"""The blacklist: its rules (which addresses may be blocked) and the snapshot the middleware checks.

The middleware sees a snapshot of {ip: expiry} shared through the cache. Each process keeps it for at most
`BLACKLIST_LOCAL_TTL_SECONDS`, then re-reads it from the cache (one GET); only when the cache has no snapshot
is the database read, and the snapshot stored again. Every change below rebuilds the cached snapshot when it
commits, so it reaches every process within the local TTL, with no query per request.
"""

import ipaddress
import threading
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.client_ip import RequestOrigin
from core.errors import AlreadyBlacklisted, IPNotBlockable
from core.models import BlacklistedIP

CACHE_KEY = "security:blacklist:v1"


def blacklist_snapshot_build() -> dict[str, float | None]:
    """{ip: expiry as a UNIX timestamp, or None for never} of the entries not yet expired."""
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


def blacklist_publish_on_commit() -> None:
    """Rebuild the cached snapshot once the current transaction commits (a rolled-back change publishes nothing)."""
    transaction.on_commit(blacklist_snapshot_publish)


def blacklist_check_blockable(*, ip: str, origin: RequestOrigin | None = None) -> None:
    """Refuse an address whose blocking would lock the store out (`IPNotBlockable`).

    Loopback and unspecified addresses (the server itself; `0.0.0.0` also stands for a client whose address is
    unknown), the caller's own address (`origin`, the request that asks), and a trusted proxy's: one the request
    came through, or one in `TRUSTED_PROXY_NETWORKS`; blocking a proxy refuses every client behind it, and the
    load balancer's health checks.
    """
    address = ipaddress.ip_address(ip)
    address = getattr(address, "ipv4_mapped", None) or address
    if address.is_loopback or address.is_unspecified:
        raise IPNotBlockable("Loopback and unspecified addresses cannot be blacklisted.")
    if origin is not None and ip == origin.client:
        raise IPNotBlockable("This is the address your request comes from; blacklisting it would lock you out.")
    if (origin is not None and ip in origin.proxies) or any(
        address in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXY_NETWORKS
    ):
        raise IPNotBlockable("This is a trusted proxy's address; blacklisting it would block every client behind it.")


def _blacklist_check_not_listed(*, ip: str, entry: BlacklistedIP) -> None:
    """Refuse an address another entry already lists (`AlreadyBlacklisted`, an error of the `ip` field); checked
    before whether the address may be blocked at all, so a listed one is always reported as listed."""
    if BlacklistedIP.objects.filter(ip=ip).exclude(pk=entry.pk).exists():
        raise AlreadyBlacklisted(field="ip")


def _blacklist_save(entry: BlacklistedIP, *, update_fields: list[str] | None = None) -> None:
    """Save the entry; the unique index on `ip` settles a race with a concurrent listing of the same address,
    which the check above cannot see before it commits."""
    try:
        with transaction.atomic():
            entry.save(update_fields=update_fields)
    except IntegrityError as error:
        if BlacklistedIP.objects.filter(ip=entry.ip).exclude(pk=entry.pk).exists():
            raise AlreadyBlacklisted(field="ip") from error
        raise


@transaction.atomic
def blacklist_add(
    *,
    ip: str,
    reason: str = "",
    expires_at: datetime | None = None,
    created_by=None,
    origin: RequestOrigin | None = None,
) -> BlacklistedIP:
    entry = BlacklistedIP(ip=ip, reason=reason, expires_at=expires_at, created_by=created_by)
    _blacklist_check_not_listed(ip=ip, entry=entry)
    blacklist_check_blockable(ip=ip, origin=origin)
    _blacklist_save(entry)
    blacklist_publish_on_commit()
    return entry


@transaction.atomic
def blacklist_update(*, entry: BlacklistedIP, origin: RequestOrigin | None = None, **fields) -> BlacklistedIP:
    if "ip" in fields:
        _blacklist_check_not_listed(ip=fields["ip"], entry=entry)
        blacklist_check_blockable(ip=fields["ip"], origin=origin)
    for name, value in fields.items():
        setattr(entry, name, value)
    _blacklist_save(entry, update_fields=list(fields))
    blacklist_publish_on_commit()
    return entry


@transaction.atomic
def blacklist_remove(*, entry: BlacklistedIP) -> None:
    entry.delete()
    blacklist_publish_on_commit()


@transaction.atomic
def blacklist_remove_many(*, ips: list[str]) -> int:
    deleted, _ = BlacklistedIP.objects.filter(ip__in=ips).delete()
    blacklist_publish_on_commit()
    return deleted
