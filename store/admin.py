from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminIntegerFieldWidget
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.forms.models import BaseModelFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from duka_app.errors import DomainError
from payments.services import order_status_set
from store.constants import MAX_STOCK
from store.models import Cart, CartItem, Category, Order, OrderEvent, OrderItem, Product
from store.services.catalog import (
    STOCK_REASON_ADJUSTMENT,
    product_stock_adjust,
    product_stock_lock,
    product_update,
)


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


class ProductAdminForm(forms.ModelForm):
    """The stock field edits a difference, not a value.

    Customers keep buying while the form is open, so saving the number typed would undo their purchases.
    The form carries the stock it was loaded with (a hidden initial); what the manager changed is the
    difference between the two, and that difference is applied to the stock as it is when saving, under
    the row lock checkout uses. Leaving the field alone leaves the stock alone."""

    stock = forms.IntegerField(
        min_value=0,
        max_value=MAX_STOCK,
        show_hidden_initial=True,
        widget=AdminIntegerFieldWidget,
        help_text="Changes are applied as a difference to the current stock, so sales since the page was "
        "loaded are kept.",
    )

    class Meta:
        model = Product
        fields = ["category", "name", "slug", "sku", "description", "price", "discount_price", "stock", "is_active"]

    stock_delta = 0

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None or "stock" not in self.changed_data or "stock" not in cleaned_data:
            return cleaned_data
        loaded = self._loaded_stock()
        if loaded is None:
            self.add_error("stock", "The page is out of date; reload it and enter the stock again.")
            return cleaned_data
        # Runs inside the admin's save transaction: the lock is held until the difference is written.
        category = cleaned_data.get("category") if "category" in self.changed_data else None
        current = product_stock_lock(product_ids=[self.instance.pk], category=category).get(self.instance.pk)
        if current is None:
            raise ValidationError("This product was deleted meanwhile.")
        delta = cleaned_data["stock"] - loaded
        if not 0 <= current + delta <= MAX_STOCK:
            self.add_error(
                "stock",
                f"The stock is {current} now ({loaded} when the page was loaded); changing it by {delta:+d} "
                f"would make it {current + delta}.",
            )
            return cleaned_data
        self.stock_delta = delta
        return cleaned_data

    def _loaded_stock(self) -> int | None:
        field = self.fields["stock"]
        raw = field.hidden_widget().value_from_datadict(self.data, self.files, self.add_initial_prefix("stock"))
        try:
            loaded = field.to_python(raw)
        except ValidationError:
            return None
        return loaded if loaded is not None and 0 <= loaded <= MAX_STOCK else None


class ProductListFormSet(BaseModelFormSet):
    def full_clean(self):
        """Lock the page's changed products in primary-key order before any row checks its stock: rows
        locked one by one in the list's order could wait in a cycle with a checkout."""
        product_stock_lock(product_ids=[form.instance.pk for form in self.forms if form.has_changed()])
        super().full_clean()


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Edits save only the changed fields; the stock moves by the difference the manager typed."""

    form = ProductAdminForm
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

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=ProductAdminForm, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        return super().get_changelist_formset(request, formset=ProductListFormSet, **kwargs)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST" or "_save" not in request.POST:
            return super().changelist_view(request, extra_context)
        # A list save validates and writes in one transaction, so the rows locked to check the stock stay
        # locked until the changes are written (the change form's view is atomic already).
        with transaction.atomic():
            return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Product, form: ProductAdminForm, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        if form.stock_delta:
            product_stock_adjust(
                product=obj, delta=form.stock_delta, reason=STOCK_REASON_ADJUSTMENT, actor=request.user
            )
        fields = {name: getattr(obj, name) for name in form.changed_data if name != "stock"}
        product_update(product=obj, actor=request.user, **fields)


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "expires_at", "updated_at"]  # no user and an expiry: a guest cart
    list_select_related = ["user"]
    search_fields = ["=id", "user__username", "user__email"]
    readonly_fields = ["expires_at", "created_at", "updated_at"]
    autocomplete_fields = ["user"]
    inlines = [CartItemInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Cart | None = None) -> list[str]:
        """A guest cart stays a guest cart: giving it a user is a merge (`POST /api/cart/merge/`)."""
        guest = obj is not None and obj.user_id is None
        return [*self.readonly_fields, "user"] if guest else self.readonly_fields


class OrderItemInline(admin.TabularInline):
    """Order lines are a record of the sale: read-only."""

    model = OrderItem
    extra = 0
    can_delete = False
    fields = [
        "product",
        "product_name",
        "sku",
        "quantity",
        "price_at_purchase",
        "discount_amount",
        "tax_rate",
        "net_amount",
        "tax_amount",
        "gross_amount",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class OrderEventInline(admin.TabularInline):
    """The order's history, oldest first: written by the flows that change the order, never edited here."""

    model = OrderEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).select_related("actor")


