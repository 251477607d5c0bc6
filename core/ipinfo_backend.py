"""Country lookups through the ipinfo.io API (used when IPINFO_TOKEN is set), in batches.

Runs only in the log drain, never on the request path. Results are cached by the ipinfo handler;
a slow or failing API returns what it has and the caller falls back to the offline database.
"""

import logging
from functools import lru_cache

import ipinfo
from django.conf import settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _handler(token: str):
    return ipinfo.getHandler(
        token,
        request_options={"timeout": settings.IPINFO_TIMEOUT_SECONDS},
        cache_options={"maxsize": 100_000, "ttl": 24 * 60 * 60},
    )


def ipinfo_countries(ips: list[str]) -> dict[str, str]:
    """Raw country answers for public IPs, keyed by IP; IPs the API did not answer are absent."""
    if not ips or not settings.IPINFO_TOKEN:
        return {}
    try:
        details = _handler(settings.IPINFO_TOKEN).getBatchDetails(
            ips,
            timeout_per_batch=settings.IPINFO_TIMEOUT_SECONDS,
            timeout_total=settings.IPINFO_TIMEOUT_SECONDS * 3,
            raise_on_fail=False,
        )
    except Exception:
        logger.warning("ipinfo batch lookup failed; using the offline database.", exc_info=True)
        return {}
    countries = {}
    for ip, detail in (details or {}).items():
        country = detail.get("country") if isinstance(detail, dict) else getattr(detail, "country", None)
        if isinstance(country, str):
            countries[ip] = country
    return countries
