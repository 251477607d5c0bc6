"""The client's IP address, resolved one way for the middleware, the throttles and the login back-off.

`REMOTE_ADDR` is the client unless `TRUSTED_PROXY_COUNT` proxies stand in front of the server; then
the address the outermost trusted proxy saw is taken from `X-Forwarded-For` (counting from the right,
the same rule as DRF's `NUM_PROXIES`), so a client cannot spoof its address by sending the header.
The addresses to the right of the client's, and `REMOTE_ADDR`, are the trusted proxies the request
came through.
"""

import ipaddress
from dataclasses import dataclass

from django.conf import settings

UNKNOWN_IP = "0.0.0.0"


@dataclass(frozen=True)
class RequestOrigin:
    """Where a request came from: the client, and the trusted proxies between it and the server."""

    client: str
    proxies: frozenset[str] = frozenset()


def ip_normalize(value: str) -> str | None:
    """The canonical text of an IP address (compressed IPv6, no zone), or None if it is not one."""
    try:
        return ipaddress.ip_address(value.strip().split("%", 1)[0]).compressed
    except (ValueError, AttributeError):
        return None


def _forwarding_path(meta) -> list[str]:
    """The trusted addresses of the request's path, client first: the trusted `X-Forwarded-For` entries, then the
    peer. Without a trusted proxy, only the peer."""
    peer = meta.get("REMOTE_ADDR", "")
    proxy_count = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxy_count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return [*hops[-min(proxy_count, len(hops)) :], peer]
    return [peer]


def client_ip(request) -> str:
    cached = getattr(request, "client_ip", None)
    if cached:
        return cached
    meta = request.META
    return ip_normalize(_forwarding_path(meta)[0]) or ip_normalize(meta.get("REMOTE_ADDR", "")) or UNKNOWN_IP


def request_origin(request) -> RequestOrigin:
    client = client_ip(request)
    proxies = {ip_normalize(hop) for hop in _forwarding_path(request.META)[1:]}
    return RequestOrigin(client=client, proxies=frozenset(proxies - {None, client}))
