"""The embedded development database: a PostgreSQL server under `.data/`, shipped by pgserver.

Used only when DATABASE_URL is unset. The server starts on the first command that needs it and stops
when the last process using it exits normally, so `make test` leaves nothing running and concurrent
commands (runserver and its autoreloader, a shell) share one server. A killed process leaves it
running; the next command reuses it.
"""

import logging
import warnings
from pathlib import Path


def embedded_database_settings(data_dir: Path) -> dict:
    # pgserver looks for a runtime directory that headless machines often lack; the data directory serves instead.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pgserver

    # pgserver narrates every start and stop at INFO, also from atexit after logging has shut down.
    logging.getLogger("pgserver").setLevel(logging.WARNING)

    pgdata = data_dir / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": str(server.get_postmaster_info().socket_dir),
    }
