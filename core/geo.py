"""Country of an IP address, resolved in batches off the request path.

ipinfo.io answers first when IPINFO_TOKEN is set; the offline geoip2fast database (shipped in its
wheel) answers the rest. Private, loopback and reserved addresses have no country, and only a valid
two-letter code is ever returned, whatever a backend answers.
ipinfo.io's handler caches its answers; a slow or failing API returns what it has.
"""

import ipaddress
import logging
import re
from functools import lru_cache

import ipinfo
from django.conf import settings

logger = logging.getLogger(__name__)

COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


@lru_cache(maxsize=1)
def _offline_database():
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(verbose=False)


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


def is_public_ip(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_global
    except ValueError:
        return False


def country_clean(value) -> str:
    """A valid upper-case ISO country code, or "" for anything else."""
    if not isinstance(value, str):
        return ""
    value = value.strip().upper()
    return value if COUNTRY_CODE.match(value) else ""


def offline_country(ip: str) -> str:
    try:
        return country_clean(_offline_database().lookup(ip).country_code)
    except Exception:
        logger.warning("Offline geo-IP lookup failed for %s.", ip, exc_info=True)
        return ""


def countries_resolve(ips) -> dict[str, str]:
    """{ip: country code or ""} for every given IP. Never raises."""
    unique = set(ips)
    result = {ip: "" for ip in unique}
    public = sorted(ip for ip in unique if is_public_ip(ip))
    online = {ip: country_clean(country) for ip, country in ipinfo_countries(public).items()}
    for ip in public:
        result[ip] = online.get(ip) or offline_country(ip)
    return result