def _order_status_action(status: str, description: str):
    def change(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        changed = 0
        for order_id in queryset.values_list("pk", flat=True):
            try:
                order_status_set(order_id=order_id, status=status, by=request.user)
                changed += 1
            except DomainError as error:
                modeladmin.message_user(request, f"Order #{order_id}: {error.detail}", messages.WARNING)
        modeladmin.message_user(request, f"{changed} order(s) changed to {status}.")

    change.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(change)


SHIPPING_FIELDS = ["name", "phone", "address", "line2", "city", "region", "country", "postal_code"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Status changes go through the actions, which apply the same rules as the API (cancelling restores stock)."""

    list_display = ["id", "user", "status", "total_amount", "voucher_code", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__username", "user__email"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderEventInline]
    actions = [
        _order_status_action(Order.Status.PAID, "Mark as paid"),
        _order_status_action(Order.Status.SHIPPED, "Mark as shipped"),
        _order_status_action(Order.Status.DELIVERED, "Mark as delivered"),
        _order_status_action(Order.Status.CANCELLED, "Cancel (restores stock)"),
    ]
    readonly_fields = [
        "user",
        "status",
        "subtotal_amount",
        "discount_amount",
        "voucher_code",
        "shipping_amount",
        "shipping_method_name",
        "tax_amount",
        "prices_include_tax",
        "total_amount",
        "idempotency_key",
        "reminder_sent_at",
        "created_at",
        "updated_at",
        "payments",
    ]
    fields = [*readonly_fields[:10], *SHIPPING_FIELDS, *readonly_fields[10:]]

    @admin.display(description="Payments")
    def payments(self, order: Order) -> str:
        url = f"{reverse('admin:payments_payment_changelist')}?order__id__exact={order.pk}"
        return format_html('<a href="{}">Payments, refunds and provider events of this order</a>', url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        """An order is a record of a sale: only admins delete, and only cancelled orders, whose stock is back.

        The bulk action checks every selected order against this and refuses the lot if one is not cancelled.
        An order with a history (every order placed since the history is kept) is never deleted: its events
        protect it (PROTECT), and the admin shows them instead. Deleting a user with orders is refused by the
        database (PROTECT); deleting a product keeps its order lines, with their name and SKU, and clears their
        link (SET_NULL)."""
        if not request.user.is_superuser:
            return False
        return obj is None or obj.status == Order.Status.CANCELLED

    def get_readonly_fields(self, request: HttpRequest, obj: Order | None = None) -> list[str]:
        """The shipping details may be corrected while the order is pending; once paid, they are what was paid for."""
        if obj is not None and obj.status != Order.Status.PENDING:
            return [*self.readonly_fields, *SHIPPING_FIELDS]
        return self.readonly_fields

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Order | None:
        """On a save, the order row is locked before the form is built: the shipping fields are editable only
        if the order is still pending under the lock, and a payment or cancel waits for the save."""
        order = super().get_object(request, object_id, from_field)
        if order is None or request.method != "POST":
            return order
        return self.get_queryset(request).select_for_update(of=("self",)).filter(pk=order.pk).first()

    def save_model(self, request: HttpRequest, obj: Order, form: forms.ModelForm, change: bool) -> None:
        # Only what was edited: the status read with the page is never written back.
        if form.changed_data:
            obj.save(update_fields=[*form.changed_data, "updated_at"])
