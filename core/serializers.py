from datetime import date, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from rest_framework import serializers

from core.client_ip import ip_normalize
from core.dashboard import DASHBOARD_FIRST_DAY, dashboard_last_day
from core.models import BlacklistedIP, SuspiciousIP

DASHBOARD_DEFAULT_DAYS = 7


class DashboardQuerySerializer(serializers.Serializer):
    # `from` is a Python keyword, hence the explicit field names.
    top_n = serializers.IntegerField(min_value=1, max_value=100, default=10)

    def get_fields(self):
        fields = super().get_fields()
        for name in ("from", "to"):
            fields[name] = serializers.DateField(
                required=False,
                input_formats=["%Y-%m-%d"],
                validators=[MinValueValidator(DASHBOARD_FIRST_DAY), MaxValueValidator(dashboard_last_day)],
            )
        return fields

    def validate(self, attrs: dict) -> dict:
        day_to: date = attrs.get("to") or timezone.now().date()
        day_from: date = attrs.get("from") or day_to - timedelta(days=DASHBOARD_DEFAULT_DAYS - 1)
        if day_from > day_to:
            raise serializers.ValidationError({"from": ["Must be on or before 'to'."]})
        return {"day_from": day_from, "day_to": day_to, "top_n": attrs["top_n"]}


class CountryCountSerializer(serializers.Serializer):
    country = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class TopIPSerializer(serializers.Serializer):
    ip = serializers.IPAddressField()
    count = serializers.IntegerField()
    country = serializers.CharField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    total_requests = serializers.IntegerField()
    requests_per_country = CountryCountSerializer(many=True)
    top_ips = TopIPSerializer(many=True)
    blacklisted_count = serializers.IntegerField()
    suspicious_count = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        fields["to"] = serializers.DateField()
        return fields


class BlacklistedIPSerializer(serializers.ModelSerializer):
    ip = serializers.IPAddressField()
    created_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who listed it; null for automatic entries and deleted users.",
    )
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = BlacklistedIP
        fields = ["id", "ip", "reason", "expires_at", "is_active", "created_by", "created_at"]
        read_only_fields = ["created_at"]

    def get_is_active(self, entry: BlacklistedIP) -> bool:
        return entry.expires_at is None or entry.expires_at > timezone.now()

    def validate_ip(self, value: str) -> str:
        ip = ip_normalize(value)
        if ip is None:
            raise serializers.ValidationError("Enter a valid IPv4 or IPv6 address.")
        return ip

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class SuspiciousBlacklistSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class SuspiciousIPSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuspiciousIP
        fields = [
            "id",
            "ip",
            "reason",
            "request_count",
            "error_count",
            "failed_login_count",
            "first_seen",
            "last_seen",
            "resolved",
        ]
        read_only_fields = fields
