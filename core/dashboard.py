"""The security dashboard's queries: traffic per day, country and IP from the daily rollup, and the counts of
blacklisted and suspicious IPs."""

from datetime import date, timedelta

from django.db.models import Max, Q, Sum
from django.utils import timezone

from core.models import BlacklistedIP, RequestLogDaily, SuspiciousIP

# The days the dashboard answers for. Outside them a date is a typo; near `date.min` and `date.max` the range
# arithmetic would overflow. A year ahead leaves room for every time zone and a range that ends in the future.
DASHBOARD_FIRST_DAY = date(2000, 1, 1)
DASHBOARD_DAYS_AHEAD = 366


def dashboard_last_day() -> date:
    return timezone.now().date() + timedelta(days=DASHBOARD_DAYS_AHEAD)


def blacklist_active_count() -> int:
    return BlacklistedIP.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())).count()


def security_dashboard(*, day_from: date, day_to: date, top_n: int) -> dict:
    """Traffic between two days (inclusive), read from the daily rollup, never from the raw logs."""
    rows = RequestLogDaily.objects.filter(day__gte=day_from, day__lte=day_to)
    per_country = rows.values("country").annotate(count=Sum("request_count")).order_by("-count", "country")
    top_ips = (rows.values("ip").annotate(count=Sum("request_count"), country=Max("country")).order_by("-count", "ip"))[
        :top_n
    ]
    requests_per_country = [{"country": row["country"] or None, "count": row["count"]} for row in per_country]
    return {
        "from": day_from,
        "to": day_to,
        "total_requests": sum(row["count"] for row in requests_per_country),
        "requests_per_country": requests_per_country,
        "top_ips": [{"ip": row["ip"], "count": row["count"], "country": row["country"] or None} for row in top_ips],
        "blacklisted_count": blacklist_active_count(),
        "suspicious_count": SuspiciousIP.objects.filter(resolved=False).count(),
    }


def traffic_per_day(*, day_from: date, day_to: date) -> list[dict]:
    return list(
        RequestLogDaily.objects.filter(day__gte=day_from, day__lte=day_to)
        .values("day")
        .annotate(count=Sum("request_count"))
        .order_by("day")
    )
