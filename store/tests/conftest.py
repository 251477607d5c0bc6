import socket

import pytest

from core.blacklist import local_guard


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries, settings):
    """Query budgets here count the endpoint's own queries. Request logging and the blacklist have their own
    tests (core/tests): logging is off (without Redis it inserts a row per request) and the blacklist snapshot,
    read once and then kept in the cache, is loaded before the count starts."""
    settings.REQUEST_LOGGING_ENABLED = False
    local_guard.is_blocked("127.0.0.1")
    return django_assert_max_num_queries


@pytest.fixture
def unreachable_mail_server(settings):
    """Django's SMTP backend pointed at a port nothing listens on: opening the connection fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
