import random
import time
from collections import Counter
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from core.blacklist import blacklist_add
from core.geo import countries_resolve
from core.models import BlacklistedIP, RequestLog, SuspiciousIP
from core.request_logs import daily_counts_add, log_day

# Seven public addresses in five countries (US, AU, GB, DE, BR per the offline database).
SEED_IPS = ["8.8.8.8", "1.1.1.1", "81.2.69.142", "212.58.244.20", "5.9.0.1", "46.4.0.1", "200.160.2.3"]
BLACKLISTED_IP = "46.4.0.1"
SUSPICIOUS_IP = "200.160.2.3"
REQUESTS = [
    ("GET", "/api/products/", 200),
    ("GET", "/api/products/blue-mug/", 200),
    ("GET", "/api/categories/", 200),
    ("GET", "/api/cart/", 200),
    ("POST", "/api/cart/", 201),
    ("POST", "/api/auth/token/", 200),
    ("POST", "/api/auth/token/", 401),
    ("GET", "/api/orders/", 401),
    ("GET", "/api/products/no-such-thing/", 404),
    ("GET", "/admin/", 302),
]
USER_AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", "DukaMobile/2.1 (iOS 18)", "curl/8.5.0"]
COLUMNS = [
    "timestamp",
    "ip",
    "method",
    "path",
    "status_code",
    "response_time_ms",
    "user_id",
    "user_agent",
    "country",
    "country_pending",
]
BATCH_SIZE = 100_000


class Command(BaseCommand):
    help = "Seed request logs (7 IPs in 5 countries over the last 7 days), one blacklisted and one suspicious IP."

    def add_arguments(self, parser):
        parser.add_argument("--logs", type=int, default=100, help="How many request logs to add (default 100).")
        parser.add_argument("--ips", type=int, default=len(SEED_IPS), help="How many client IPs (default 7).")
        parser.add_argument("--days", type=int, default=7, help="Spread over this many past days (default 7).")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data.")

    def handle(self, *args, logs: int, ips: int, days: int, seed: int | None, **options):
        if logs < 0 or ips < 1 or days < 1:
            raise CommandError("--logs must be >= 0, --ips and --days >= 1.")
        rng = random.Random(seed)
        pool = _ip_pool(ips, rng)
        countries = countries_resolve(pool)
        started = time.monotonic()
        written = 0
        while written < logs:
            size = min(BATCH_SIZE, logs - written)
            _insert_batch(size=size, pool=pool, countries=countries, days=days, rng=rng)
            written += size
            if logs > BATCH_SIZE:
                self.stdout.write(f"  {written:,}/{logs:,} request logs ({time.monotonic() - started:.1f} s)")
        _seed_security_entries()
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {written:,} request logs from {len(pool)} IPs in {len(set(countries.values()) - {''})} "
                f"countries in {time.monotonic() - started:.1f} s; "
                f"{BLACKLISTED_IP} blacklisted, {SUSPICIOUS_IP} suspicious."
            )
        )


def _ip_pool(size: int, rng: random.Random) -> list[str]:
    pool = SEED_IPS[:size]
    taken = set(pool)
    while len(pool) < size:
        first, second, _, _ = rng.choice(SEED_IPS).split(".")
        candidate = f"{first}.{second}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        if candidate not in taken:
            taken.add(candidate)
            pool.append(candidate)
    return pool


@transaction.atomic
def _insert_batch(*, size: int, pool: list[str], countries: dict[str, str], days: int, rng: random.Random) -> None:
    """COPY one batch of logs and add its counts to the daily rollup, in one transaction."""
    now = timezone.now()
    span = days * 24 * 60 * 60
    counts: Counter = Counter()
    table = RequestLog._meta.db_table
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for _ in range(size):
            timestamp = now - timedelta(seconds=rng.random() * span)
            ip = rng.choice(pool)
            method, path, status = rng.choice(REQUESTS)
            country = countries[ip]
            copy.write_row(
                (
                    timestamp,
                    ip,
                    method,
                    path,
                    status,
                    round(rng.uniform(2, 120), 2),
                    None,
                    rng.choice(USER_AGENTS),
                    country,
                    False,
                )
            )
            counts[(log_day(timestamp), ip, country)] += 1
    daily_counts_add(counts)


def _seed_security_entries() -> None:
    now = timezone.now()

    if not BlacklistedIP.objects.filter(ip=BLACKLISTED_IP).exists():
        blacklist_add(ip=BLACKLISTED_IP, reason="Seeded: credential stuffing")
    SuspiciousIP.objects.get_or_create(
        ip=SUSPICIOUS_IP,
        defaults={
            "reason": "Seeded: 40 failed logins within 10 min",
            "request_count": 120,
            "error_count": 45,
            "failed_login_count": 40,
            "first_seen": now - timedelta(hours=2),
            "last_seen": now - timedelta(minutes=5),
        },
    )
