import socket
import time

import pytest

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from core.tests.concurrency import run_concurrently
from duka_app.ops.cache import FailOpenRedisCache

TOKEN = "/api/auth/token/"


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "3/minute", "register": "2/minute"},
    }


def login(client, username="carol", password=DEFAULT_PASSWORD, ip="198.51.100.1"):
    return client.post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def register(client, url, n, ip="198.51.100.1"):
    body = {"username": f"new{n}", "email": f"new{n}@example.com", "password": "Plum-Tree-Harbour-42"}
    return client.post(url, body, format="json", REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_is_throttled_per_client_ip(api_client, customer, low_rates):
    statuses = [login(api_client).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert login(api_client, ip="198.51.100.2").status_code == 200
    throttled = login(api_client)
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


@pytest.mark.django_db
def test_the_throttle_follows_the_trusted_proxy_setting(api_client, customer, low_rates, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(3):
        api_client.post(
            TOKEN,
            {"username": "carol", "password": DEFAULT_PASSWORD},
            format="json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )

    spoofed = api_client.post(
        TOKEN,
        {"username": "carol", "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )

    assert spoofed.status_code == 429


@pytest.mark.django_db
def test_registration_is_throttled_across_both_urls(api_client, low_rates):
    statuses = [
        register(api_client, "/api/auth/register/", 1).status_code,
        register(api_client, "/api/register/", 2).status_code,
        register(api_client, "/api/register/", 3).status_code,
        register(api_client, "/api/auth/register/", 4).status_code,
    ]

    assert statuses == [201, 201, 429, 429]
    assert sorted(User.objects.values_list("username", flat=True)) == ["new1", "new2"]
    assert register(api_client, "/api/register/", 5, ip="198.51.100.9").status_code == 201


@pytest.mark.django_db
def test_throttles_fail_open_when_redis_is_down(api_client, customer, low_rates, redis_down, caplog):
    statuses = [login(api_client).status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert "Cache unavailable" in caplog.text


@pytest.fixture
def black_hole():
    """A port that accepts connections and never answers, like a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def test_with_redis_black_holed_each_cache_call_is_skipped_after_the_first_failure(black_hole, caplog):
    cache = FailOpenRedisCache(black_hole, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}})

    assert cache.get("key", "fallback") == "fallback"
    assert "Cache unavailable" in caplog.text
    started = time.monotonic()
    results = [cache.get("key"), cache.add("key", 1), cache.incr("n", 3), cache.set("key", 1)]

    assert results == [None, False, 3, None]
    assert time.monotonic() - started < 0.2  # skipped by the breaker: no socket timeout paid again


# --- login back-off (django-axes) --------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_failures_lock_out_that_username_from_that_ip_only(api_client, customer, settings):
    limit = settings.AXES_FAILURE_LIMIT
    failures = [login(api_client, password="wrong", ip="198.51.100.1").status_code for _ in range(limit)]

    locked = login(api_client, ip="198.51.100.1")

    assert failures == [401] * (limit - 1) + [429]
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked_out"
    assert login(api_client, ip="198.51.100.2").status_code == 200, "the same user from another IP"
    assert login(api_client, username="oscar", ip="198.51.100.1").status_code in (200, 401)


@pytest.mark.django_db
def test_the_lockout_ignores_the_letter_case_of_the_username(api_client, customer, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(api_client, username="carol" if n % 2 else "CAROL", password="wrong")

    assert login(api_client, username="Carol").status_code == 429


@pytest.mark.django_db
def test_another_user_from_the_locked_ip_can_still_log_in(api_client, customer, other_customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(api_client, password="wrong")

    assert login(api_client, username="oscar").status_code == 200


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(api_client, customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(api_client, password="wrong")
    assert login(api_client).status_code == 200

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(api_client, password="wrong")

    assert login(api_client).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_parallel_failures_from_one_ip_never_block_the_user_elsewhere(settings):
    from rest_framework.test import APIClient

    from accounts.tests.factories import UserFactory

    UserFactory(username="carol")
    run_concurrently(*[lambda: login(APIClient(), password="wrong", ip="198.51.100.66")] * 8)

    assert login(APIClient(), ip="198.51.100.66").status_code == 429
    assert login(APIClient(), ip="198.51.100.67").status_code == 200
