"""The web workers' life under gunicorn (`gunicorn.conf.py`): warmed up before they serve, and recycled without the
interpreter's teardown.

Workers are recycled under load (`max_requests`), and a new one takes its share of requests at once. Its first
catalog read cost about ten usual ones: connecting to PostgreSQL and Redis, PostgreSQL loading the catalog
tables' metadata for the new backend, compiling the catalog's SQL and the URL patterns' regular expressions, and
imports made on first use. Each request queued behind it waited as long, which made the list's p99.

- `master_prepare` runs in gunicorn's master before the first fork (`when_ready`, with `preload_app`): only what
  opens no connection, so that every worker, a recycled one too, inherits it.
- `worker_warm` runs in each worker before it accepts a connection (`post_worker_init`), while the other workers
  serve: its own connections (never opened in the master, whose forks would share the sockets) and the
  catalog's first reads.
- `recycled_worker_exit` ends a worker that reached `max_requests` (`worker_exit`).

Both warm-ups serve the bare project of the benchmark too, which has none of Duka's apps: app steps run only for
the installed apps. A failing step is logged and ends its warm-up; the first requests then do that work as before.
"""

import atexit
import logging
import os
import sys
from importlib import import_module
from typing import NoReturn

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.urls import get_resolver
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def master_prepare() -> None:
    """Import the URLconf (every view and serializer with it), compile every URL pattern, import the message
    storage and compile the catalog's statements."""
    steps = [lambda: import_module(settings.ROOT_URLCONF), lambda: _url_patterns_compile(get_resolver().url_patterns)]
    if apps.is_installed("django.contrib.messages"):
        steps.append(lambda: import_string(settings.MESSAGE_STORAGE))
    if apps.is_installed("store"):
        from store.warmup import catalog_statements_compile

        steps.append(catalog_statements_compile)
    _steps_run(steps)


def worker_warm() -> None:
    """Connect to every database and to the cache (by loading the blacklist snapshot, which every request checks
    first), then read the catalog once."""
    steps = [connection.ensure_connection for connection in connections.all()]
    if apps.is_installed("core"):
        from core.blacklist import local_guard
        from core.client_ip import UNKNOWN_IP

        steps.append(lambda: local_guard.is_blocked(UNKNOWN_IP))
    if apps.is_installed("store"):
        from store.warmup import catalog_reads_warm

        steps.append(catalog_reads_warm)
    _steps_run(steps)


def _steps_run(steps) -> None:
    """Run the steps in turn; at the first failure, log it and stop (with a database unreachable, every later step
    would wait for its own connect timeout): requests then do that work as they would without the warm-up."""
    for step in steps:
        try:
            step()
        except Exception:
            logger.warning("Warming up failed at %r; requests will do that work.", step, exc_info=True)
            return


def _url_patterns_compile(patterns) -> None:
    """Django compiles a pattern's regular expression when a request first reaches it, then keeps it."""
    for entry in patterns:
        _ = entry.pattern.regex
        _url_patterns_compile(getattr(entry, "url_patterns", ()))


def recycled_worker_exit() -> NoReturn:
    """Run the exit functions (the request log's last push among them), then end the process without the
    interpreter's teardown. Freeing every object a worker inherited from the master writes to each memory page it
    shared with it, so the kernel copies them all: half a second of CPU (measured on a worker of the catalog),
    taken from the workers serving, and the master forks the replacement only once the old worker has exited."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
