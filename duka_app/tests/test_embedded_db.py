"""The embedded database survives however the last run ended.

Each test runs real `manage.py` processes without DATABASE_URL against its own copy of one initialised
cluster (EMBEDDED_DB_DIR), leaves it the way a crash, a kill or a signal would, and checks that the
next command works and that the server stops once no process uses it.
"""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from django.conf import settings

pytestmark = pytest.mark.worker

SELECT_ONE = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
    print("selected", cursor.fetchone()[0], flush=True)
"""
# Uses the server, waits for a line on stdin, then uses it again (still served?) and exits normally.
HOLD = SELECT_ONE + "import sys\nsys.stdin.readline()\n" + SELECT_ONE
# Only so that a broken stop fails the test instead of hanging the suite; a stop takes about a second.
HANG_GUARD_SECONDS = 120


def command_env(pgdata: Path) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "EMBEDDED_DB_DIR": str(pgdata), "DJANGO_DEBUG": "1", "PYTHONUNBUFFERED": "1"}


def manage(pgdata: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=command_env(pgdata),
        capture_output=True,
        text=True,
    )


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the cluster's running postmaster, read as an operator would: postmaster.pid, then ps."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        process = psutil.Process(pid)
        running = process.status() != psutil.STATUS_ZOMBIE and str(pgdata) in process.cmdline()
    except (OSError, ValueError, IndexError, psutil.Error):
        return None
    return pid if running else None


def watchers(pgdata: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            command_line = process.cmdline()
        except psutil.Error:
            continue
        if str(pgdata) in command_line and any(part.endswith("embedded_db.py") for part in command_line):
            found.append(process)
    return found


def assert_stops_by_itself(pgdata: Path) -> None:
    """With no process using it any more, the server stops without anyone's help."""
    pid = postmaster_pid(pgdata)
    if pid is not None:
        psutil.Process(pid).wait(timeout=HANG_GUARD_SECONDS)
    assert not (pgdata / "postmaster.pid").exists()


def assert_next_command_works_and_stops_the_server(pgdata: Path) -> None:
    result = manage(pgdata, "shell", "-c", SELECT_ONE)
    assert result.returncode == 0, result.stderr
    assert "selected 1" in result.stdout
    assert "Traceback" not in result.stderr
    assert_stops_by_itself(pgdata)


class Processes:
    """Processes a test starts, each in its own session, all killed by pid at teardown."""

    def __init__(self, pgdata: Path):
        self.pgdata = pgdata
        self.started: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        return self.spawn(sys.executable, "manage.py", *args)

    def spawn(self, *argv: str) -> subprocess.Popen:
        process = subprocess.Popen(
            argv,
            cwd=settings.BASE_DIR,
            env=command_env(self.pgdata),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def holder(self) -> subprocess.Popen:
        """A process that has used the server once and holds on to it."""
        process = self.start("shell", "-c", HOLD)
        wait_for_line(process, "selected 1")
        return process

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def wait_for_line(process: subprocess.Popen, text: str) -> None:
    for line in process.stdout:
        if text in line:
            return
    pytest.fail(f"the process ended before printing {text!r}: {process.communicate()}")


def stop_every_server_of(pgdata: Path) -> None:
    """Kill by pid whatever watcher or PostgreSQL process of this cluster is left, whatever the test did."""
    leftovers = watchers(pgdata)
    for process in psutil.process_iter():
        try:
            if process.name() == "postgres" and (str(pgdata) in process.cmdline() or Path(process.cwd()) == pgdata):
                leftovers.append(process)
        except psutil.Error:
            continue
    for process in leftovers:
        os.kill(process.pid, signal.SIGKILL)
    psutil.wait_procs(leftovers)


@pytest.fixture(scope="module")
def initialised_cluster(tmp_path_factory) -> Path:
    """One cluster initialised (and stopped) by a real command; each test works on a copy of it."""
    pgdata = tmp_path_factory.mktemp("embedded-template") / "pg"
    try:
        result = manage(pgdata, "check", "--database", "default")
        assert result.returncode == 0, result.stderr
        assert_stops_by_itself(pgdata)
    finally:
        stop_every_server_of(pgdata)
    return pgdata


@pytest.fixture
def pgdata(initialised_cluster, tmp_path) -> Path:
    copy = tmp_path / "pg"
    # `cp -a` keeps the owner: as root the cluster belongs to the `pgserver` user PostgreSQL runs as.
    subprocess.run(["cp", "-a", str(initialised_cluster), str(copy)], check=True)
    yield copy
    stop_every_server_of(copy)


@pytest.fixture
def processes(pgdata):
    started = Processes(pgdata)
    yield started
    started.kill_all()


def finished_process_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    "content",
    ["", '[1234, "', None],
    ids=["empty", "corrupt-json", "dead-pids"],
)
def test_a_broken_handle_file_from_pgserver_is_ignored(pgdata, content):
    """pgserver's pid list, emptied by a SIGTERM at the wrong moment or naming dead processes, used to
    make every start fail with JSONDecodeError, or keep the server running forever."""
    handle_file = pgdata / ".handle_pids.json"
    handle_file.write_text(json.dumps([finished_process_pid(), finished_process_pid()]) if content is None else content)

    assert_next_command_works_and_stops_the_server(pgdata)
    assert not handle_file.exists()


