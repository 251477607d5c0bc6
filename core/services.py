"""Request logging, blacklist and suspicious-IP rules."""

import contextlib
import ipaddress
import logging
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import request_log_buffer
from core.blacklist import blacklist_snapshot_publish
from core.client_ip import RequestOrigin
from core.exceptions import DomainError
from core.geoip import countries_resolve
from core.models import BlacklistedIP, RequestLog, RequestLogDaily, SuspiciousIP

logger = logging.getLogger(__name__)

FAILED_LOGIN_PATH = "/api/auth/token/"
ERROR_STATUSES = (401, 403, 404)


class AlreadyBlacklisted(DomainError):
    code = "already_blacklisted"
    default_detail = "This IP address is already blacklisted."


class IPNotBlockable(DomainError):
    code = "ip_not_blockable"
    default_detail = "This IP address cannot be blacklisted."


# --- request logs -----------------------------------------------------------------------------------------


def request_log_record(*, entry: dict) -> None:
    """Store one request's log entry: queued for the Redis buffer when there is one, else in the database.

    The entry gets its id here, so however often the buffer delivers it, it is stored once. Entries a failed
    Redis push left behind in this process are written along with it. Never raises: a logging fault is
    reported in the server log and the request goes on.
    """
    entry.setdefault("id", uuid.uuid4().hex)
    if request_log_buffer.outbox.put(entry):
        return
    entries = [*request_log_buffer.outbox.take_all(), entry]
    try:
        if settings.REDIS_URL:
            _insert_unbuffered(entries)
        else:
            request_logs_insert(entries=entries, countries=None)
    except Exception:
        logger.exception("Could not record the request log entry %s %s.", entry.get("method"), entry.get("path"))


def request_logs_flush() -> None:
    """Push this process's queued entries to Redis now, or write them to the database if it is down."""
    request_log_buffer.outbox.flush(on_unavailable=_insert_unbuffered)


def _insert_unbuffered(entries: list[dict]) -> None:
    logger.warning("Request log buffer unavailable; writing %d entries to the database.", len(entries))
    request_logs_insert(entries=entries, countries=None)


def log_day(timestamp: datetime) -> date:
    return timestamp.astimezone(UTC).date()


# RequestLog's columns as `request_logs_insert` fills them, with their PostgreSQL types.
_LOG_COLUMNS = {
    "entry_id": "uuid",
    "timestamp": "timestamptz",
    "ip": "inet",
    "method": "varchar",
    "path": "varchar",
    "status_code": "smallint",
    "response_time_ms": "float8",
    "user_id": "bigint",
    "user_agent": "varchar",
    "country": "varchar",
    "country_pending": "boolean",
}


def _log_row(entry: dict, country: str | None) -> tuple:
    """The values of `_LOG_COLUMNS` for one entry."""
    timestamp = entry["timestamp"]
    return (
        entry.get("id"),
        parse_datetime(timestamp) if isinstance(timestamp, str) else timestamp,
        entry["ip"],
        entry["method"][:10],
        entry["path"].replace("\x00", "")[:2048],
        entry["status_code"],
        entry["response_time_ms"],
        entry.get("user_id"),
        entry.get("user_agent", "").replace("\x00", "")[:512],
        country or "",
        country is None,
    )


def _columns(counts: Counter) -> list[list]:
    """{(day, ip, country): n} as four parallel arrays, for one `unnest` statement."""
    return [list(column) for column in zip(*[(*key, n) for key, n in counts.items()], strict=True)]


def daily_counts_add(counts: Counter) -> None:
    """Add {(day, ip, country): n} to the daily rollup in one statement."""
    if not counts:
        return
    days, ips, countries, numbers = _columns(counts)
    table = RequestLogDaily._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (day, ip, country, request_count)
            SELECT * FROM unnest(%s::date[], %s::inet[], %s::varchar[], %s::bigint[])
            ON CONFLICT (day, ip, country) DO UPDATE SET request_count = {table}.request_count + EXCLUDED.request_count
            """,
            [days, ips, countries, numbers],
        )


def daily_counts_subtract(counts: Counter) -> None:
    """Take {(day, ip, country): n} off the daily rollup, dropping rows that reach zero."""
    if not counts:
        return
    table = RequestLogDaily._meta.db_table
    moved = "unnest(%s::date[], %s::inet[], %s::varchar[], %s::bigint[]) AS moved(day, ip, country, n)"
    match = "daily.day = moved.day AND daily.ip = moved.ip AND daily.country = moved.country"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS daily SET request_count = daily.request_count - moved.n FROM {moved} WHERE {match}",
            _columns(counts),
        )
        cursor.execute(
            f"DELETE FROM {table} AS daily USING {moved} WHERE {match} AND daily.request_count = 0", _columns(counts)
        )


@transaction.atomic
def request_logs_insert(*, entries: list[dict], countries: dict[str, str] | None) -> int:
    """Insert log rows and add them to the daily counts, in one statement; returns the number inserted.

    An entry whose id is already stored (delivered a second time) is skipped, and only the rows actually
    inserted are counted, so a redelivered batch changes nothing. `countries=None` leaves countries pending.
    """
    if not entries:
        return 0
    rows = [_log_row(entry, None if countries is None else countries.get(entry["ip"], "")) for entry in entries]
    quote = connection.ops.quote_name
    logs, daily = quote(RequestLog._meta.db_table), quote(RequestLogDaily._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH inserted AS (
                INSERT INTO {logs} ({", ".join(quote(column) for column in _LOG_COLUMNS)})
                SELECT * FROM unnest({", ".join(f"%s::{kind}[]" for kind in _LOG_COLUMNS.values())})
                ON CONFLICT (entry_id) DO NOTHING
                RETURNING "timestamp", ip, country
            ), counted AS (
                INSERT INTO {daily} AS daily (day, ip, country, request_count)
                SELECT ("timestamp" AT TIME ZONE 'UTC')::date, ip, country, count(*) FROM inserted GROUP BY 1, 2, 3
                ON CONFLICT (day, ip, country)
                DO UPDATE SET request_count = daily.request_count + EXCLUDED.request_count
            )
            SELECT count(*) FROM inserted
            """,
            [list(column) for column in zip(*rows, strict=True)],
        )
        return cursor.fetchone()[0]


