import logging
import time

import pytest
from django.db import connection

from accounts.tests.factories import DEFAULT_PASSWORD
from core import request_log_buffer
from core.models import RequestLog, RequestLogDaily
from core.request_logs import request_logs_drain, request_logs_flush
from core.tests.conftest import requires_redis

CHROME = "Mozilla/5.0 " + "x" * 1000


def daily_total() -> int:
    return sum(RequestLogDaily.objects.values_list("request_count", flat=True))


@pytest.mark.django_db
def test_a_request_produces_exactly_one_log_row_after_the_drain(client_for, customer):
    client = client_for(None)
    token = client.post("/api/auth/token/", {"username": "carol", "password": DEFAULT_PASSWORD}, format="json")
    request_logs_drain()
    RequestLog.objects.all().delete()
    RequestLogDaily.objects.all().delete()

    response = client.get(
        "/api/profile/",
        HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}",
        HTTP_USER_AGENT=CHROME,
        REMOTE_ADDR="8.8.8.8",
    )
    request_logs_drain()
    request_logs_drain()

    assert response.status_code == 200
    log = RequestLog.objects.get()
    assert (log.ip, log.method, log.path, log.status_code, log.user_id) == (
        "8.8.8.8",
        "GET",
        "/api/profile/",
        200,
        customer.pk,
    )
    assert log.user_agent == CHROME[:512]
    assert log.country == "US" and not log.country_pending
    assert log.response_time_ms > 0
    assert list(RequestLogDaily.objects.values_list("ip", "country", "request_count")) == [("8.8.8.8", "US", 1)]


@requires_redis
@pytest.mark.django_db
def test_with_redis_the_entry_waits_in_the_buffer_until_the_drain(api_client):
    api_client.get("/api/security/dashboard/", REMOTE_ADDR="1.1.1.1")
    request_logs_flush()

    assert request_log_buffer.buffer_length() == 1
    assert not RequestLog.objects.exists()
    assert request_logs_drain() == 1
    assert request_log_buffer.buffer_length() == 0
    assert list(RequestLog.objects.values_list("ip", "status_code", "country")) == [("1.1.1.1", 401, "AU")]


@pytest.mark.django_db
def test_without_redis_the_entry_is_inserted_directly_and_its_country_resolved_later(api_client, no_redis_buffer):
    api_client.get("/api/security/dashboard/", REMOTE_ADDR="81.2.69.142")

    log = RequestLog.objects.get()
    assert (log.country, log.country_pending) == ("", True)
    assert list(RequestLogDaily.objects.values_list("country", "request_count")) == [("", 1)]

    request_logs_drain()

    log.refresh_from_db()
    assert (log.country, log.country_pending) == ("GB", False)
    assert list(RequestLogDaily.objects.values_list("country", "request_count")) == [("GB", 1)]
    assert daily_total() == RequestLog.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/static/admin/css/base.css", "/api/health/", "/favicon.ico"])
def test_static_assets_and_health_are_not_logged(api_client, no_redis_buffer, path):
    api_client.get(path)

    assert not RequestLog.objects.exists()


@pytest.mark.django_db
def test_private_addresses_get_no_country(api_client, no_redis_buffer):
    api_client.get("/api/products/", REMOTE_ADDR="10.1.2.3")
    api_client.get("/api/products/", REMOTE_ADDR="::1")
    request_logs_drain()

    assert sorted(RequestLog.objects.values_list("ip", "country", "country_pending")) == [
        ("10.1.2.3", "", False),
        ("::1", "", False),
    ]


@pytest.mark.django_db
def test_nul_bytes_and_huge_paths_are_logged_without_failing(api_client, no_redis_buffer):
    response = api_client.get("/api/" + "a" * 5000 + "%00x", HTTP_USER_AGENT="bad\x00agent")

    assert response.status_code == 404
    log = RequestLog.objects.get()
    assert len(log.path) == 2048 and "\x00" not in log.path
    assert log.user_agent == "badagent"


@pytest.mark.django_db
def test_with_redis_down_requests_are_served_and_logged_to_the_database(api_client, redis_down, caplog):
    with caplog.at_level(logging.WARNING):
        first = api_client.get("/api/security/dashboard/", REMOTE_ADDR="8.8.8.8")
        second = api_client.post("/api/auth/token/", {"username": "x", "password": "y"}, format="json")

        request_logs_drain()

    assert (first.status_code, second.status_code) == (401, 401)
    assert sorted(RequestLog.objects.values_list("path", "status_code")) == [
        ("/api/auth/token/", 401),
        ("/api/security/dashboard/", 401),
    ]
    assert "Request log buffer unavailable; writing" in caplog.text


@pytest.mark.django_db
def test_once_a_push_failed_requests_write_their_own_logs_directly(api_client, redis_down):
    api_client.get("/api/products/", REMOTE_ADDR="8.8.8.8")
    request_logs_flush()
    assert RequestLog.objects.count() == 1

    api_client.get("/api/products/", REMOTE_ADDR="8.8.4.4")

    assert sorted(RequestLog.objects.values_list("ip", flat=True)) == ["8.8.4.4", "8.8.8.8"]


@requires_redis
@pytest.mark.django_db
def test_the_background_flusher_pushes_queued_entries_to_redis(api_client, settings):
    for n in range(3):
        api_client.get("/api/products/", REMOTE_ADDR=f"198.51.100.{n}")

    deadline = time.monotonic() + 1
    while request_log_buffer.buffer_length() < 3 and time.monotonic() < deadline:
        time.sleep(settings.REQUEST_LOG_FLUSH_SECONDS)

    assert request_log_buffer.buffer_length() == 3
    assert not RequestLog.objects.exists()


@pytest.mark.django_db
def test_a_database_fault_while_logging_is_reported_and_the_request_still_succeeds(api_client, no_redis_buffer, caplog):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_requestlog RENAME TO core_requestlog_away")
    try:
        with caplog.at_level(logging.ERROR):
            response = api_client.get("/api/schema/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_requestlog_away RENAME TO core_requestlog")

    assert response.status_code == 200
    assert "Could not record the request log entry GET /api/schema/" in caplog.text
    assert not RequestLog.objects.exists()


@requires_redis
@pytest.mark.django_db
def test_a_failed_drain_puts_the_entries_back(api_client):
    api_client.get("/api/products/", REMOTE_ADDR="8.8.8.8")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_requestlog RENAME TO core_requestlog_away")
    try:
        with pytest.raises(Exception, match="core_requestlog"):
            request_logs_drain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_requestlog_away RENAME TO core_requestlog")

    assert request_log_buffer.buffer_length() == 1
    assert request_logs_drain() == 1
    assert RequestLog.objects.count() == 1
