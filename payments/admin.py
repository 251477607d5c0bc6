"""Payments in the admin: read-only records of what providers said and did (changes go through the API's
services, so every rule and lock applies)."""

from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from payments.models import Payment, PaymentEvent, Refund


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RefundInline(TabularInline):
    model = Refund
    extra = 0
    fields = ["amount", "status", "provider_reference", "reason", "actor", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PaymentEventInline(TabularInline):
    model = PaymentEvent
    extra = 0
    fields = ["provider_event_id", "kind", "outcome", "outcome_detail", "received_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "provider", "status", "amount", "currency", "refunded_amount", "created_at"]
    list_filter = ["provider", "status"]
    search_fields = ["provider_reference", "receipt", "order__id"]
    list_select_related = ["order"]
    raw_id_fields = ["order", "created_by"]
    inlines = [RefundInline, PaymentEventInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "payment", "amount", "status", "provider_reference", "created_at"]
    list_filter = ["status"]
    list_select_related = ["payment"]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "provider", "provider_event_id", "kind", "outcome", "received_at"]
    list_filter = ["provider", "outcome"]
    search_fields = ["provider_event_id"]
