"""Read replicas: which database each query goes to.

With `DATABASE_REPLICA_URLS` set, the settings add one database alias per replica (`replica_1`, ...), this
router and `ReadRoutingMiddleware`. Catalog reads (`DATABASE_REPLICA_MODELS`) of a GET, HEAD or OPTIONS request
go to a replica; everything else goes to the primary (`default`): writes, reads of other models, reads inside a
transaction, reads after the request wrote, reads outside a request (jobs, commands), and every read of a client
that wrote within the last `DATABASE_REPLICA_STICKY_SECONDS`, so a client always sees its own writes although
a replica lags behind the primary. A client is its IP address and, once authenticated, its user id. While the
cache that holds those marks is unreachable, every client counts as a recent writer. One request reads from one
replica, picked when it starts, so its count, page and related rows come from the same point in the replica's
replay. A request whose answer goes into the catalog response cache reads from the primary (`primary_reads`):
an answer read from a lagging replica would be stored under the version of a write it does not show.
"""

import random
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.functional import LazyObject, empty

from core.client_ip import client_ip
from duka_app.ops.cache import redis_breaker

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RECENT_WRITER_KEY = "db:recent-writer:{}"


@dataclass
class RequestReads:
    """Where the current request's reads may go; `wrote` is set by the first write the router sees."""

    request: object
    wrote: bool = False
    primary_only: bool = False
    replica: str = field(default_factory=lambda: random.choice(settings.DATABASE_REPLICA_ALIASES))
    _recent_writer: bool | None = field(default=None, repr=False)

    def keys(self) -> list[str]:
        keys = [RECENT_WRITER_KEY.format(f"ip:{client_ip(self.request)}")]
        user_id = _authenticated_user_id(self.request)
        if user_id is not None:
            keys.append(RECENT_WRITER_KEY.format(f"user:{user_id}"))
        return keys

    def replica_allowed(self) -> bool:
        if (
            self.request.method not in SAFE_METHODS
            or self.wrote
            or self.primary_only
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return False
        if self._recent_writer is None:
            self._recent_writer = bool(cache.get_many(self.keys())) or _cache_unreachable()
        return not self._recent_writer

    def mark_recent_writer(self) -> None:
        cache.set_many(dict.fromkeys(self.keys(), 1), timeout=settings.DATABASE_REPLICA_STICKY_SECONDS)


def _cache_unreachable() -> bool:
    """The fail-open cache answers nothing while Redis is down: a missing mark then proves nothing."""
    location = getattr(cache, "_location_key", None)
    return location is not None and redis_breaker.is_open(location)


def _authenticated_user_id(request) -> int | None:
    """The user id once authentication ran (DRF sets `request.user` on the view's request); the lazy user of
    Django's middleware is not evaluated here, it would cost a session query."""
    user = vars(request).get("user")
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return user.pk if user is not None and user.is_authenticated else None


current_reads: ContextVar[RequestReads | None] = ContextVar("current_reads", default=None)


def primary_reads() -> None:
    """The rest of the current request reads from the primary (no-op outside a request or without replicas)."""
    reads = current_reads.get()
    if reads is not None:
        reads.primary_only = True


class ReadRoutingMiddleware:
    """Opens the request's routing state, and marks the client a recent writer after an unsafe request or a
    request that wrote."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        reads = RequestReads(request)
        token = current_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            current_reads.reset(token)
        if reads.wrote or request.method not in SAFE_METHODS:
            reads.mark_recent_writer()
        return response


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        reads = current_reads.get()
        if model._meta.label in settings.DATABASE_REPLICA_MODELS and reads is not None and reads.replica_allowed():
            return reads.replica
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        reads = current_reads.get()
        if reads is not None:
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        """Every alias holds the same data: a row read from a replica may be related to one from the primary."""
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
