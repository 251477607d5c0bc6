"""A real Celery worker killed with SIGKILL in the middle of a request log batch loses no log and counts none twice."""

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core import request_log_buffer
from core.models import RequestLog, RequestLogDaily
from core.request_logs import log_day, request_log_record, request_logs_drain, request_logs_flush
from core.tasks import drain_request_logs
from core.tests.concurrency import backends_blocked_by
from core.tests.conftest import entry
from duka_app.celery import app as celery_app
from duka_app.tests.processes import redis_answers, worker_start, worker_stop

pytestmark = pytest.mark.worker

BATCH = 10
WORKER_ENVIRONMENT = {
    "REQUEST_LOG_DRAIN_BATCH_SIZE": str(BATCH),
    # Short, so the restarted worker may take over the dead one's batch without a long wait.
    "REQUEST_LOG_DRAIN_LEASE_SECONDS": "1",
}
IPS = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]  # one batch each, drained in this order
STUCK_IP = IPS[1]

# Only keeps a regression from hanging the suite; nothing here is timed.
GIVE_UP_SECONDS = 120


def wait_for(condition: Callable[[], object], what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Gave up waiting for {what}." + (f"\n{log.read_text()}" if log else ""))
        time.sleep(0.1)


def drain_through(worker_log: Path) -> None:
    """Send one drain to the worker and wait until it has finished."""
    task = drain_request_logs.delay()
    wait_for(lambda: f"{task.id}] succeeded" in worker_log.read_text(), f"drain {task.id}", worker_log)


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def forget_unacknowledged(task_ids: set[str]) -> None:
    """The killed worker's own message stays unacknowledged in the broker (redelivered an hour later): drop it."""
    broker = redis.Redis.from_url(celery_app.conf.broker_url)
    for tag, raw in broker.hgetall("unacked").items():
        if json.loads(raw)[0]["headers"]["id"] in task_ids:
            broker.hdel("unacked", tag)
            broker.zrem("unacked_index", tag)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_no_request_log_and_counts_none_twice(tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is unset: a real worker needs a real broker")
    if not redis_answers(settings.REDIS_URL):
        pytest.skip(f"Redis at {settings.REDIS_URL} does not answer")
    when = timezone.now()
    for ip in IPS:
        for n in range(BATCH):
            request_log_record(entry=entry(ip, when, path=f"/api/products/{n}/"))
    request_logs_flush()
    total = len(IPS) * BATCH
    assert request_log_buffer.buffer_length() == total

    # Another session inserts (uncommitted) the daily count row the second batch adds to: that batch's statement
    # waits on it after its entries left the buffer and its log rows went in, i.e. in the middle of the batch.
    holder = connection.get_new_connection(connection.get_connection_params())
    holder.autocommit = False
    holder.execute(
        "INSERT INTO core_requestlogdaily (day, ip, country, request_count) VALUES (%s, %s, '', 0)",
        [log_day(when), STUCK_IP],
    )
    holder_pid = holder.execute("SELECT pg_backend_pid()").fetchone()[0]
    first_log, second_log = tmp_path / "first-worker.log", tmp_path / "second-worker.log"
    first = worker_start(log=first_log, name="chaos", **WORKER_ENVIRONMENT)
    killed_task = None
    try:
        killed_task = drain_request_logs.delay()
        wait_for(lambda: backends_blocked_by(holder_pid), "the drain to block mid-batch", first_log)
        [stuck_backend] = backends_blocked_by(holder_pid)
        assert RequestLog.objects.count() == BATCH
        assert request_log_buffer.buffer_length() == BATCH

        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        holder.rollback()
        # The killed worker's session notices it is gone once its statement ends, and rolls back.
        wait_for(lambda: not backend_alive(stuck_backend), "the killed worker's database session to end")
        assert RequestLog.objects.count() == BATCH

        second = worker_start(log=second_log, name="chaos", **WORKER_ENVIRONMENT)
        try:
            # As beat would: drains keep coming; the dead worker's batch is taken over once its lease has ended.
            for _ in range(10):
                drain_through(second_log)
                if RequestLog.objects.count() >= total:
                    break
        finally:
            worker_stop(second)
    finally:
        worker_stop(first)
        holder.close()
        if killed_task is not None:
            forget_unacknowledged({killed_task.id})

    assert request_logs_drain() == 0
    assert RequestLog.objects.count() == total
    assert dict(RequestLogDaily.objects.values_list("ip", "request_count")) == {ip: BATCH for ip in IPS}
    assert sorted(RequestLog.objects.values_list("ip", "path").distinct()) == [
        (ip, f"/api/products/{n}/") for ip in IPS for n in range(BATCH)
    ]
    assert request_log_buffer.buffer_length() == 0
