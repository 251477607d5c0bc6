"""The request log buffer against real Redis: nothing lost when a drain dies, nothing counted twice when a batch is
delivered again, a length cap, and a cache that cannot flush the buffer or the broker."""

import json
import logging

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from core import request_log_buffer
from core.models import RequestLog, RequestLogDaily
from core.request_log_buffer import BufferConsumer
from core.request_logs import request_log_record, request_logs_drain, request_logs_flush, request_logs_insert
from core.tests.concurrency import start_blocked_by_this_session
from core.tests.conftest import entry, requires_redis
from duka_app.celery import app as celery_app
from duka_app.ops.tasks import heartbeat

pytestmark = requires_redis


def buffer_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def queue(count: int, *, ip: str = "10.0.0.1", when=None) -> None:
    """`count` request log entries in the Redis buffer, as requests leave them."""
    when = when or timezone.now()
    for n in range(count):
        request_log_record(entry=entry(ip, when, path=f"/api/products/{n}/"))
    request_logs_flush()


def in_flight() -> int:
    """Entries held by drains (taken from the buffer, not yet known to be stored)."""
    client = buffer_client()
    return sum(client.llen(key) for key in client.scan_iter(match=f"{settings.REQUEST_LOG_BUFFER_KEY}:processing:*"))


def daily_total() -> int:
    return sum(RequestLogDaily.objects.values_list("request_count", flat=True))


@pytest.mark.django_db
def test_a_batch_taken_stays_in_redis_until_it_is_done():
    queue(5)

    with BufferConsumer() as consumer:
        taken = consumer.take(3)
        assert (request_log_buffer.buffer_length(), in_flight()) == (2, 3)
        consumer.done()
        assert (request_log_buffer.buffer_length(), in_flight()) == (2, 0)

    assert [item["path"] for item in taken] == [f"/api/products/{n}/" for n in range(3)]
    assert all(len(item["id"]) == 32 for item in taken)


@pytest.mark.django_db
def test_a_batch_stored_but_not_marked_done_is_delivered_again_and_not_counted_twice(settings):
    """A drain killed between its commit and telling Redis: the next drain gets the batch again."""
    settings.REQUEST_LOG_DRAIN_LEASE_SECONDS = 0
    queue(4)
    dead = BufferConsumer()
    batch = dead.take(10)
    assert request_logs_insert(entries=batch, countries={}) == 4
    assert (request_log_buffer.buffer_length(), in_flight()) == (0, 4)

    assert request_logs_drain() == 0

    assert RequestLog.objects.count() == 4
    assert daily_total() == 4
    assert (request_log_buffer.buffer_length(), in_flight()) == (0, 0)


@pytest.mark.django_db
def test_a_batch_never_stored_is_recovered_in_order_once_its_lease_ends(settings, caplog):
    settings.REQUEST_LOG_DRAIN_LEASE_SECONDS = 0
    queue(3, ip="10.0.0.1")
    BufferConsumer().take(2)
    queue(2, ip="10.0.0.2")

    with caplog.at_level(logging.WARNING), BufferConsumer() as consumer:
        order = [(item["ip"], item["path"]) for item in consumer.take(10)]
        consumer.done()

    assert order == [
        ("10.0.0.1", "/api/products/0/"),
        ("10.0.0.1", "/api/products/1/"),
        ("10.0.0.1", "/api/products/2/"),
        ("10.0.0.2", "/api/products/0/"),
        ("10.0.0.2", "/api/products/1/"),
    ]
    assert "Recovered 2 request log entries from a drain that did not finish" in caplog.text


