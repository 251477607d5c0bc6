import pytest

from core.blacklist import local_guard

ROLES = ["anonymous", "customer", "manager", "admin"]
ROLE_FIXTURES = {"customer": "customer", "manager": "manager", "admin": "admin_user"}


@pytest.fixture
def client_as(request, client_for):
    """`client_as("manager")` is an API client for that role ("anonymous", "customer", "manager" or "admin")."""

    def make(role: str):
        user = request.getfixturevalue(ROLE_FIXTURES[role]) if role != "anonymous" else None
        return client_for(user)

    return make


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries, settings):
    """Query budgets here count the endpoint's own queries. Request logging and the blacklist have their own
    tests (core/tests): logging is off (without Redis it inserts a row per request) and the blacklist snapshot,
    read once and then kept in the cache, is loaded before the count starts."""
    settings.REQUEST_LOGGING_ENABLED = False
    local_guard.is_blocked("127.0.0.1")
    return django_assert_max_num_queries
