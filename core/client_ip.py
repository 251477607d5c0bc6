"""The client's IP address, resolved one way for the middleware, the throttles and the login back-off.

`REMOTE_ADDR` is the client unless `TRUSTED_PROXY_COUNT` proxies stand in front of the server; then
the address the outermost trusted proxy saw is taken from `X-Forwarded-For` (counting from the right,
the same rule as DRF's `NUM_PROXIES`), so a client cannot spoof its address by sending the header.
"""

import ipaddress

from django.conf import settings

UNKNOWN_IP = "0.0.0.0"


def ip_normalize(value: str) -> str | None:
    """The canonical text of an IP address (compressed IPv6, no zone), or None if it is not one."""
    try:
        return ipaddress.ip_address(value.strip().split("%", 1)[0]).compressed
    except (ValueError, AttributeError):
        return None


def client_ip(request) -> str:
    cached = getattr(request, "client_ip", None)
    if cached:
        return cached
    meta = request.META
    address = meta.get("REMOTE_ADDR", "")
    proxy_count = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxy_count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(proxy_count, len(hops))]
    return ip_normalize(address) or ip_normalize(meta.get("REMOTE_ADDR", "")) or UNKNOWN_IP
