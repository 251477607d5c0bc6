"""Suspicious IPs: the periodic analysis of recent request logs that flags them (and blacklists the worst
automatically, when configured), and a manager's review of each: blacklist it or mark it resolved."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from core.blacklist import blacklist_add, blacklist_check_blockable, blacklist_publish_on_commit
from core.client_ip import RequestOrigin
from core.errors import IPNotBlockable
from core.models import BlacklistedIP, RequestLog, SuspiciousIP

logger = logging.getLogger(__name__)

FAILED_LOGIN_PATH = "/api/auth/token/"
# Refused (400) or throttled (429) voucher codes: someone may be guessing codes.
FAILED_VOUCHER_PATH = "/api/cart/voucher/"
ERROR_STATUSES = (401, 403, 404)


@transaction.atomic
def suspicious_ip_blacklist(
    *,
    suspicious: SuspiciousIP,
    created_by=None,
    reason: str = "",
    expires_at: datetime | None = None,
    origin: RequestOrigin | None = None,
) -> tuple[BlacklistedIP, bool]:
    """Blacklist a suspicious IP and mark it resolved. Returns the entry and whether it was created."""
    SuspiciousIP.objects.filter(pk=suspicious.pk).update(resolved=True)
    suspicious.resolved = True
    existing = BlacklistedIP.objects.filter(ip=suspicious.ip).first()
    if existing:
        return existing, False
    entry = blacklist_add(
        ip=suspicious.ip,
        reason=reason or f"Suspicious: {suspicious.reason}"[:255],
        expires_at=expires_at,
        created_by=created_by,
        origin=origin,
    )
    return entry, True


def suspicious_ip_resolve(*, suspicious: SuspiciousIP) -> SuspiciousIP:
    SuspiciousIP.objects.filter(pk=suspicious.pk).update(resolved=True)
    suspicious.resolved = True
    return suspicious


def suspicious_ips_analyze(*, now: datetime | None = None) -> dict[str, int]:
    """Flag IPs whose activity in the last `SECURITY_ANALYZE_WINDOW_MINUTES` passes a threshold.

    Counters are the window's counts (kept at their peak), so running twice over the same window
    changes nothing. An IP above the auto-blacklist thresholds is blacklisted until the expiry, when
    `SECURITY_AUTO_BLACKLIST` is on. Returns {"flagged": n, "blacklisted": n}.
    """
    now = now or timezone.now()
    config = settings.SECURITY_ANALYZE
    since = now - timedelta(minutes=config["WINDOW_MINUTES"])
    failed_login = Q(method="POST", path=FAILED_LOGIN_PATH, status_code=401)
    failed_voucher = Q(method="POST", path=FAILED_VOUCHER_PATH, status_code__in=(400, 429))
    activity = (
        RequestLog.objects.filter(timestamp__gt=since, timestamp__lte=now)
        .values("ip")
        .annotate(
            requests=Count("id"),
            errors=Count("id", filter=Q(status_code__in=ERROR_STATUSES)),
            failed_logins=Count("id", filter=failed_login),
            failed_vouchers=Count("id", filter=failed_voucher),
            first=Min("timestamp"),
            last=Max("timestamp"),
        )
        .filter(
            Q(requests__gte=config["MAX_REQUESTS"])
            | Q(errors__gte=config["MAX_ERRORS"])
            | Q(failed_logins__gte=config["MAX_FAILED_LOGINS"])
            | Q(failed_vouchers__gte=config["MAX_FAILED_VOUCHERS"])
        )
        .order_by("ip")
    )
    flagged = blacklisted = 0
    for row in activity:
        _suspicious_upsert(row=row, config=config)
        flagged += 1
        if config["AUTO_BLACKLIST"] and _above_auto_blacklist(row, config):
            blacklisted += _auto_blacklist(ip=row["ip"], row=row, now=now, minutes=config["AUTO_BLACKLIST_MINUTES"])
    return {"flagged": flagged, "blacklisted": blacklisted}


def _reasons(row: dict, config: dict) -> str:
    reasons = []
    if row["requests"] >= config["MAX_REQUESTS"]:
        reasons.append(f"{row['requests']} requests")
    if row["errors"] >= config["MAX_ERRORS"]:
        reasons.append(f"{row['errors']} 401/403/404 responses")
    if row["failed_logins"] >= config["MAX_FAILED_LOGINS"]:
        reasons.append(f"{row['failed_logins']} failed logins")
    if row["failed_vouchers"] >= config["MAX_FAILED_VOUCHERS"]:
        reasons.append(f"{row['failed_vouchers']} refused voucher codes")
    return f"{', '.join(reasons)} within {config['WINDOW_MINUTES']} min"[:255]


@transaction.atomic
def _suspicious_upsert(*, row: dict, config: dict) -> None:
    suspicious, created = SuspiciousIP.objects.select_for_update().get_or_create(
        ip=row["ip"],
        defaults={
            "reason": _reasons(row, config),
            "request_count": row["requests"],
            "error_count": row["errors"],
            "failed_login_count": row["failed_logins"],
            "first_seen": row["first"],
            "last_seen": row["last"],
        },
    )
    if created or row["last"] <= suspicious.last_seen:
        return
    suspicious.reason = _reasons(row, config)
    suspicious.request_count = max(suspicious.request_count, row["requests"])
    suspicious.error_count = max(suspicious.error_count, row["errors"])
    suspicious.failed_login_count = max(suspicious.failed_login_count, row["failed_logins"])
    suspicious.last_seen = row["last"]
    suspicious.resolved = False
    suspicious.save()


def _above_auto_blacklist(row: dict, config: dict) -> bool:
    return (
        row["requests"] >= config["BLACKLIST_REQUESTS"]
        or row["errors"] >= config["BLACKLIST_ERRORS"]
        or row["failed_logins"] >= config["BLACKLIST_FAILED_LOGINS"]
    )


def _auto_blacklist(*, ip: str, row: dict, now: datetime, minutes: int) -> int:
    try:
        blacklist_check_blockable(ip=ip)
    except IPNotBlockable as error:
        logger.warning("Not blacklisting %s automatically: %s", ip, error.detail)
        return 0
    if BlacklistedIP.objects.filter(ip=ip).exclude(expires_at__lte=now).exists():
        return 0
    with transaction.atomic():
        BlacklistedIP.objects.filter(ip=ip).delete()
        BlacklistedIP.objects.create(
            ip=ip,
            reason=f"Automatic: {_reasons(row, settings.SECURITY_ANALYZE)}"[:255],
            expires_at=now + timedelta(minutes=minutes),
        )
        blacklist_publish_on_commit()
    return 1
