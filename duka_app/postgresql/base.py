"""Django's PostgreSQL backend with a health check that costs no round trip while the connection is idle and sound.

`CONN_HEALTH_CHECKS` makes Django check a persistent connection at the start of each request, with a
`SELECT 1` by default: one round trip per request, about a tenth of a product detail. A server that ends
a connection (a restart, `pg_terminate_backend`, an idle timeout) sends its error and closes the socket,
so an idle connection with anything to read, or one psycopg already knows is closed, is what the check
must catch. Only then does the `SELECT 1` run (and fail), so the request reconnects as before.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        return not readable or super().is_usable()
