import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from duka_app.celery import app as celery_app
from duka_app.ops.heartbeat import WORKER_HEARTBEAT_CACHE_KEY, worker_heartbeat_record

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CLOSED_PORT_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "health-test"}}


@pytest.fixture
def with_worker(monkeypatch):
    """Tasks go to the broker (as with REDIS_URL set), so the broker and worker checks apply."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)


@pytest.fixture
def without_worker(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@contextmanager
def database_on_closed_port():
    """Point the default connection at a port where no PostgreSQL listens, then restore it."""
    original_port = connection.settings_dict["PORT"]
    original_host = connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = original_host, original_port


@pytest.mark.django_db
def test_health_reports_every_part_ok_with_redis_and_a_live_worker(api_client):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: without Redis the cache, broker and worker are unconfigured")
    worker_heartbeat_record()

    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "worker_heartbeat": "ok",
        "worker_heartbeat_age_seconds": 0,
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_health_without_redis_reports_cache_broker_and_worker_unconfigured(api_client, without_worker):
    with override_settings(CACHES=LOCAL_CACHE):
        response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "unconfigured",
        "broker": "unconfigured",
        "worker_heartbeat": "unconfigured",
        "worker_heartbeat_age_seconds": None,
    }


@pytest.mark.django_db
def test_health_reports_an_unreachable_cache_down_and_still_answers_200(api_client, with_worker):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        response = api_client.get("/api/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["cache"] == "down"
    # The heartbeat lives in the cache, so it cannot be read either.
    assert body["worker_heartbeat"] == "down"
    assert body["worker_heartbeat_age_seconds"] is None


@pytest.mark.django_db
def test_health_reports_an_unreachable_broker_down(api_client, monkeypatch, with_worker):
    monkeypatch.setitem(celery_app.conf, "broker_url", CLOSED_PORT_REDIS)

    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_health_reports_a_worker_that_never_beat_down(api_client, with_worker):
    response = api_client.get("/api/health/")

    assert response.json()["worker_heartbeat"] == "down"
    assert response.json()["worker_heartbeat_age_seconds"] is None


@pytest.mark.django_db
def test_health_reports_a_fresh_heartbeat_ok_with_its_age(api_client, with_worker):
    cache.set(WORKER_HEARTBEAT_CACHE_KEY, time.time() - 42, timeout=None)

    body = api_client.get("/api/health/").json()

    assert body["worker_heartbeat"] == "ok"
    assert body["worker_heartbeat_age_seconds"] in (42, 43)


@pytest.mark.django_db
def test_health_reports_a_stale_heartbeat_down_with_its_age(api_client, settings, with_worker):
    settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS = 180
    cache.set(WORKER_HEARTBEAT_CACHE_KEY, time.time() - 600, timeout=None)

    body = api_client.get("/api/health/").json()

    assert body["worker_heartbeat"] == "down"
    assert body["worker_heartbeat_age_seconds"] in (600, 601)


@pytest.mark.django_db(transaction=True)
def test_health_answers_503_when_the_database_is_down(api_client):
    with database_on_closed_port():
        response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "down"
    with connection.cursor() as cursor:  # the real connection works again afterwards
        cursor.execute("SELECT 1")


@pytest.mark.django_db
@pytest.mark.parametrize("user_fixture", [None, "customer", "manager", "admin_user"], ids=lambda name: name or "anon")
def test_health_is_open_to_every_role(request, client_for, user_fixture):
    user = request.getfixturevalue(user_fixture) if user_fixture else None

    response = client_for(user).get("/api/health/?junk=%00" + "x" * 10_000)

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_answers_plain_http_where_every_other_path_redirects_to_https():
    client = APIClient()

    assert client.get("/api/health/").status_code == 200
    assert client.get("/api/products/").status_code == 301


@pytest.mark.django_db
def test_health_ignores_an_invalid_bearer_token(api_client):
    response = api_client.get("/api/health/", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_health_is_read_only(api_client, method):
    response = getattr(api_client, method)("/api/health/", data={}, format="json")

    assert response.status_code == 405


@pytest.mark.django_db
def test_health_is_documented_in_the_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/health/"]["get"]
    assert set(operation["responses"]) == {"200", "503"}
    assert set(schema["components"]["schemas"]["Health"]["required"]) == {
        "database",
        "cache",
        "broker",
        "worker_heartbeat",
        "worker_heartbeat_age_seconds",
    }
