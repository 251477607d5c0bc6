from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from core.exceptions import DomainError
from store import services
from store.models import Cart, CartItem, Category, Order, OrderItem, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "product_count", "updated_at"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, category: Category) -> int:
        return category.product_count


class InStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "in_stock"

    def lookups(self, request, model_admin):
        return [("yes", "In stock"), ("no", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(stock__gt=0)
        if self.value() == "no":
            return queryset.filter(stock=0)
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "category", "price", "discount_price", "stock", "is_active", "updated_at"]
    list_editable = ["price", "discount_price", "stock", "is_active"]
    list_filter = ["is_active", InStockFilter, "category"]
    list_select_related = ["category"]
    search_fields = ["name", "sku", "slug", "category__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at", "low_stock_alerted_at"]
    autocomplete_fields = ["category"]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("search_vector")


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
