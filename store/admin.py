from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminIntegerFieldWidget
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, QuerySet
from django.forms.models import BaseModelFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline

from duka_app.errors import DomainError
from payments.services import order_status_set
from store.constants import MAX_STOCK
from store.errors import ImageRejected
from store.images import image_clean
from store.models import (
    Attribute,
    AttributeValue,
    BackInStockSubscription,
    Cart,
    CartItem,
    Category,
    Order,
    OrderEvent,
    OrderItem,
    Product,
    ProductAttributeValue,
    ProductImage,
    RestockOrder,
    RestockOrderLine,
    Review,
    StockMovement,
)
from store.services.attributes import BOOLEAN_VALUES, attribute_delete, product_attribute_copies_refresh
from store.services.catalog import (
    STOCK_REASON_ADJUSTMENT,
    product_stock_adjust,
    product_stock_lock,
    product_update,
)
from store.services.images import product_image_add, product_image_delete, product_image_update
from store.services.restock import restock_order_cancel, restock_order_place
from store.services.reviews import review_delete, review_hidden_set


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
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
        fields = [
            "category",
            "name",
            "slug",
            "sku",
            "description",
            "price",
            "discount_price",
            "stock",
            "reorder_level",
            "reorder_quantity",
            "is_active",
        ]

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


class AttributeValueInline(TabularInline):
    model = AttributeValue
    extra = 0
    fields = ["value", "slug", "position"]
    prepopulated_fields = {"slug": ["value"]}


@admin.register(Attribute)
class AttributeAdmin(ModelAdmin):
    """Attributes with their values. Saving refreshes the copies on the product rows of every product that
    carried the attribute (a deleted value removes it from them), in the change's transaction."""

    list_display = ["name", "slug", "kind", "position"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["categories"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AttributeValueInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Attribute | None = None) -> list[str]:
        return [*self.readonly_fields, "kind"] if obj is not None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Attribute | None):
        """A boolean attribute's values are `true` and `false`, made with it: nothing to edit."""
        return [] if obj is None or obj.kind == Attribute.Kind.BOOLEAN else self.inlines

    def save_model(self, request: HttpRequest, obj: Attribute, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.kind == Attribute.Kind.BOOLEAN:
            AttributeValue.objects.bulk_create(
                AttributeValue(attribute=obj, slug=slug, value=label, position=position)
                for position, (slug, label) in enumerate(BOOLEAN_VALUES)
            )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        product_ids = list(form.instance.product_values.values_list("product_id", flat=True))
        super().save_related(request, form, formsets, change)
        product_attribute_copies_refresh(product_ids=product_ids)

    def delete_model(self, request: HttpRequest, obj: Attribute) -> None:
        attribute_delete(attribute=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Attribute]) -> None:
        for attribute in queryset.order_by("pk"):
            attribute_delete(attribute=attribute)


