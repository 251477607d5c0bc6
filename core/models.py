from django.conf import settings
from django.db import models


class RequestLog(models.Model):
    # Given to the entry when it is queued, so an entry delivered twice (a drain killed after its commit) is
    # stored once. Rows written before it existed have none.
    entry_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    timestamp = models.DateTimeField(db_index=True)
    ip = models.GenericIPAddressField()
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    status_code = models.PositiveSmallIntegerField()
    response_time_ms = models.FloatField()
    # No database constraint: logs are written in bulk from a buffer and must not fail when a user is deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    user_agent = models.CharField(max_length=512, blank=True)
    country = models.CharField(max_length=2, blank=True)
    # Rows written straight to the database (no Redis buffer) get their country later, off the request path.
    country_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["ip", "timestamp"], name="request_log_ip_time_idx"),
            models.Index(fields=["id"], condition=models.Q(country_pending=True), name="request_log_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.ip} {self.method} {self.path} {self.status_code}"


class BlacklistedIP(models.Model):
    ip = models.GenericIPAddressField(unique=True)
    reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "blacklisted IP"
        verbose_name_plural = "blacklisted IPs"

    def __str__(self) -> str:
        return self.ip


class SuspiciousIP(models.Model):
    ip = models.GenericIPAddressField(unique=True)
    reason = models.CharField(max_length=255)
    request_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    failed_login_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = "suspicious IP"
        verbose_name_plural = "suspicious IPs"
        indexes = [models.Index(fields=["resolved", "-last_seen"], name="suspicious_ip_resolved_idx")]

    def __str__(self) -> str:
        return self.ip


class RequestLogDaily(models.Model):
    """Requests per (day, ip, country): the pre-aggregated rows the security dashboard reads.

    Kept in step with RequestLog by every writer (the buffer drain, the direct insert, the country
    resolution step and seed_core), in the same transaction as the log rows.
    """

    day = models.DateField()
    ip = models.GenericIPAddressField()
    country = models.CharField(max_length=2, blank=True)
    request_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "-request_count"]
        verbose_name = "daily request count"
        constraints = [
            models.UniqueConstraint(fields=["day", "ip", "country"], name="request_log_daily_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.ip} {self.country or '--'}: {self.request_count}"
