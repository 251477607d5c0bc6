"""Child processes for the tests that need a real one: the environment they inherit, a real Celery worker and beat."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database this test runs against (the test database), for a child process."""
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or ""
    if host.startswith("/"):  # a Unix socket directory, as with the embedded server
        return f"postgres://{credentials}@/{settings_dict['NAME']}?host={quote(host)}"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}@{quote(host, safe='')}{port}/{settings_dict['NAME']}"


def child_environment(**overrides: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "duka_app.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        **overrides,
    }


def redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def worker_start(*, log: Path, name: str, **environment: str) -> subprocess.Popen:
    """A real `celery -A duka_app worker` (one process, solo pool) on the test database, logging to `log`."""
    with log.open("w") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "duka_app",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{name}-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=BASE_DIR,
            env=child_environment(**{"REDIS_URL": settings.REDIS_URL, **environment}),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def beat_start(*, log: Path, schedule: Path, loglevel: str = "INFO", **environment: str) -> subprocess.Popen:
    """A real `celery -A duka_app beat` on the test database, its schedule state in `schedule`, logging to `log`
    (at DEBUG, the id of every job it sends)."""
    with log.open("w") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "duka_app",
                "beat",
                "--loglevel",
                loglevel,
                "--schedule",
                str(schedule),
            ],
            cwd=BASE_DIR,
            env=child_environment(**{"REDIS_URL": settings.REDIS_URL, **environment, "LOG_LEVEL": loglevel}),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def worker_stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
