"""The production stack the benchmark drives: PostgreSQL databases, Redis, gunicorn servers.

Every database the benchmark writes to is its own (`<BENCH_DATABASE_NAME>` and names derived from it),
on the server of DATABASE_URL, else the machine's 127.0.0.1:5432, else the embedded pgserver. They are
cloned from a migrated template, so each run starts from the same empty schema.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-8c1f0d6e2b"
LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BARE_SETTINGS = "bench.bare.settings"


class CommandMissing(Exception):
    """A management command the benchmark needs does not exist (yet)."""


class CommandTimedOut(Exception):
    pass


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(_conninfo(url, "postgres"), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _conninfo(url: str, database: str) -> str:
    return with_database(url, database).replace("postgres://", "postgresql://", 1)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


@dataclass
class Postgres:
    """One PostgreSQL server, and the bench's databases on it."""

    url: str
    description: str
    _embedded: object = None

    @classmethod
    def resolve(cls) -> "Postgres":
        if os.environ.get("DATABASE_URL"):
            return cls(os.environ["DATABASE_URL"], "DATABASE_URL's server")
        if _answers(LOCAL_POSTGRES_URL):
            return cls(LOCAL_POSTGRES_URL, "127.0.0.1:5432")
        import pgserver

        server = pgserver.get_server(ROOT / ".data" / "pg", cleanup_mode="stop")
        socket_dir = str(server.get_postmaster_info().socket_dir)
        return cls(f"postgres://postgres@{quote(socket_dir, safe='')}/postgres", "embedded pgserver", server)

    def database_url(self, name: str) -> str:
        return with_database(self.url, name)

    def _admin(self):
        return psycopg.connect(_conninfo(self.url, "postgres"), autocommit=True, connect_timeout=5)

    def exists(self, name: str) -> bool:
        with self._admin() as connection:
            return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None

    def create(self, name: str, template: str | None = None) -> None:
        self.drop(name)
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        with self._admin() as connection:
            connection.execute(statement)

    def drop(self, name: str) -> None:
        with self._admin() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def redis_url() -> tuple[str | None, str]:
    """REDIS_URL when it answers a PING, with a description for the header."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None, "none (REDIS_URL unset: local-memory cache, direct log inserts)"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return None, f"none ({url} does not answer: local-memory cache, direct log inserts)"
    return url, url


@dataclass
class Environment:
    """The environment of every process of the stack (gunicorn, manage.py, helpers)."""

    database_url: str
    redis_url: str | None
    extra: dict = field(default_factory=dict)

    def variables(self) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=BENCH_SECRET_KEY,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DATABASE_URL=self.database_url,
            DATABASE_CONN_MAX_AGE="600",
            JWT_ACCESS_MINUTES="120",
            LOG_LEVEL="WARNING",
            # The same buyers check out in every burst; the pending-order limit would turn later bursts into 409s.
            MAX_PENDING_ORDERS_PER_CUSTOMER="1000000",
            PYTHONPATH=str(ROOT),
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra)
        return env

    def but(self, **extra) -> "Environment":
        return Environment(self.database_url, self.redis_url, {**self.extra, **extra})


def manage(env: Environment, *args: str, timeout: float = 600) -> float:
    """Run `manage.py <args>` in the stack's environment; returns its wall time in seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env.variables(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise CommandTimedOut(f"`manage.py {' '.join(args)}` still running after {timeout:.0f} s, stopped") from None
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        if "Unknown command" in output:
            raise CommandMissing(f"no `{args[0]}` command")
        last_line = (output.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"`manage.py {' '.join(args)}` failed: {last_line}\n{output[-3000:]}")
    return elapsed


def command_exists(env: Environment, name: str) -> bool:
    try:
        manage(env, "help", name, timeout=120)
    except CommandMissing:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn, sync workers ×2, on a free loopback port, in its own process group. It reads the project's
    `gunicorn.conf.py` (preloading, worker recycling) for every app, so the bare floor runs the same server."""

    def __init__(
        self,
        env: Environment,
        label: str,
        workers: int = 2,
        app: str = "duka_app.wsgi",
        port: int | None = None,
        ready_path: str = "/bench/ping/",
        log_level: str = "warning",
    ):
        self.env = env
        self.label = label
        self.port = port or free_port()
        self.ready_path = ready_path
        self.log = Path(tempfile.gettempdir()) / f"duka-bench-gunicorn-{label}-{self.port}.log"
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--error-logfile",
                str(self.log),
                "--log-level",
                log_level,
            ],
            cwd=ROOT,
            env=env.variables(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_until_serving()

    @classmethod
    def bare_floor(cls, env: Environment, label: str = "bare") -> "Gunicorn":
        """The bare project of `bench.bare` on the database of `env`."""
        return cls(env.but(DJANGO_SETTINGS_MODULE=BARE_SETTINGS), label, app="bench.bare.wsgi")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_until_serving(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base_url + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        log = self.log_text()
        self.stop()
        raise RuntimeError(f"gunicorn ({self.label}) did not start:\n{log[-3000:]}")

    def log_text(self) -> str:
        """What gunicorn has written to its error log so far (at `log_level` "info": workers booted and recycled)."""
        return self.log.read_text() if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.unlink(missing_ok=True)

    def __enter__(self) -> "Gunicorn":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wrk_path() -> str | None:
    return shutil.which("wrk")


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt, so a command stopped by a timeout or a supervisor cleans up (servers,
    databases) as it does on Ctrl-C."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
