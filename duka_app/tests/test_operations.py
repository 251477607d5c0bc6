import json
import logging
import os
import runpy
import subprocess
import sys

import pytest
from django.conf import settings

from duka_app.log_format import JsonFormatter
from duka_app.tests.processes import child_environment


def test_json_log_lines_carry_time_level_logger_message_and_traceback():
    try:
        raise ValueError('bad "input"\nsecond line')
    except ValueError:
        record = logging.getLogger("store.jobs").makeRecord(
            "store.jobs", logging.ERROR, __file__, 1, "Failed for %s", ("order 7",), sys.exc_info()
        )

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "store.jobs"
    assert entry["message"] == "Failed for order 7"
    assert entry["time"].endswith("+00:00")
    assert 'ValueError: bad "input"\nsecond line' in entry["exception"]


def test_gunicorn_config_reads_port_and_concurrency_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")

    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))

    assert config["bind"] == "0.0.0.0:9123"
    assert config["workers"] == 3
    assert config["accesslog"] == "-"
    assert config["wsgi_app"] == "duka_app.wsgi:application"


def test_gunicorn_config_defaults_to_two_workers_per_core_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)

    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))

    assert config["workers"] == 9


# Run in a fresh interpreter, as gunicorn's master: load the config, preload the app, run the hook.
_GUNICORN_MASTER = """
import json, os, runpy, sys, threading, types
config = runpy.run_path("gunicorn.conf.py")
from duka_app.wsgi import application
urlconf_before_hook = "store.views" in sys.modules
config["when_ready"](types.SimpleNamespace(cfg=types.SimpleNamespace(preload_app=config["preload_app"])))
def is_socket(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    except FileNotFoundError:  # the descriptor listdir itself used
        return False
sockets = [fd for fd in os.listdir("/proc/self/fd") if is_socket(fd)]
from django.urls import get_resolver
from store.selectors import catalog
statements = (catalog._catalog_statement, catalog._card_statement)
print(json.dumps({
    "preload_app": config["preload_app"],
    "urlconf_before_hook": urlconf_before_hook,
    "urlconf_after_hook": "store.views" in sys.modules,
    "catalog_statements": sum(compiled.cache_info().currsize for compiled in statements),
    "products_pattern_compiled": any(
        "regex" in vars(entry.pattern) for entry in get_resolver().url_patterns if str(entry.pattern) == "api/"
    ),
    "sockets": len(sockets),
    "threads": [thread.name for thread in threading.enumerate()],
}))
"""


@pytest.mark.worker
def test_gunicorn_master_loads_the_app_and_urlconf_without_anything_a_fork_would_share():
    """Workers are forked from the master: it must hold no database or Redis connection and no thread."""
    result = subprocess.run(
        [sys.executable, "-c", _GUNICORN_MASTER],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "duka_app.settings"},
        capture_output=True,
        text=True,
        check=True,
    )

    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {
        "preload_app": True,
        "urlconf_before_hook": False,
        "urlconf_after_hook": True,
        "catalog_statements": 4,
        "products_pattern_compiled": True,
        "sockets": 0,
        "threads": ["MainThread"],
    }


# Run in a fresh interpreter, as a new gunicorn worker: warm up, then report what is ready.
_GUNICORN_WORKER = """
import json, runpy, threading, types
import django
django.setup()
from django.db import connection
from core.blacklist import local_guard
from core.request_log_buffer import outbox
config = runpy.run_path("gunicorn.conf.py")
config["post_worker_init"](types.SimpleNamespace())
print(json.dumps({
    "database_connected": connection.connection is not None,
    "blacklist_loaded": local_guard._snapshot is not None,
    "log_entries": len(outbox.take_all()),
    "threads": [thread.name for thread in threading.enumerate()],
}))
"""


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_gunicorn_worker_connects_and_reads_the_catalog_before_it_serves_and_logs_no_request():
    result = subprocess.run(
        [sys.executable, "-c", _GUNICORN_WORKER],
        cwd=settings.BASE_DIR,
        env=child_environment(),
        capture_output=True,
        text=True,
        check=True,
    )

    assert "Warming up failed" not in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "database_connected": True,
        "blacklist_loaded": True,
        "log_entries": 0,
        "threads": ["MainThread"],
    }


_RECYCLED_WORKER = """
import django
django.setup()
from core.request_logs import request_log_record
from duka_app.web_workers import recycled_worker_exit
request_log_record(entry={"path": "/api/products/?recycled", "ip": "203.0.113.9"})
recycled_worker_exit()
"""


@pytest.mark.worker
def test_a_recycled_worker_pushes_its_queued_request_logs_then_exits_at_once(_redis_broker):
    if _redis_broker is None:
        pytest.skip("the request log buffer needs REDIS_URL")

    result = subprocess.run(
        [sys.executable, "-c", _RECYCLED_WORKER],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "duka_app.settings"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    buffered = [json.loads(entry) for entry in _redis_broker.lrange(settings.REQUEST_LOG_BUFFER_KEY, 0, -1)]
    assert [entry["ip"] for entry in buffered if entry["path"] == "/api/products/?recycled"] == ["203.0.113.9"]
