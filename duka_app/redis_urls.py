"""Redis URL helpers for settings (no Django imports: settings load this module)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def next_database_url(url: str, step: int = 1) -> str:
    """The same Redis server with the database number `step` higher: `redis://host:6379/0` gives `redis://host:6379/1`.

    The number is read from the `db` query parameter when there is one (as `unix://` URLs need), else from
    the path; no number means database 0.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if parts.scheme == "unix" or any(name == "db" for name, _ in query):
        current = int(dict(query).get("db") or 0)
        query = [(name, value) for name, value in query if name != "db"] + [("db", str(current + step))]
        return f"{url.split('?', 1)[0]}?{urlencode(query)}"
    current = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{current + step}"))
