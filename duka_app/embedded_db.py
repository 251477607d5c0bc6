"""The embedded development database: a PostgreSQL cluster in EMBEDDED_DB_DIR (default `.data/pg`).

Used only when DATABASE_URL is unset. The pgserver wheel ships the PostgreSQL binaries; this module
decides when the server starts and stops. The first process that needs the server starts it,
concurrent processes (runserver and its autoreloader, a shell, the tests) share it, and it stops
once the last of them has ended, however it ended.

Who uses the server is known to the kernel, not written in a file. Each process holds a shared
`flock` on `<cluster>.clients` for as long as it lives; the kernel drops it when the process ends,
by exit, Ctrl-C, SIGTERM or SIGKILL alike, so no record can go stale or be half written, and no
process needs exit code or signal handlers. A small watcher process, started with the server in a
session of its own, waits for an exclusive lock on that file, which the kernel grants only once
every user has ended, then stops the server and exits. Starting, joining and the watcher's stop are
serialised by an exclusive `flock` on `<cluster>.lock`, so the watcher never stops the server under
a process that joined meanwhile; `<cluster>.watcher` is held by the live watcher, so there is one.

Start recovers from however the last run ended:
- a server still running without users (they and the watcher were killed) is reused, with a new
  watcher;
- a server killed with SIGKILL: its leftover processes are ended, its `postmaster.pid` and socket
  lock files removed (their pid may belong to another process by now), and PostgreSQL starts and
  replays its log;
- `.handle_pids.json`, the pid list pgserver's own start/stop kept (empty after a SIGTERM at the
  wrong moment, or naming dead processes), is ignored and deleted.
"""

import fcntl
import os
import pwd
import shlex
import subprocess
import sys
import time
import warnings
from pathlib import Path

import psutil

# Seconds pg_ctl may take to start (crash recovery included) or stop the server.
_PG_CTL_WAIT_SECONDS = 120
_LEGACY_HANDLE_FILE = ".handle_pids.json"
# Without `-p`, PostgreSQL listens on its default port, which names the socket in the socket directory.
_SOCKET_NAME = ".s.PGSQL.5432"
_WATCHING = "watching"


