"""Request logs: each request's entry recorded (through the Redis buffer), drained into the database in bulk,
given its country, counted in the daily rollup the dashboard reads, and deleted after the retention period."""

import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import request_log_buffer
from core.geo import countries_resolve
from core.models import RequestLog, RequestLogDaily

logger = logging.getLogger(__name__)


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


def request_logs_cleanup(
    *,
    older_than_days: int,
    batch_size: int = 10_000,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Delete request logs older than `older_than_days`, `batch_size` rows per statement so no single delete
    holds locks or bloats the WAL for long. Returns how many were (or, with `dry_run`, would be) deleted.

    The dashboard's daily counts go with them for every day that lies wholly before the cutoff, so the
    dashboard never reports traffic whose logs are gone."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    expired = RequestLog.objects.filter(timestamp__lt=cutoff).order_by()
    if dry_run:
        return expired.count()
    deleted = 0
    while batch := list(expired.values_list("pk", flat=True)[:batch_size]):
        count, _ = RequestLog.objects.filter(pk__in=batch).delete()
        deleted += count
        if on_progress is not None:
            on_progress(deleted)
    RequestLogDaily.objects.filter(day__lt=log_day(cutoff)).delete()
    return deleted
