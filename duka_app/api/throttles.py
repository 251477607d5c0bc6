import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from core.client_ip import client_ip


class ClientIPScopedRateThrottle(ScopedRateThrottle):
    """Per-IP scoped throttle keyed on the same client IP as the middleware and the login back-off.

    Rates are read when a request comes in, so a changed REST_FRAMEWORK setting applies at once.
    The cache it counts in fails open: with Redis down, requests pass and a warning is logged.
    """

    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def get_ident(self, request) -> str:
        return client_ip(request)


class EmailRateThrottle(ClientIPScopedRateThrottle):
    """Throttles requests naming the same email address (the body's `email`, in any letter case), from any IP,
    at the rate of the view's `email_throttle_scope`. A body without a usable `email` is left to the view's
    validation. The cache key holds a digest of the address, not the address.
    """

    scope_attr = "email_throttle_scope"

    def get_cache_key(self, request, view) -> str | None:
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class ClientIPRateThrottle(ClientIPScopedRateThrottle):
    """Per-IP throttle at the rate of the view's `ip_throttle_scope`, for logged-in callers too (a view can combine
    it with `UserRateScopedThrottle`: one person cannot spread guesses over accounts, nor accounts over IPs)."""

    scope_attr = "ip_throttle_scope"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserRateScopedThrottle(ClientIPScopedRateThrottle):
    """Per-user throttle at the rate of the view's `user_throttle_scope`, from any IP."""

    scope_attr = "user_throttle_scope"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
