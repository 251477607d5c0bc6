"""Shipments and returns in the admin: records to read; changes go through the services (the API, or the return
actions here), so every rule and lock applies. The order admin gains its shipments and returns as inlines."""

from django.contrib import admin, messages
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline

from duka_app.errors import DomainError
from fulfilment import services
from fulfilment.models import ReturnLine, ReturnRequest, Shipment, ShipmentEvent
from store.admin import OrderAdmin as StoreOrderAdmin
from store.models import Order


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ShipmentEventInline(ReadOnlyInline):
    model = ShipmentEvent
    fields = ["occurred_at", "status", "location", "note", "carrier_event_id", "actor"]
    readonly_fields = fields
    ordering = ["occurred_at", "id"]


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "carrier", "tracking_number", "status", "created_at", "delivered_at"]
    list_filter = ["status", "carrier"]
    list_select_related = ["order"]
    search_fields = ["=tracking_number", "=order__id"]
    inlines = [ShipmentEventInline]


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["order_item", "quantity"]
    readonly_fields = fields


def _return_action(service, description: str):
    def action(modeladmin, request: HttpRequest, queryset) -> None:
        done = 0
        for return_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                service(return_id=return_id, by=request.user)
                done += 1
            except DomainError as error:
                modeladmin.message_user(request, f"Return #{return_id}: {error.detail}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{description}: {done} return(s).", messages.SUCCESS)

    action.__name__ = service.__name__
    return admin.action(description=description)(action)


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    """Refunds are the API's (they may need a reversal reference); the other steps are actions here."""

    list_display = ["id", "order", "status", "created_at", "refund"]
    list_filter = ["status", "created_at"]
    list_select_related = ["order"]
    search_fields = ["=id", "=order__id"]
    fields = ["order", "status", "reason", "note", "refund", "created_at", "updated_at"]
    readonly_fields = fields
    inlines = [ReturnLineInline]
    actions = [
        _return_action(services.return_approve, "Approve"),
        _return_action(services.return_reject, "Reject"),
        _return_action(services.return_receive, "Receive (puts the items back in stock)"),
    ]


class OrderShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["carrier", "tracking_number", "status", "created_at", "delivered_at"]
    readonly_fields = fields
    show_change_link = True


class OrderReturnInline(ReadOnlyInline):
    model = ReturnRequest
    fields = ["status", "reason", "refund", "created_at"]
    readonly_fields = fields
    show_change_link = True


admin.site.unregister(Order)


@admin.register(Order)
class OrderAdmin(StoreOrderAdmin):
    inlines = [*StoreOrderAdmin.inlines, OrderShipmentInline, OrderReturnInline]