@pytest.mark.django_db
def test_a_drain_leaves_a_batch_alone_while_its_lease_runs(settings):
    settings.REQUEST_LOG_DRAIN_LEASE_SECONDS = 60
    queue(3)
    busy = BufferConsumer()
    busy.take(2)

    assert request_logs_drain() == 1

    assert (RequestLog.objects.count(), request_log_buffer.buffer_length(), in_flight()) == (1, 0, 2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_a_batch_redelivered_while_its_first_drain_still_writes_it_is_stored_once(settings):
    """The second drain's insert waits on the first's uncommitted rows (the unique entry id), then skips them."""
    settings.REQUEST_LOG_DRAIN_LEASE_SECONDS = 0
    queue(6, ip="10.0.0.1")
    slow = BufferConsumer()
    leases = buffer_client()
    second_drain: list[int] = []

    def drain_again() -> None:
        try:
            second_drain.append(request_logs_drain())
        finally:
            connection.close()

    with transaction.atomic():
        assert request_logs_insert(entries=slow.take(10), countries={}) == 6
        other = start_blocked_by_this_session(drain_again, "the second drain")
        assert not leases.hexists(f"{settings.REQUEST_LOG_BUFFER_KEY}:leases", slow.name)
    other.join()
    slow.done()

    assert second_drain == [0]
    assert RequestLog.objects.count() == 6
    assert daily_total() == 6
    assert (request_log_buffer.buffer_length(), in_flight()) == (0, 0)


@pytest.mark.django_db
def test_the_same_entries_inserted_twice_are_stored_and_counted_once():
    now = timezone.now()
    entries = [{**entry("10.0.0.1", now), "id": f"{n:032x}"} for n in range(3)]

    assert request_logs_insert(entries=entries, countries={}) == 3
    assert request_logs_insert(entries=[*entries, {**entries[0]}], countries={}) == 0

    assert RequestLog.objects.count() == 3
    assert list(RequestLogDaily.objects.values_list("ip", "request_count")) == [("10.0.0.1", 3)]


@pytest.mark.django_db
def test_the_drain_spends_one_statement_per_batch(django_assert_max_num_queries):
    queue(30)

    # Per batch: the insert in a savepoint (3, inside the test's transaction); then one pending-country query.
    with django_assert_max_num_queries(3 * 3 + 3):
        assert request_logs_drain(batch_size=10) == 30

    assert daily_total() == 30


@pytest.mark.django_db
def test_the_buffer_drops_entries_past_its_cap_and_warns_once_a_minute(settings, caplog):
    settings.REQUEST_LOG_BUFFER_MAX = 3

    with caplog.at_level(logging.WARNING, logger="core.request_log_buffer"):
        queue(5, ip="10.0.0.1")
        queue(4, ip="10.0.0.2")

    warnings = [record.getMessage() for record in caplog.records if "buffer is full" in record.getMessage()]
    assert warnings == [
        "Request log buffer is full (REQUEST_LOG_BUFFER_MAX=3): dropped 2 entries. Is the drain running?"
    ]
    assert request_log_buffer.buffer_length() == 3
    assert request_logs_drain() == 3
    assert sorted(RequestLog.objects.values_list("ip", "path")) == [
        ("10.0.0.1", f"/api/products/{n}/") for n in range(3)
    ]


@pytest.mark.django_db
def test_requests_past_the_cap_are_served_and_their_logs_dropped(settings, api_client):
    settings.REQUEST_LOG_BUFFER_MAX = 1
    queue(1)

    responses = [api_client.get("/api/products/", REMOTE_ADDR="10.0.0.3") for _ in range(3)]
    request_logs_flush()

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert request_log_buffer.buffer_length() == 1
    assert not RequestLog.objects.exists()


@pytest.mark.django_db
def test_clearing_the_cache_leaves_the_buffer_and_the_broker_queue_alone():
    assert settings.CACHES["default"]["LOCATION"] != settings.REDIS_URL
    queue(2)
    cache.set("probe", 1)
    message = heartbeat.apply_async()
    broker = redis.Redis.from_url(celery_app.conf.broker_url)
    queue_name = celery_app.conf.task_default_queue
    try:
        cache.clear()

        assert cache.get("probe") is None
        assert request_log_buffer.buffer_length() == 2
        assert any(message.id in raw.decode() for raw in broker.lrange(queue_name, 0, -1))
    finally:
        for raw in broker.lrange(queue_name, 0, -1):
            if json.loads(raw)["headers"]["id"] == message.id:
                broker.lrem(queue_name, 1, raw)
