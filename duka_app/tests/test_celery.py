import socket
import subprocess
import sys
import time

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import transaction

from duka_app.celery import app as celery_app
from duka_app.ops.heartbeat import worker_heartbeat_age
from duka_app.ops.queue import enqueue_on_commit
from duka_app.ops.tasks import heartbeat
from duka_app.tests.processes import BASE_DIR, child_environment, redis_answers, worker_start, worker_stop
from duka_app.tests.test_settings import REAL_SECRET_KEY, load_settings
from store.models import Product
from store.tasks import low_stock_alert
from store.tests.factories import ProductFactory


def test_messages_are_json_only():
    conf = celery_app.conf

    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert list(conf.accept_content) == ["json"]
    assert list(conf.result_accept_content) == ["json"]


def test_jobs_are_acknowledged_late_one_at_a_time_and_time_limited():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


def test_broker_waits_are_bounded():
    conf = celery_app.conf

    assert conf.broker_transport_options["socket_timeout"] <= 1
    assert conf.broker_transport_options["socket_connect_timeout"] <= 1
    assert conf.redis_socket_timeout <= 1 and conf.redis_socket_connect_timeout <= 1
    assert conf.task_publish_retry_policy["max_retries"] <= 1


def test_beat_schedules_every_periodic_job():
    schedule = {entry["task"]: entry["schedule"] for entry in celery_app.conf.beat_schedule.values()}

    assert schedule["core.tasks.heartbeat"] == 60
    assert schedule["core.tasks.analyze_logs"] == 300
    assert schedule["core.tasks.drain_request_logs"] <= 10
    assert schedule["store.tasks.low_stock_alert"] == crontab(minute=0)
    assert schedule["store.tasks.order_reminders"] == crontab(minute=30)
    assert schedule["core.tasks.cleanup_logs"] == crontab(hour=3, minute=15)
    assert schedule["payments.tasks.orders_expire"] == 60
    assert schedule["payments.tasks.payments_reconcile"] == 60
    assert schedule["store.tasks.guest_carts_cleanup"] == crontab(hour=3, minute=45)


def test_a_test_stage_runs_every_periodic_job_at_its_own_period():
    report = (
        "from duka_app.celery import app\n"
        "print(sorted({str(entry['schedule']) for entry in app.conf.beat_schedule.values()}))\n"
    )
    child = load_settings(report, DJANGO_SECRET_KEY=REAL_SECRET_KEY, BEAT_PERIOD_SECONDS="3")

    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "['3.0']"


@pytest.mark.parametrize(
    "task_name",
    [
        "core.tasks.heartbeat",
        "core.tasks.cleanup_logs",
        "store.tasks.low_stock_alert",
        "store.tasks.order_reminders",
        "payments.tasks.orders_expire",
        "payments.tasks.payments_reconcile",
        "payments.tasks.refund_submit",
        "payments.tasks.payment_email_send",
        "store.tasks.guest_carts_cleanup",
    ],
)
def test_job_tasks_are_registered(task_name):
    celery_app.loader.import_default_modules()  # as a worker does when it starts: every app's tasks module

    assert task_name in celery_app.tasks


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_sends_after_the_commit(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    with transaction.atomic():
        enqueue_on_commit(heartbeat)
        assert worker_heartbeat_age() is None

    assert worker_heartbeat_age() is not None


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_sends_nothing_when_the_transaction_rolls_back(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(heartbeat)
        raise RuntimeError("the request failed")

    assert worker_heartbeat_age() is None


@pytest.fixture
def silent_listener():
    """A TCP port that accepts connections and never answers: a hung or black-holed Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        listener.close()


@pytest.mark.django_db
@pytest.mark.parametrize("broker", ["closed-port", "silent"])
@pytest.mark.slow
def test_enqueueing_to_a_dead_broker_logs_and_returns(request, broker):
    broker_url = "redis://127.0.0.1:1/0" if broker == "closed-port" else request.getfixturevalue("silent_listener")
    script = (
        "import django; django.setup()\n"
        "from duka_app.ops.queue import enqueue_on_commit\n"
        "from duka_app.ops.tasks import heartbeat\n"
        "enqueue_on_commit(heartbeat)\n"
        "print('returned')\n"
    )

    # The whole child (Django start-up included) is bounded only to keep a regression from hanging the suite.
    child = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=child_environment(REDIS_URL=broker_url),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert child.returncode == 0, child.stderr
    assert "returned" in child.stdout
    assert "Could not enqueue core.tasks.heartbeat" in child.stdout


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_runs_the_jobs_it_is_sent(tmp_path, manager):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is unset: a real worker needs a real broker")
    if not redis_answers(settings.REDIS_URL):
        pytest.skip(f"Redis at {settings.REDIS_URL} does not answer")
    product = ProductFactory(name="Last Teapot", stock=1)
    log_path = tmp_path / "worker.log"

    worker = worker_start(log=log_path, name="test", EMAIL_URL="consolemail://")
    try:
        heartbeat.delay()
        low_stock_alert.delay()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and worker.poll() is None:
            product.refresh_from_db()
            if worker_heartbeat_age() is not None and product.low_stock_alerted_at is not None:
                break
            time.sleep(0.2)
    finally:
        worker_stop(worker)

    worker_log = log_path.read_text()
    assert worker_heartbeat_age() is not None, worker_log
    assert Product.objects.get(pk=product.pk).low_stock_alerted_at is not None, worker_log
    assert "Task core.tasks.heartbeat[" in worker_log and "succeeded" in worker_log
    assert "Subject: Low stock: 1 product at or under 5" in worker_log
    assert "To: maria@example.com" in worker_log
