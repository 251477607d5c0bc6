import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.blacklist import CACHE_KEY, BlacklistGuard, blacklist_add, blacklist_remove
from core.models import BlacklistedIP, RequestLog
from core.request_logs import request_logs_drain

BLOCKED = "203.0.113.7"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the blacklist snapshot publish) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/products/", "/api/auth/token/", "/admin/", "/static/admin/css/base.css", "/x"])
def test_a_blacklisted_ip_is_refused_on_every_path(api_client, on_commit, path):
    with on_commit():
        blacklist_add(ip=BLOCKED, reason="abuse")

    response = api_client.get(path, REMOTE_ADDR=BLOCKED)

    assert response.status_code == 403
    assert response.json() == {"detail": "Requests from this IP address are blocked.", "code": "ip_blacklisted"}
    assert api_client.get(path, REMOTE_ADDR="203.0.113.8").status_code != 403


@pytest.mark.django_db
def test_refused_requests_are_logged_too(api_client, on_commit):
    with on_commit():
        blacklist_add(ip=BLOCKED)

    api_client.get("/api/nowhere/", REMOTE_ADDR=BLOCKED)
    request_logs_drain()

    assert list(RequestLog.objects.values_list("ip", "status_code")) == [(BLOCKED, 403)]


@pytest.mark.django_db
def test_listing_and_unlisting_through_the_api_apply_to_the_next_request(client_for, manager, on_commit):
    staff, visitor = client_for(manager), client_for(None)
    assert visitor.get("/api/auth/profile/", REMOTE_ADDR=BLOCKED).status_code == 401

    with on_commit():
        created = staff.post("/api/security/blacklist/", {"ip": BLOCKED, "reason": "scraping"}, format="json")
    assert visitor.get("/api/auth/profile/", REMOTE_ADDR=BLOCKED).status_code == 403

    with on_commit():
        staff.delete(f"/api/security/blacklist/{created.json()['id']}/")
    assert visitor.get("/api/auth/profile/", REMOTE_ADDR=BLOCKED).status_code == 401


@pytest.mark.django_db
def test_the_check_makes_no_query_per_request(api_client, on_commit, no_redis_buffer):
    with on_commit():
        blacklist_add(ip=BLOCKED)
    api_client.get("/api/nowhere/", REMOTE_ADDR=BLOCKED)

    with CaptureQueriesContext(connection) as queries:
        assert api_client.get("/api/nowhere/", REMOTE_ADDR=BLOCKED).status_code == 403
        assert api_client.get("/api/nowhere/", REMOTE_ADDR="203.0.113.8").status_code == 404

    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if "blacklistedip" in sql]
    # Only the two direct log inserts (no Redis), each one statement (a log row and its daily count) in a savepoint.
    assert len(statements) == 6


@pytest.mark.django_db
def test_another_process_sees_a_change_once_its_local_snapshot_ages_out(settings, on_commit):
    """A second worker's stale snapshot is replaced from the cache within BLACKLIST_LOCAL_TTL_SECONDS (<= 1 s)."""
    settings.BLACKLIST_LOCAL_TTL_SECONDS = 0.5
    now = [100.0]
    other_worker = BlacklistGuard(clock=lambda: now[0])
    assert not other_worker.is_blocked(BLOCKED)

    with on_commit():
        entry = blacklist_add(ip=BLOCKED)
    now[0] += 0.4
    assert not other_worker.is_blocked(BLOCKED)  # still within its local TTL
    now[0] += 0.2
    assert other_worker.is_blocked(BLOCKED)

    with on_commit():
        blacklist_remove(entry=entry)
    now[0] += 0.6
    assert not other_worker.is_blocked(BLOCKED)


@pytest.mark.django_db
def test_an_entry_stops_blocking_when_it_expires_without_any_invalidation(api_client, on_commit):
    with on_commit():
        blacklist_add(ip=BLOCKED, expires_at=timezone.now() + timedelta(milliseconds=300))
    assert api_client.get("/api/nowhere/", REMOTE_ADDR=BLOCKED).status_code == 403

    time.sleep(0.35)

    assert api_client.get("/api/nowhere/", REMOTE_ADDR=BLOCKED).status_code == 404


@pytest.mark.django_db
def test_an_entry_that_expired_before_the_snapshot_is_not_in_it(api_client):
    BlacklistedIP.objects.create(ip=BLOCKED, expires_at=timezone.now() - timedelta(seconds=1))

    assert api_client.get("/api/nowhere/", REMOTE_ADDR=BLOCKED).status_code == 404
    assert BLOCKED not in cache.get(CACHE_KEY)


@pytest.mark.django_db
def test_with_redis_down_the_blacklist_still_applies(api_client, redis_down):
    BlacklistedIP.objects.create(ip=BLOCKED)

    assert api_client.get("/api/nowhere/", REMOTE_ADDR=BLOCKED).status_code == 403
    assert api_client.get("/api/nowhere/", REMOTE_ADDR="203.0.113.8").status_code == 404
