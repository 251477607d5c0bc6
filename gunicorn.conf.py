"""gunicorn settings for the web tier, from the environment: `gunicorn duka_app.wsgi` picks this file up."""

import multiprocessing
import os

wsgi_app = "duka_app.wsgi:application"
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request running longer than this is killed and its worker replaced; graceful shutdown lets requests finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# The application is loaded once, in the master, and every worker, a recycled one too, is forked from it ready to
# serve: a new worker costs a fork, not seconds of CPU importing Django next to the workers serving. Loading opens no
# database connection, Redis client or thread (each is created lazily, per process), so the workers share none.
preload_app = True
# Recycle workers now and then so a slow leak never grows unbounded; jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10


def when_ready(server):
    """In the master, before the first fork: what a worker's first requests would do that needs no connection
    (`duka_app.web_workers.master_prepare`)."""
    if not server.cfg.preload_app:
        return
    from duka_app.web_workers import master_prepare

    master_prepare()


def post_worker_init(worker):
    """In each new worker, before it accepts a connection: its connections and the catalog's first reads
    (`duka_app.web_workers.worker_warm`), so that no request waits for them."""
    from duka_app.web_workers import worker_warm

    worker_warm()


def worker_exit(server, worker):
    """A worker that reached `max_requests` ends at once (`duka_app.web_workers.recycled_worker_exit`), so that its
    replacement starts sooner; one stopped otherwise (a reload, a shutdown, a failed boot) exits as gunicorn says."""
    # The master calls this hook too (for a worker already gone), with its copy of the worker, whose `nr` is 0: the
    # test keeps it from ending the master.
    if worker.nr >= worker.max_requests:
        from duka_app.web_workers import recycled_worker_exit

        recycled_worker_exit()


# Access and error logs to stdout/stderr, for the platform's log collector.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Only the load balancer in front may set X-Forwarded-* (comma-separated addresses, "*" behind a trusted LB).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