class _Cluster:
    """The cluster directory, its lock files, and the user PostgreSQL runs as."""

    def __init__(self, pgdata: Path):
        # pgserver looks for a runtime directory that headless machines often lack; /tmp serves instead.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from pgserver import PostgresServer
        from pgserver._commands import POSTGRES_BIN_PATH

        self.pgdata = pgdata
        self.bin = POSTGRES_BIN_PATH
        self.runtime_path = PostgresServer.runtime_path
        # PostgreSQL refuses to run as root: pgserver's convention is a `pgserver` system user.
        self.system_user = "pgserver" if os.geteuid() == 0 else None
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        self.mutex = os.open(pgdata.with_name(pgdata.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        self.clients = os.open(pgdata.with_name(pgdata.name + ".clients"), os.O_RDWR | os.O_CREAT, 0o600)
        self.watcher = os.open(pgdata.with_name(pgdata.name + ".watcher"), os.O_RDWR | os.O_CREAT, 0o600)

    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", str(_PG_CTL_WAIT_SECONDS), *args)

    def run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / tool), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            user=self.system_user,
        )
        if result.returncode:
            log = self.pgdata / "log"
            log_tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{result.stdout}\n{log.name}:\n{log_tail}")

    def prepare_system_user(self) -> None:
        """As root, the `pgserver` user must exist, reach the cluster and run the binaries."""
        if self.system_user is None:
            return
        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(self.system_user)
        self.pgdata.mkdir(exist_ok=True)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(self.bin)
        read, execute = 0o044, 0o011
        ensure_folder_permissions(self.bin, read | execute)
        ensure_folder_permissions(self.bin.parent / "lib", read)
        if not (self.pgdata / "PG_VERSION").exists():
            entry = pwd.getpwnam(self.system_user)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)

    def initialise(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        self.pgdata.mkdir(exist_ok=True)
        self.end_leftover_processes()
        self.run(
            "initdb",
            "-D",
            str(self.pgdata),
            "--auth=trust",
            "--auth-local=trust",
            "--encoding=utf8",
            "-U",
            "postgres",
        )

    def postmaster(self) -> tuple[psutil.Process | None, list[str]]:
        """The live postmaster of this cluster and the lines of its postmaster.pid, if there is one."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            process = psutil.Process(int(lines[0]))
        except (OSError, ValueError, IndexError, psutil.Error):
            return None, []
        return (process, lines) if self.owns(process) else (None, [])

    def owns(self, process: psutil.Process) -> bool:
        """Whether `process` is a live PostgreSQL process of this cluster (a reused pid is not).

        Every server process runs in its data directory; the postmaster also names it on its command line."""
        try:
            if process.name() != "postgres":
                return False
            return str(self.pgdata) in process.cmdline() or Path(process.cwd()) == self.pgdata
        except (psutil.Error, OSError):
            return False

    def end_leftover_processes(self) -> None:
        """Backends and helpers of a killed postmaster keep its shared memory, which blocks a new start."""
        leftovers = [process for process in psutil.process_iter() if self.owns(process)]
        for process in leftovers:
            process.kill()
        psutil.wait_procs(leftovers, timeout=_PG_CTL_WAIT_SECONDS)

    def start(self) -> None:
        """Start the server; only called when none of this cluster runs."""
        from pgserver.utils import ensure_prefix_permissions, find_suitable_socket_dir

        self.end_leftover_processes()
        socket_dir = find_suitable_socket_dir(self.pgdata, self.runtime_path)
        if self.system_user is not None and socket_dir != self.pgdata:
            ensure_prefix_permissions(socket_dir)
            socket_dir.chmod(0o777)
        # Left by a killed server, they may name a pid that now belongs to another process, and then
        # PostgreSQL refuses to start. The socket file itself PostgreSQL replaces.
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        (socket_dir / f"{_SOCKET_NAME}.lock").unlink(missing_ok=True)
        options = f"-h '' -k {shlex.quote(str(socket_dir))}"
        self.pg_ctl("-l", str(self.pgdata / "log"), "-o", options, "start")

    def ensure_watcher(self) -> None:
        """Start the watcher unless one runs (it holds the watcher lock); called with the mutex held."""
        try:
            fcntl.flock(self.watcher, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        fcntl.flock(self.watcher, fcntl.LOCK_UN)
        # Its own session, so that Ctrl-C, a closed terminal or `timeout` stopping a command spare it;
        # -I keeps duka_app/ (which has a celery.py) off its import path.
        with open(self.pgdata / "log", "a") as log:
            launcher = subprocess.Popen(
                [sys.executable, "-I", __file__, str(self.pgdata)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,
            )
        with launcher.stdout:
            announced = launcher.stdout.readline().strip()
        launcher.wait()
        if announced != _WATCHING:
            raise RuntimeError(f"The embedded PostgreSQL's watcher did not start; see {self.pgdata / 'log'}.")

    def ready_socket_dir(self) -> str | None:
        """The socket directory of the running server once it accepts connections; None when none runs.

        A server found starting or stopping (its last user was killed halfway) is waited for."""
        deadline = time.monotonic() + _PG_CTL_WAIT_SECONDS
        while time.monotonic() < deadline:
            process, lines = self.postmaster()
            if process is None:
                return None
            if len(lines) > 7 and lines[7].strip() == "ready":
                return lines[4]
            time.sleep(0.1)
        raise RuntimeError(f"The embedded PostgreSQL in {self.pgdata} neither became ready nor stopped.")


def _join(cluster: _Cluster) -> str:
    """Use the server from now until this process ends, starting it (and its watcher) when needed."""
    fcntl.flock(cluster.mutex, fcntl.LOCK_EX)
    try:
        cluster.prepare_system_user()
        cluster.initialise()
        (cluster.pgdata / _LEGACY_HANDLE_FILE).unlink(missing_ok=True)
        socket_dir = cluster.ready_socket_dir()
        if socket_dir is None:
            cluster.start()
            socket_dir = cluster.ready_socket_dir()
        if socket_dir is None:
            raise RuntimeError(f"The embedded PostgreSQL in {cluster.pgdata} stopped right after starting.")
        fcntl.flock(cluster.clients, fcntl.LOCK_SH)
        cluster.ensure_watcher()
    finally:
        fcntl.flock(cluster.mutex, fcntl.LOCK_UN)
    return socket_dir


def _watch(pgdata: Path) -> None:
    """The watcher's life: wait until no process uses the server, stop it, exit."""
    if os.fork():
        os._exit(0)  # the launcher ends at once: the watcher is nobody's child, no process waits for it
    cluster = _Cluster(pgdata)
    fcntl.flock(cluster.watcher, fcntl.LOCK_EX)
    print(_WATCHING, flush=True)
    while True:
        # Granted once every user has ended, whether it exited, was signalled or was killed.
        fcntl.flock(cluster.clients, fcntl.LOCK_EX)
        fcntl.flock(cluster.clients, fcntl.LOCK_UN)
        fcntl.flock(cluster.mutex, fcntl.LOCK_EX)
        try:
            fcntl.flock(cluster.clients, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            fcntl.flock(cluster.mutex, fcntl.LOCK_UN)  # a process joined meanwhile: watch on
    if cluster.postmaster()[0] is not None:
        cluster.pg_ctl("-m", "fast", "stop")
    # Let go of the watcher lock before the mutex (released at exit): whoever joins next starts a new one.
    os.close(cluster.watcher)


def embedded_database_settings(pgdata: Path) -> dict:
    socket_dir = _join(_Cluster(pgdata.expanduser().resolve()))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": socket_dir,
    }


if __name__ == "__main__":
    _watch(Path(sys.argv[1]))