class ProductAttributeValueForm(forms.ModelForm):
    class Meta:
        model = ProductAttributeValue
        fields = ["attribute", "value", "number"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        value = self.fields["value"]
        value.queryset = AttributeValue.objects.select_related("attribute").order_by("attribute__name", "position")
        value.label_from_instance = lambda choice: f"{choice.attribute.name}: {choice.value}"

    def clean(self):
        cleaned_data = super().clean()
        attribute, value, number = (cleaned_data.get(name) for name in ("attribute", "value", "number"))
        if attribute is None:
            return cleaned_data
        if attribute.kind == Attribute.Kind.NUMBER:
            if number is None or value is not None:
                raise ValidationError("A number attribute takes a number and no value.")
        elif value is None or number is not None or value.attribute_id != attribute.pk:
            raise ValidationError("Choose one of this attribute's values, and no number.")
        category_ids = {category.pk for category in attribute.categories.all()}
        product = self.instance.product if self.instance.product_id else None
        if category_ids and product is not None and product.category_id not in category_ids:
            raise ValidationError("This attribute does not apply to the product's category.")
        return cleaned_data


class ProductAttributeValueInline(TabularInline):
    model = ProductAttributeValue
    form = ProductAttributeValueForm
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("attribute", "value")


class ProductImageInlineForm(forms.ModelForm):
    """A new image is checked as the API checks uploads; a stored one keeps its file (delete it and add another)."""

    class Meta:
        model = ProductImage
        fields = ["file", "alt_text", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["file"].disabled = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.instance.pk is None and upload:
            try:
                image_clean(file=upload, size=upload.size)
            except ImageRejected as error:
                raise ValidationError(error.detail, code=str(error.code)) from error
            upload.seek(0)
        return upload


class ProductImageInline(TabularInline):
    model = ProductImage
    form = ProductImageInlineForm
    fields = ["thumbnail", "file", "alt_text", "position", "width", "height"]
    readonly_fields = ["thumbnail", "width", "height"]
    extra = 1

    @admin.display(description="Picture")
    def thumbnail(self, image: ProductImage) -> str:
        if image.pk is None:
            return "-"
        smallest = min(image.renditions.values(), key=lambda rendition: rendition["width"], default=None)
        url = default_storage.url(smallest["name"] if smallest else image.file.name)
        return format_html('<img src="{}" alt="{}" style="max-width: 120px; max-height: 90px">', url, image.alt_text)


@admin.register(Product)
class ProductAdmin(ModelAdmin):
    """Edits save only the changed fields; the stock moves by the difference the manager typed. Attribute
    values are edited inline; saving refreshes the product row's copies of them in the same transaction."""

    form = ProductAdminForm
    list_display = ["name", "sku", "category", "price", "discount_price", "stock", "is_active", "updated_at"]
    list_editable = ["price", "discount_price", "stock", "is_active"]
    list_filter = ["is_active", InStockFilter, "category"]
    list_select_related = ["category"]
    search_fields = ["name", "sku", "slug", "category__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["rating_average", "rating_count", "created_at", "updated_at", "low_stock_alerted_at"]
    autocomplete_fields = ["category"]
    inlines = [ProductImageInline, ProductAttributeValueInline]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("search_vector")

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=ProductAdminForm, **kwargs)

    def get_deleted_objects(self, objs, request):
        """A product's stock ledger goes with it (the movements themselves are never deleted on their own)."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(StockMovement._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

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
            # A new product starts at 0; the stock entered is its opening adjustment in the ledger.
            opening_stock, obj.stock = obj.stock, 0
            super().save_model(request, obj, form, change)
            if opening_stock:
                product_stock_adjust(
                    product=obj,
                    delta=opening_stock,
                    reason=STOCK_REASON_ADJUSTMENT,
                    actor=request.user,
                    note="Opening stock",
                )
            return
        if form.stock_delta:
            product_stock_adjust(
                product=obj, delta=form.stock_delta, reason=STOCK_REASON_ADJUSTMENT, actor=request.user
            )
        fields = {name: getattr(obj, name) for name in form.changed_data if name != "stock"}
        product_update(product=obj, actor=request.user, **fields)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        product_attribute_copies_refresh(product_ids=[form.instance.pk])

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProductImage:
            super().save_formset(request, form, formset, change)
            return
        # Through the services, as the API: new files are re-encoded and get their renditions after the commit.
        # The formset's record of what changed feeds the admin's history message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for image_form in formset.deleted_forms:
            if image_form.instance.pk is not None:
                formset.deleted_objects.append(image_form.instance)
                product_image_delete(image=image_form.instance)
        for image_form in formset.forms:
            if image_form in formset.deleted_forms or not image_form.has_changed():
                continue
            data = image_form.cleaned_data
            if image_form.instance.pk is None:
                upload = data["file"]
                formset.new_objects.append(
                    product_image_add(
                        product=form.instance,
                        file=upload,
                        size=upload.size,
                        alt_text=data["alt_text"],
                        position=data["position"],
                    )
                )
            else:
                image = product_image_update(
                    image=image_form.instance, alt_text=data["alt_text"], position=data["position"]
                )
                formset.changed_objects.append((image, image_form.changed_data))


class CartItemInline(TabularInline):
    model = CartItem
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Cart)
class CartAdmin(ModelAdmin):
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


class OrderItemInline(TabularInline):
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderItem]:
        return super().get_queryset(request).select_related("product")


class ReadOnlyInline(TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class StockMovementInline(ReadOnlyInline):
    """The ledger lines an order (or restock order) wrote: its sale, and its cancel or expiry."""

    model = StockMovement
    fields = ["created_at", "product", "delta", "reason", "actor", "note"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockMovement]:
        return super().get_queryset(request).select_related("product", "actor")


class OrderEventInline(TabularInline):
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
    def change(modeladmin: ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
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
class OrderAdmin(ModelAdmin):
    """Status changes go through the actions, which apply the same rules as the API (cancelling restores stock)."""

    list_display = ["id", "user", "status", "total_amount", "voucher_code", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__username", "user__email"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderEventInline, StockMovementInline]
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


@admin.register(StockMovement)
class StockMovementAdmin(ModelAdmin):
    """The stock ledger: written by the stock changes themselves, never edited here."""

    list_display = ["created_at", "product", "delta", "reason", "order", "restock_order", "actor", "note"]
    list_filter = ["reason", "created_at"]
    list_select_related = ["product", "actor"]
    search_fields = ["product__name", "product__sku", "=order__id", "=restock_order__id", "note"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RestockOrderLineInline(TabularInline):
    model = RestockOrderLine
    extra = 0
    raw_id_fields = ["product"]
    fields = ["product", "quantity_ordered", "quantity_received"]
    readonly_fields = ["quantity_received"]

    def _is_draft(self, obj: RestockOrder | None) -> bool:
        return obj is None or obj.status == RestockOrder.Status.DRAFT

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


class RestockMovementInline(StockMovementInline):
    fields = ["created_at", "product", "delta", "actor"]
    readonly_fields = fields


def _restock_action(service, description: str):
    def change(modeladmin: ModelAdmin, request: HttpRequest, queryset: QuerySet[RestockOrder]) -> None:
        changed = 0
        for restock_order_id in queryset.values_list("pk", flat=True):
            try:
                service(restock_order_id=restock_order_id)
                changed += 1
            except DomainError as error:
                modeladmin.message_user(request, f"Restock order #{restock_order_id}: {error.detail}", messages.WARNING)
        modeladmin.message_user(request, f"{changed} restock order(s) changed.")

    change.__name__ = service.__name__
    return admin.action(description=description, permissions=["change"])(change)


@admin.register(RestockOrder)
class RestockOrderAdmin(ModelAdmin):
    """Drafts are edited here; ordering and cancelling go through the actions, receiving through the API
    (`POST /api/restock-orders/{id}/receive/`), so that stock only moves through the ledger."""

    list_display = ["id", "status", "supplier_name", "supplier_reference", "expected_date", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "supplier_name", "supplier_reference"]
    readonly_fields = ["status", "created_by", "ordered_at", "received_at", "created_at", "updated_at"]
    fields = ["status", "supplier_name", "supplier_reference", "expected_date", "note", *readonly_fields[1:]]
    inlines = [RestockOrderLineInline, RestockMovementInline]
    actions = [
        _restock_action(restock_order_place, "Mark as ordered"),
        _restock_action(restock_order_cancel, "Cancel"),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: RestockOrder | None = None) -> list[str]:
        if obj is not None and obj.status != RestockOrder.Status.DRAFT:
            return [*self.readonly_fields, "supplier_name", "supplier_reference", "expected_date", "note"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: RestockOrder, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(BackInStockSubscription)
class BackInStockSubscriptionAdmin(ModelAdmin):
    list_display = ["product", "user", "created_at", "notified_at"]
    list_filter = ["notified_at"]
    list_select_related = ["product", "user"]
    search_fields = ["product__name", "product__sku", "user__username", "user__email"]
    raw_id_fields = ["product", "user"]
    readonly_fields = ["notified_at", "created_at"]


def _review_hidden_action(is_hidden: bool, description: str):
    def change(modeladmin: ModelAdmin, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        reviews = list(queryset.select_related("product").order_by("pk"))
        for review in reviews:
            review_hidden_set(review=review, is_hidden=is_hidden, by=request.user)
        modeladmin.message_user(request, f"{len(reviews)} review(s) {'hidden' if is_hidden else 'shown'}.")

    change.__name__ = "hide" if is_hidden else "unhide"
    return admin.action(description=description, permissions=["change"])(change)


@admin.register(Review)
class ReviewAdmin(ModelAdmin):
    """Moderation: reviews are read here and hidden or shown by the actions, which keep the product's rating
    current; deleting one does too. Only its author writes a review."""

    list_display = ["id", "product", "user", "rating", "title", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "rating", "created_at"]
    list_select_related = ["product", "user"]
    search_fields = ["=id", "title", "body", "product__name", "product__sku", "user__username", "user__email"]
    date_hierarchy = "created_at"
    actions = [_review_hidden_action(True, "Hide"), _review_hidden_action(False, "Show again")]
    fields = ["product", "user", "rating", "title", "body", "is_hidden", "hidden_by", "hidden_at", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Review) -> None:
        review_delete(review=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset.select_related("product").order_by("pk"):
            review_delete(review=review)
