"""Database settings beyond DATABASE_URL: the read replicas' aliases, and connections through a pooler.

Imported by the settings, so it imports nothing of Django's that needs them. See duka_app/db_routing.py for
where queries go.
"""

from django.db import DEFAULT_DB_ALIAS

POOLERS = ("pgbouncer",)


def replica_aliases(count: int) -> list[str]:
    return [f"replica_{number}" for number in range(1, count + 1)]


def replica_databases(replicas: list[dict], primary: dict) -> dict[str, dict]:
    """The database settings of each replica (parsed URLs), with the primary's backend and connection policy. In
    the tests a replica stands for the primary's test database (`MIRROR`): the test run creates no database of its
    own for it."""
    return {
        alias: {
            **replica,
            "ENGINE": primary["ENGINE"],
            "CONN_MAX_AGE": primary["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": primary["CONN_HEALTH_CHECKS"],
            "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
        }
        for alias, replica in zip(replica_aliases(len(replicas)), replicas, strict=True)
    }


def pooler_settings_apply(database: dict) -> None:
    """A database reached through PgBouncer in transaction mode: consecutive transactions of one Django
    connection may run on different server connections, so nothing may outlive a transaction on the server.
    Named (server-side) cursors live until closed, and prepared statements live with the server session; both
    are turned off (Django's psycopg 3 backend prepares nothing by default, but `OPTIONS` may ask it to).
    `CONN_MAX_AGE` then keeps the connection to PgBouncer, not to PostgreSQL."""
    database["DISABLE_SERVER_SIDE_CURSORS"] = True
    database["OPTIONS"] = {**database.get("OPTIONS", {}), "prepare_threshold": None}
