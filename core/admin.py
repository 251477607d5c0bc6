from datetime import timedelta

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date

from core import selectors, services
from core.models import BlacklistedIP, RequestLog, SuspiciousIP

CHART_TOP_N = 10


@admin.register(RequestLog)
class RequestLogAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "ip", "country", "method", "path", "status_code", "response_time_ms", "user_id"]
    list_filter = ["method", "status_code", "country", "timestamp"]
    search_fields = ["ip", "path"]
    date_hierarchy = "timestamp"
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        security_page = self.admin_site.admin_view(self.security_view)
        return [path("security/", security_page, name="core_security"), *super().get_urls()]

    def security_view(self, request):
        """Charts of traffic per day, per country and top IPs, drawn as inline SVG from the daily rollup."""
        today = timezone.now().date()
        day_to = parse_date(request.GET.get("to") or "") or today
        day_from = parse_date(request.GET.get("from") or "") or day_to - timedelta(days=29)
        if day_from > day_to:
            day_from, day_to = day_to, day_from
        dashboard = selectors.security_dashboard(day_from=day_from, day_to=day_to, top_n=CHART_TOP_N)
        per_day = [
            {**row, "x": index * 100 + 5, "y": 100 - row["share"]}
            for index, row in enumerate(_with_shares(selectors.traffic_per_day(day_from=day_from, day_to=day_to)))
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Security overview",
            "opts": self.model._meta,
            "dashboard": dashboard,
            "per_day": per_day,
            "per_day_peak": max((row["count"] for row in per_day), default=0),
            "per_country": _with_shares(dashboard["requests_per_country"][:15]),
            "top_ips": _with_shares(dashboard["top_ips"]),
            "day_from": day_from,
            "day_to": day_to,
        }
        return TemplateResponse(request, "admin/core/security.html", context)


def _with_shares(rows: list[dict]) -> list[dict]:
    """Each row with `share`, its count as a percentage of the largest, for bar lengths."""
    peak = max((row["count"] for row in rows), default=0) or 1
    return [{**row, "share": round(100 * row["count"] / peak, 1)} for row in rows]


@admin.register(BlacklistedIP)
class BlacklistedIPAdmin(admin.ModelAdmin):
    list_display = ["ip", "reason", "created_by", "created_at", "expires_at"]
    list_filter = ["created_at", "expires_at"]
    search_fields = ["ip", "reason"]
    readonly_fields = ["created_by", "created_at"]
    actions = ["unblock"]

    def save_model(self, request, obj, form, change):
        if change:
            services.blacklist_update(entry=obj, **{name: form.cleaned_data[name] for name in form.changed_data})
        else:
            obj.pk = services.blacklist_add(
                ip=obj.ip, reason=obj.reason, expires_at=obj.expires_at, created_by=request.user
            ).pk

    def delete_model(self, request, obj):
        services.blacklist_remove(entry=obj)

    def delete_queryset(self, request, queryset):
        services.blacklist_remove_many(ips=list(queryset.values_list("ip", flat=True)))

    @admin.action(description="Unblock selected IPs")
    def unblock(self, request, queryset):
        count = services.blacklist_remove_many(ips=list(queryset.values_list("ip", flat=True)))
        self.message_user(request, f"Unblocked {count} IP address(es).", messages.SUCCESS)


@admin.register(SuspiciousIP)
class SuspiciousIPAdmin(admin.ModelAdmin):
    list_display = ["ip", "reason", "request_count", "error_count", "failed_login_count", "last_seen", "resolved"]
    list_filter = ["resolved", "last_seen"]
    search_fields = ["ip", "reason"]
    readonly_fields = ["first_seen", "last_seen", "request_count", "error_count", "failed_login_count"]
    actions = ["blacklist_selected", "resolve_selected"]

    @admin.action(description="Blacklist selected IPs")
    def blacklist_selected(self, request, queryset):
        created = 0
        for suspicious in queryset.order_by("pk"):
            created += services.suspicious_ip_blacklist(suspicious=suspicious, created_by=request.user)[1]
        self.message_user(request, f"Blacklisted {created} IP address(es).", messages.SUCCESS)

    @admin.action(description="Mark selected as resolved")
    def resolve_selected(self, request, queryset):
        count = queryset.update(resolved=True)
        self.message_user(request, f"Resolved {count} IP address(es).", messages.SUCCESS)
