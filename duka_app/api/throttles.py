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
