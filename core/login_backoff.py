"""Login back-off glue for token logins (django-axes).

Axes sees failures through Django's `authenticate()`, but a JWT login never calls `django.contrib.auth.login()`,
so its success signal never fires; `login_succeeded` tells axes directly, which clears that
(username, IP) pair's failures.
"""

from axes.handlers.proxy import AxesProxyHandler


def login_username(request, credentials: dict | None) -> str:
    """The username a login attempt counts against, case-folded (logins accept any letter case)."""
    username = (credentials or {}).get("username")
    if username is None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get("username") if hasattr(data, "get") else None
    return str(username or "").casefold()[:150]


def login_is_locked_out(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def login_succeeded(request, user) -> None:
    AxesProxyHandler.user_logged_in(sender=type(user), request=request, user=user)