def request_logs_drain(*, batch_size: int | None = None, max_batches: int = 200) -> int:
    """Move buffered entries from Redis into the database, countries resolved per batch; returns the count.

    A batch leaves Redis only after its rows are committed (see `BufferConsumer`): a drain that fails or is
    killed mid-batch loses nothing, and a batch delivered again is neither stored nor counted twice. One
    statement per batch. Then countries of rows written directly to the database are resolved.
    """
    request_logs_flush()
    batch_size = batch_size or settings.REQUEST_LOG_DRAIN_BATCH_SIZE
    written = 0
    # Without Redis (unset, or down) there is no buffer to drain; rows written directly are still resolved.
    with contextlib.suppress(request_log_buffer.BufferUnavailable), request_log_buffer.BufferConsumer() as consumer:
        for _ in range(max_batches):
            entries = consumer.take(batch_size)
            if not entries:
                break
            written += request_logs_insert(entries=entries, countries=countries_resolve(e["ip"] for e in entries))
            consumer.done()
    request_logs_resolve_pending(batch_size=batch_size)
    return written


def request_logs_resolve_pending(*, batch_size: int = 5000) -> int:
    """Give rows inserted without a country their country, moving their daily counts along with them."""
    resolved = 0
    while True:
        with transaction.atomic():
            rows = list(
                RequestLog.objects.filter(country_pending=True)
                .order_by("id")
                .select_for_update(skip_locked=True)
                .values_list("id", "timestamp", "ip")[:batch_size]
            )
            if not rows:
                return resolved
            countries = countries_resolve(ip for _, _, ip in rows)
            moved_out: Counter = Counter()
            moved_in: Counter = Counter()
            for _, timestamp, ip in rows:
                if countries[ip]:
                    moved_out[(log_day(timestamp), ip, "")] += 1
                    moved_in[(log_day(timestamp), ip, countries[ip])] += 1
            for country in set(countries.values()):
                ids = [pk for pk, _, ip in rows if countries[ip] == country]
                RequestLog.objects.filter(id__in=ids).update(country=country, country_pending=False)
            daily_counts_subtract(moved_out)
            daily_counts_add(moved_in)
            resolved += len(rows)


# --- blacklist --------------------------------------------------------------------------------------------


def _publish_after_commit() -> None:
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


@transaction.atomic
def blacklist_add(
    *,
    ip: str,
    reason: str = "",
    expires_at: datetime | None = None,
    created_by=None,
    origin: RequestOrigin | None = None,
) -> BlacklistedIP:
    blacklist_check_blockable(ip=ip, origin=origin)
    if BlacklistedIP.objects.filter(ip=ip).exists():
        raise AlreadyBlacklisted(ip=ip)
    entry = BlacklistedIP.objects.create(ip=ip, reason=reason, expires_at=expires_at, created_by=created_by)
    _publish_after_commit()
    return entry


@transaction.atomic
def blacklist_update(*, entry: BlacklistedIP, origin: RequestOrigin | None = None, **fields) -> BlacklistedIP:
    if "ip" in fields:
        blacklist_check_blockable(ip=fields["ip"], origin=origin)
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save(update_fields=list(fields))
    _publish_after_commit()
    return entry


@transaction.atomic
def blacklist_remove(*, entry: BlacklistedIP) -> None:
    entry.delete()
    _publish_after_commit()


@transaction.atomic
def blacklist_remove_many(*, ips: list[str]) -> int:
    deleted, _ = BlacklistedIP.objects.filter(ip__in=ips).delete()
    _publish_after_commit()
    return deleted


# --- suspicious IPs ---------------------------------------------------------------------------------------


