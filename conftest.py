import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from core.blacklist import local_guard
from core.request_log_buffer import full_buffer_warning, outbox
from duka_app.celery import app as celery_app
from duka_app.ops.cache import redis_breaker


@pytest.fixture(autouse=True)
def _fast_passwords_and_clean_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def _session_media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_outside_the_repository(settings, _session_media_root):
    """Stored files (product images) go to a temporary directory, never to .data/media; tests that look at the
    files use a directory of their own (`media_root`)."""
    settings.MEDIA_ROOT = _session_media_root


@pytest.fixture
def media_root(settings, tmp_path):
    """A fresh, empty MEDIA_ROOT for this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def _redis_broker():
    """A client of REDIS_URL's database (the broker and the log buffer), or None without Redis."""
    return redis.Redis.from_url(django_settings.REDIS_URL) if django_settings.REDIS_URL else None


@pytest.fixture(autouse=True)
def _fresh_security_state(_redis_broker):
    """The in-process blacklist snapshot, log outbox and Redis circuit breaker must not carry over between tests."""
    local_guard.forget()
    redis_breaker.reset()
    outbox.discard()
    full_buffer_warning.reset()
    if _redis_broker is not None:
        # The buffer, and the drains' processing lists and leases; the cache (its own database) is cleared above.
        stale = list(_redis_broker.scan_iter(match=f"{django_settings.REQUEST_LOG_BUFFER_KEY}*"))
        if stale:
            _redis_broker.delete(*stale)
    yield
    local_guard.forget()
    redis_breaker.reset()


# The role matrix: every endpoint test that depends on who is asking runs once per role. "other_customer" is a
# second shopper, for the rows a customer owns; where nothing is owned (the catalog, the security API) it
# behaves as "customer" would, and the catalog matrices use ROLES_WITHOUT_OWNER.
ROLES = ["anonymous", "customer", "other_customer", "manager", "admin"]
ROLES_WITHOUT_OWNER = [role for role in ROLES if role != "other_customer"]
ROLE_FIXTURES = {
    "customer": "customer",
    "other_customer": "other_customer",
    "manager": "manager",
    "admin": "admin_user",
}


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(db):
    return UserFactory(username="carol")


@pytest.fixture
def other_customer(db):
    return UserFactory(username="oscar")


@pytest.fixture
def manager(db):
    return UserFactory(username="maria", manager=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", admin=True)


@pytest.fixture
def client_for(api_client):
    """`client_for(user)` is an API client authenticated as `user` (or anonymous for None)."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
            # A signed-in client sends its credentials: the catalog's hit path leaves such requests to DRF.
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        return client

    return make


@pytest.fixture
def user_as(request):
    """`user_as("manager")` is the user of that role (one of ROLES), None for "anonymous"."""

    def make(role: str):
        return None if role == "anonymous" else request.getfixturevalue(ROLE_FIXTURES[role])

    return make


@pytest.fixture
def client_as(user_as, client_for):
    """`client_as("manager")` is an API client for that role (one of ROLES)."""

    def make(role: str) -> APIClient:
        return client_for(user_as(role))

    return make


@pytest.fixture
def jobs_run_inline(monkeypatch):
    """Jobs enqueued after a commit (emails, refunds) run in the test's process, as without a broker."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what the block's transactions left for after their commit (with
    `jobs_run_inline`: the jobs they enqueued)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
