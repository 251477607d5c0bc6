from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import RequestLog, RequestLogDaily
from core.request_logs import request_logs_cleanup, request_logs_insert
from core.tasks import cleanup_logs
from core.tests.conftest import entry
from core.tests.factories import RequestLogFactory


def make_logs(*, days_ago: float, count: int) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    RequestLogFactory.create_batch(count, timestamp=at)


def run(*args: str) -> str:
    out = StringIO()
    call_command("cleanup_logs", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def logs(db):
    """3 logs of 200 days ago, 2 of 91 days ago, 4 of 89 days ago, 5 of today."""
    make_logs(days_ago=200, count=3)
    make_logs(days_ago=91, count=2)
    make_logs(days_ago=89, count=4)
    make_logs(days_ago=0, count=5)


def test_cleanup_deletes_logs_older_than_the_90_day_retention(logs):
    output = run()

    assert "Deleted 5 request logs older than 90 days." in output
    assert RequestLog.objects.count() == 9
    assert not RequestLog.objects.filter(timestamp__lt=timezone.now() - timedelta(days=90)).exists()


def test_a_second_cleanup_deletes_nothing_more(logs):
    run()

    output = run()

    assert "Deleted 0 request logs" in output
    assert RequestLog.objects.count() == 9


def test_cleanup_days_sets_the_retention(logs):
    output = run("--days", "30")

    assert "Deleted 9 request logs older than 30 days." in output
    assert RequestLog.objects.count() == 5


def test_cleanup_dry_run_counts_and_deletes_nothing(logs):
    output = run("--dry-run", "--days", "30")

    assert "Dry run: 9 request logs older than 30 days would be deleted." in output
    assert RequestLog.objects.count() == 14


def test_cleanup_deletes_in_batches_and_shows_progress(logs):
    output = run("--batch-size", "2")

    assert [line.strip() for line in output.splitlines()[:3]] == [
        "deleted 2 so far",
        "deleted 4 so far",
        "deleted 5 so far",
    ]
    assert RequestLog.objects.count() == 9


@pytest.mark.parametrize("args", [["--days", "-1"], ["--batch-size", "0"]], ids=["negative-days", "zero-batch"])
def test_cleanup_rejects_bad_options_and_deletes_nothing(logs, args):
    with pytest.raises(CommandError):
        run(*args)

    assert RequestLog.objects.count() == 14


def test_cleanup_task_uses_the_configured_retention(logs, settings):
    settings.REQUEST_LOG_RETENTION_DAYS = 100

    assert cleanup_logs() == 3
    assert cleanup_logs() == 0
    assert RequestLog.objects.count() == 11


def test_cleanup_with_nothing_to_delete_reports_no_progress(db):
    progress = []

    assert request_logs_cleanup(older_than_days=90, on_progress=progress.append) == 0
    assert progress == []


@pytest.mark.django_db
def test_cleanup_removes_the_dashboard_counts_of_days_past_the_retention():
    now = timezone.now()
    request_logs_insert(
        entries=[
            entry("203.0.113.7", now - timedelta(days=200)),
            entry("203.0.113.7", now - timedelta(days=91)),
            entry("203.0.113.8", now - timedelta(days=1)),
        ],
        countries={"203.0.113.7": "KE", "203.0.113.8": "TZ"},
    )

    request_logs_cleanup(older_than_days=90)

    assert list(RequestLogDaily.objects.values_list("ip", "request_count")) == [("203.0.113.8", 1)]
    assert RequestLog.objects.count() == 1


@pytest.mark.django_db
def test_cleanup_dry_run_keeps_the_dashboard_counts():
    request_logs_insert(entries=[entry("203.0.113.7", timezone.now() - timedelta(days=200))], countries={})

    request_logs_cleanup(older_than_days=90, dry_run=True)

    assert RequestLogDaily.objects.count() == 1
