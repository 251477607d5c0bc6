import io
import json

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection


def post_wrong_credentials(handler: WSGIHandler) -> str:
    """One request through the full WSGI cycle, request_started/finished signals included, as a server runs it."""
    body = json.dumps({"username": "nobody", "password": "wrong"}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/auth/token/",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    statuses = []
    response = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
    response.close()
    return statuses[0]


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_costs_no_failed_request():
    """Persistent connections are health-checked at the start of each request: after the server's
    connection is killed (as by a PostgreSQL restart), the next request reconnects instead of failing."""
    handler = WSGIHandler()
    assert post_wrong_credentials(handler).startswith("401")
    backend_pid = connection.connection.info.backend_pid

    with admin_connection() as admin:
        # Waits until the server process has ended (up to 5 s), as it has once a restarted server is back.
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid]).fetchone() == (True,)

    assert post_wrong_credentials(handler).startswith("401")
    assert connection.connection.info.backend_pid != backend_pid


@pytest.mark.django_db(transaction=True)
def test_the_health_check_of_a_sound_idle_connection_sends_nothing():
    """The check reads the socket: a connection with nothing to read is kept without a `SELECT 1`. The server's
    record of the connection's last statement shows what was sent."""
    post_wrong_credentials(WSGIHandler())
    backend_pid = connection.connection.info.backend_pid

    connection.close_if_health_check_failed()

    assert connection.health_check_done
    assert connection.connection.info.backend_pid == backend_pid
    with admin_connection() as admin:
        (last,) = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [backend_pid]).fetchone()
    assert last not in {"", "SELECT 1"}


def admin_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    return psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True)
