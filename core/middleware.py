"""Refuses blacklisted IPs and logs every request (SPEC section 5); JSON 404s for unknown API paths."""

import logging
import time

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone

from core.blacklist import local_guard
from core.client_ip import client_ip
from core.request_logs import request_log_record

logger = logging.getLogger(__name__)

USER_AGENT_MAX_LENGTH = 512


class RequestSecurityMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        received_at = timezone.now()
        ip = client_ip(request)
        request.client_ip = ip
        if self._is_blocked(ip):
            response = JsonResponse(
                {"detail": "Requests from this IP address are blocked.", "code": "ip_blacklisted"}, status=403
            )
        else:
            response = self.get_response(request)
        if settings.REQUEST_LOGGING_ENABLED and not request.path.startswith(
            tuple(settings.REQUEST_LOG_EXCLUDED_PREFIXES)
        ):
            self._log(request, response, ip, received_at, started)
        return response

    @staticmethod
    def _is_blocked(ip: str) -> bool:
        try:
            return local_guard.is_blocked(ip)
        except Exception:
            logger.exception("Could not read the IP blacklist; letting the request through.")
            return False

    @staticmethod
    def _log(request, response, ip: str, received_at, started: float) -> None:
        user = getattr(request, "user", None)
        entry = {
            "timestamp": received_at.isoformat(),
            "ip": ip,
            "method": request.method,
            "path": request.path,
            "status_code": response.status_code,
            "response_time_ms": round((time.perf_counter() - started) * 1000, 3),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
        }
        request_log_record(entry=entry)


class ApiNotFoundMiddleware:
    """A path under /api/ that no route matches (an unknown endpoint, an id of the wrong shape) gets the API's
    JSON error instead of Django's HTML page. Listed before CommonMiddleware, so `/api/products` is still
    redirected to `/api/products/` first. 404s rendered by views (which matched a route) are left alone."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and request.resolver_match is None and request.path.startswith("/api/"):
            return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
        return response
