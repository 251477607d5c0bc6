import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords_and_clean_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


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
        return client

    return make
