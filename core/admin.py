from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from unfold.admin import ModelAdmin

from core.analysis import suspicious_ip_blacklist
from core.blacklist import (
    blacklist_add,
    blacklist_check_blockable,
    blacklist_remove,
    blacklist_remove_many,
    blacklist_update,
)
from core.client_ip import RequestOrigin, request_origin
from core.dashboard import DASHBOARD_FIRST_DAY, dashboard_last_day, security_dashboard, traffic_per_day
from core.errors import IPNotBlockable
from core.models import BlacklistedIP, RequestLog, SuspiciousIP

CHART_TOP_N = 10
CHART_DEFAULT_DAYS = 30


class SecurityRangeForm(forms.Form):
    """The security page's range: both days optional (default: the last 30 days), within the dashboard's days."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, hence fields added by name.
        for name in ("from", "to"):
            self.fields[name] = forms.DateField(
                required=False,
                input_formats=["%Y-%m-%d"],
                validators=[
                    MinValueValidator(DASHBOARD_FIRST_DAY),
                    MaxValueValidator(dashboard_last_day),
                ],
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        day_to = cleaned.get("to") or timezone.now().date()
        day_from = cleaned.get("from") or day_to - timedelta(days=CHART_DEFAULT_DAYS - 1)
        if day_from > day_to:
            raise forms.ValidationError({"from": "Must be on or before 'to'."})
        return {"day_from": day_from, "day_to": day_to}


@admin.register(RequestLog)
class RequestLogAdmin(ModelAdmin):
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
        """Charts of traffic per day, per country and top IPs, drawn as inline SVG from the daily rollup.

        An invalid range re-renders the form with its errors (400) and no charts."""
        form = SecurityRangeForm(request.GET)
        context = {**self.admin_site.each_context(request), "title": "Security overview", "opts": self.model._meta}
        if not form.is_valid():
            return TemplateResponse(request, "admin/core/security.html", {**context, "form": form}, status=400)
        day_from, day_to = form.cleaned_data["day_from"], form.cleaned_data["day_to"]
        dashboard = security_dashboard(day_from=day_from, day_to=day_to, top_n=CHART_TOP_N)
        per_day = [
            {**row, "x": index * 100 + 5, "y": 100 - row["share"]}
            for index, row in enumerate(_with_shares(traffic_per_day(day_from=day_from, day_to=day_to)))
        ]
        context = {
            **context,
            "form": form,
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


class BlacklistedIPForm(forms.ModelForm):
    """Shows the blacklist's own rule on an address that cannot be blocked as an error on the field."""

    origin: RequestOrigin | None = None  # set per request by BlacklistedIPAdmin.get_form

    def clean_ip(self) -> str:
        ip = self.cleaned_data["ip"]
        if "ip" not in self.changed_data:
            return ip
        try:
            blacklist_check_blockable(ip=ip, origin=self.origin)
        except IPNotBlockable as error:
            raise forms.ValidationError(error.detail, code=error.code) from error
        return ip


@admin.register(BlacklistedIP)
class BlacklistedIPAdmin(ModelAdmin):
    form = BlacklistedIPForm
    list_display = ["ip", "reason", "created_by", "created_at", "expires_at"]
    list_filter = ["created_at", "expires_at"]
    search_fields = ["ip", "reason"]
    readonly_fields = ["created_by", "created_at"]
    actions = ["unblock"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.origin = request_origin(request)  # a class made for this request by modelform_factory
        return form

    def save_model(self, request, obj, form, change):
        origin = request_origin(request)
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            blacklist_update(entry=obj, origin=origin, **changed)
        else:
            obj.pk = blacklist_add(
                ip=obj.ip, reason=obj.reason, expires_at=obj.expires_at, created_by=request.user, origin=origin
            ).pk

    def delete_model(self, request, obj):
        blacklist_remove(entry=obj)

    def delete_queryset(self, request, queryset):
        blacklist_remove_many(ips=list(queryset.values_list("ip", flat=True)))

    @admin.action(description="Unblock selected IPs")
    def unblock(self, request, queryset):
        count = blacklist_remove_many(ips=list(queryset.values_list("ip", flat=True)))
        self.message_user(request, f"Unblocked {count} IP address(es).", messages.SUCCESS)


@admin.register(SuspiciousIP)
class SuspiciousIPAdmin(ModelAdmin):
    list_display = ["ip", "reason", "request_count", "error_count", "failed_login_count", "last_seen", "resolved"]
    list_filter = ["resolved", "last_seen"]
    search_fields = ["ip", "reason"]
    readonly_fields = ["first_seen", "last_seen", "request_count", "error_count", "failed_login_count"]
    actions = ["blacklist_selected", "resolve_selected"]

    @admin.action(description="Blacklist selected IPs")
    def blacklist_selected(self, request, queryset):
        origin = request_origin(request)
        created = 0
        refused = []
        for suspicious in queryset.order_by("pk"):
            try:
                created += suspicious_ip_blacklist(suspicious=suspicious, created_by=request.user, origin=origin)[1]
            except IPNotBlockable as error:
                refused.append(f"{suspicious.ip}: {error.detail}")
        self.message_user(request, f"Blacklisted {created} IP address(es).", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not blacklisted: {reason}", messages.WARNING)

    @admin.action(description="Mark selected as resolved")
    def resolve_selected(self, request, queryset):
        count = queryset.update(resolved=True)
        self.message_user(request, f"Resolved {count} IP address(es).", messages.SUCCESS)
