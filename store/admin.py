from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.exceptions import DomainError
from store import services
from store.models import Cart, CartItem, Order, OrderItem

# --- cart, checkout, orders ---------------------------------------------------------------------------------


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__username", "user__email"]
    readonly_fields = ["created_at", "updated_at"]
    autocomplete_fields = ["user"]
    inlines = [CartItemInline]


class OrderItemInline(admin.TabularInline):
    """Order lines are a record of the sale: read-only."""

    model = OrderItem
    extra = 0
    can_delete = False
    fields = ["product", "product_name", "sku", "quantity", "price_at_purchase"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _order_status_action(status: str, description: str):
    def change(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        changed = 0
        for order_id in queryset.values_list("pk", flat=True):
            try:
                services.order_status_change(order_id=order_id, status=status, by=request.user)
                changed += 1
            except DomainError as error:
                modeladmin.message_user(request, f"Order #{order_id}: {error.detail}", messages.WARNING)
        modeladmin.message_user(request, f"{changed} order(s) changed to {status}.")

    change.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(change)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Status changes go through the actions, which apply the same rules as the API (cancelling restores stock)."""

    list_display = ["id", "user", "status", "total_amount", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__username", "user__email"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline]
    actions = [
        _order_status_action(Order.Status.PAID, "Mark as paid"),
        _order_status_action(Order.Status.SHIPPED, "Mark as shipped"),
        _order_status_action(Order.Status.DELIVERED, "Mark as delivered"),
        _order_status_action(Order.Status.CANCELLED, "Cancel (restores stock)"),
    ]
    readonly_fields = [
        "user",
        "status",
        "total_amount",
        "idempotency_key",
        "reminder_sent_at",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:3], "phone", "address", "city", "country", "postal_code", *readonly_fields[3:]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