@transaction.atomic
def suspicious_ip_blacklist(
    *,
    suspicious: SuspiciousIP,
    created_by=None,
    reason: str = "",
    expires_at: datetime | None = None,
    origin: RequestOrigin | None = None,
) -> tuple[BlacklistedIP, bool]:
    """Blacklist a suspicious IP and mark it resolved. Returns the entry and whether it was created."""
    SuspiciousIP.objects.filter(pk=suspicious.pk).update(resolved=True)
    suspicious.resolved = True
    existing = BlacklistedIP.objects.filter(ip=suspicious.ip).first()
    if existing:
        return existing, False
    entry = blacklist_add(
        ip=suspicious.ip,
        reason=reason or f"Suspicious: {suspicious.reason}"[:255],
        expires_at=expires_at,
        created_by=created_by,
        origin=origin,
    )
    return entry, True


def suspicious_ip_resolve(*, suspicious: SuspiciousIP) -> SuspiciousIP:
    SuspiciousIP.objects.filter(pk=suspicious.pk).update(resolved=True)
    suspicious.resolved = True
    return suspicious


def suspicious_ips_analyze(*, now: datetime | None = None) -> dict[str, int]:
    """Flag IPs whose activity in the last `SECURITY_ANALYZE_WINDOW_MINUTES` passes a threshold.

    Counters are the window's counts (kept at their peak), so running twice over the same window
    changes nothing. An IP above the auto-blacklist thresholds is blacklisted until the expiry, when
    `SECURITY_AUTO_BLACKLIST` is on. Returns {"flagged": n, "blacklisted": n}.
    """
    now = now or timezone.now()
    config = settings.SECURITY_ANALYZE
    since = now - timedelta(minutes=config["WINDOW_MINUTES"])
    failed_login = Q(method="POST", path=FAILED_LOGIN_PATH, status_code=401)
    activity = (
        RequestLog.objects.filter(timestamp__gt=since, timestamp__lte=now)
        .values("ip")
        .annotate(
            requests=Count("id"),
            errors=Count("id", filter=Q(status_code__in=ERROR_STATUSES)),
            failed_logins=Count("id", filter=failed_login),
            first=Min("timestamp"),
            last=Max("timestamp"),
        )
        .filter(
            Q(requests__gte=config["MAX_REQUESTS"])
            | Q(errors__gte=config["MAX_ERRORS"])
            | Q(failed_logins__gte=config["MAX_FAILED_LOGINS"])
        )
        .order_by("ip")
    )
    flagged = blacklisted = 0
    for row in activity:
        _suspicious_upsert(row=row, config=config)
        flagged += 1
        if config["AUTO_BLACKLIST"] and _above_auto_blacklist(row, config):
            blacklisted += _auto_blacklist(ip=row["ip"], row=row, now=now, minutes=config["AUTO_BLACKLIST_MINUTES"])
    return {"flagged": flagged, "blacklisted": blacklisted}


def _reasons(row: dict, config: dict) -> str:
    reasons = []
    if row["requests"] >= config["MAX_REQUESTS"]:
        reasons.append(f"{row['requests']} requests")
    if row["errors"] >= config["MAX_ERRORS"]:
        reasons.append(f"{row['errors']} 401/403/404 responses")
    if row["failed_logins"] >= config["MAX_FAILED_LOGINS"]:
        reasons.append(f"{row['failed_logins']} failed logins")
    return f"{', '.join(reasons)} within {config['WINDOW_MINUTES']} min"[:255]


@transaction.atomic
def _suspicious_upsert(*, row: dict, config: dict) -> None:
    suspicious, created = SuspiciousIP.objects.select_for_update().get_or_create(
        ip=row["ip"],
        defaults={
            "reason": _reasons(row, config),
            "request_count": row["requests"],
            "error_count": row["errors"],
            "failed_login_count": row["failed_logins"],
            "first_seen": row["first"],
            "last_seen": row["last"],
        },
    )
    if created or row["last"] <= suspicious.last_seen:
        return
    suspicious.reason = _reasons(row, config)
    suspicious.request_count = max(suspicious.request_count, row["requests"])
    suspicious.error_count = max(suspicious.error_count, row["errors"])
    suspicious.failed_login_count = max(suspicious.failed_login_count, row["failed_logins"])
    suspicious.last_seen = row["last"]
    suspicious.resolved = False
    suspicious.save()


def _above_auto_blacklist(row: dict, config: dict) -> bool:
    return (
        row["requests"] >= config["BLACKLIST_REQUESTS"]
        or row["errors"] >= config["BLACKLIST_ERRORS"]
        or row["failed_logins"] >= config["BLACKLIST_FAILED_LOGINS"]
    )


def _auto_blacklist(*, ip: str, row: dict, now: datetime, minutes: int) -> int:
    try:
        blacklist_check_blockable(ip=ip)
    except IPNotBlockable as error:
        logger.warning("Not blacklisting %s automatically: %s", ip, error.detail)
        return 0
    if BlacklistedIP.objects.filter(ip=ip).exclude(expires_at__lte=now).exists():
        return 0
    with transaction.atomic():
        BlacklistedIP.objects.filter(ip=ip).delete()
        BlacklistedIP.objects.create(
            ip=ip,
            reason=f"Automatic: {_reasons(row, settings.SECURITY_ANALYZE)}"[:255],
            expires_at=now + timedelta(minutes=minutes),
        )
        _publish_after_commit()
    return 1