def test_a_server_left_running_without_its_watcher_is_reused_and_then_stopped(pgdata, processes):
    """Everything but PostgreSQL killed at once (`kill -9` of the user's processes): nobody stops it."""
    holder = processes.holder()
    server = postmaster_pid(pgdata)
    (watcher,) = watchers(pgdata)
    os.killpg(holder.pid, signal.SIGKILL)
    os.kill(watcher.pid, signal.SIGKILL)
    holder.communicate()
    watcher.wait()
    assert postmaster_pid(pgdata) == server

    assert_next_command_works_and_stops_the_server(pgdata)


@pytest.mark.parametrize("pid_reused", [False, True], ids=["pid-free", "pid-reused"])
def test_a_server_killed_with_sigkill_starts_again(pgdata, processes, pid_reused):
    """The postmaster dies mid-flight: postmaster.pid and the socket lock stay behind, its backends
    linger for a moment, and after a restart of the machine their pid may be another process's."""
    holder = processes.holder()
    server = postmaster_pid(pgdata)
    os.kill(server, signal.SIGKILL)
    os.killpg(holder.pid, signal.SIGKILL)
    holder.communicate()
    if pid_reused:
        stand_in = processes.spawn(sys.executable, "-c", "import sys; sys.stdin.readline()")
        for lock_file in (pgdata / "postmaster.pid", pgdata / ".s.PGSQL.5432.lock"):
            lines = lock_file.read_text().splitlines()
            lock_file.write_text("\n".join([str(stand_in.pid), *lines[1:]]) + "\n")
    assert (pgdata / "postmaster.pid").exists()
    assert postmaster_pid(pgdata) is None

    assert_next_command_works_and_stops_the_server(pgdata)
    if pid_reused:
        assert stand_in.poll() is None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("reloader", "signum"),
    [(False, signal.SIGTERM), (True, signal.SIGTERM), (True, signal.SIGINT)],
    ids=["noreload-sigterm", "autoreload-sigterm", "autoreload-ctrl-c"],
)
def test_runserver_stopped_by_a_signal_leaves_no_server_and_no_traceback(pgdata, processes, reloader, signum):
    """As an IDE's stop button or `timeout` (SIGTERM) or Ctrl-C (SIGINT to the terminal's process group)
    stop `make run`: with the autoreloader, both of its processes use the server."""
    args = ["runserver", f"127.0.0.1:{free_port()}"] + ([] if reloader else ["--noreload"])
    runserver = processes.start(*args)
    wait_for_line(runserver, "Quit the server with CONTROL-C.")
    assert postmaster_pid(pgdata) is not None

    if reloader:
        os.killpg(runserver.pid, signum)
    else:
        os.kill(runserver.pid, signum)
    _, stderr = runserver.communicate()

    assert "Traceback" not in stderr
    if not reloader:
        assert runserver.returncode == -signum
    assert_stops_by_itself(pgdata)
    assert_next_command_works_and_stops_the_server(pgdata)


def test_processes_share_the_server_and_it_stops_once_after_the_last(pgdata, processes):
    """One leaves normally while others still use the server; the others are signalled at the same instant."""
    first, second, third = processes.holder(), processes.holder(), processes.holder()
    log = pgdata / "log"
    log_size = log.stat().st_size

    first.stdin.write("\n")
    first.stdin.flush()
    stdout, stderr = first.communicate()
    assert first.returncode == 0, stderr
    assert "selected 1" in stdout
    assert postmaster_pid(pgdata) is not None

    os.kill(second.pid, signal.SIGTERM)
    os.kill(third.pid, signal.SIGHUP)
    for process, signum in ((second, signal.SIGTERM), (third, signal.SIGHUP)):
        _, stderr = process.communicate()
        assert process.returncode == -signum
        assert "Traceback" not in stderr

    assert_stops_by_itself(pgdata)
    with log.open() as server_log:
        server_log.seek(log_size)
        assert server_log.read().count("received fast shutdown request") == 1
    assert_next_command_works_and_stops_the_server(pgdata)
