"""Login back-off glue for token logins (django-axes).

Axes sees failures through Django's `authenticate()`, but a JWT login never calls `django.contrib.auth.login()`,
so its success signal never fires; `login_succeeded` tells axes directly, which clears that
(username, IP) pair's failures.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model


def login_username(request, credentials: dict | None) -> str:
    """The key a login attempt counts against: one per account, whatever the spelling.

    A spelling that names an account (the login matches any letter case and any NFKC-equivalent form, e.g.
    full-width letters) counts against that account's stored name; case-folding alone would not do, since
    PostgreSQL's case-insensitive match also equates e.g. dotless `ı` with `i`. Other spellings count
    against their normalised, case-folded form.
    """
    username = (credentials or {}).get("username")
    if username is None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get("username") if hasattr(data, "get") else None
    user_model = get_user_model()
    # PostgreSQL text cannot hold NUL, and no stored name contains one.
    name = user_model.normalize_username(str(username or "")).replace("\x00", "")
    stored = user_model.objects.filter(username__iexact=name).order_by("pk").values_list("username", flat=True)
    return (stored.first() or name).casefold()[:150]


def login_is_locked_out(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def login_succeeded(request, user) -> None:
    AxesProxyHandler.user_logged_in(sender=type(user), request=request, user=user)
