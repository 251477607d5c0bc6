from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from store.constants import ATTRIBUTE_SLUG_PATTERN

# The admin's forms check attribute slugs as the API does (store.constants.ATTRIBUTE_SLUG_PATTERN).
attribute_slug_validator = RegexValidator(
    ATTRIBUTE_SLUG_PATTERN, "Lower-case letters, digits and single hyphens (no underscores)."
)


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    sku = models.CharField("SKU", max_length=64, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    discount_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # Full-text document over name, sku, category name and description, kept current by database triggers
    # (migration 0002_catalog_search_triggers) on every insert, relevant update and category rename.
    search_vector = SearchVectorField(null=True, editable=False)
    # Set when a low-stock alert went out; cleared once the product is restocked above the threshold.
    low_stock_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # At or under `reorder_level` the product is low on stock, and the low-stock job proposes restocking
    # `reorder_quantity` units; either one empty means the global LOW_STOCK_THRESHOLD.
    reorder_level = models.PositiveIntegerField(null=True, blank=True)
    reorder_quantity = models.PositiveIntegerField(null=True, blank=True)
    # When back-in-stock emails last went out for this product: none again before BACK_IN_STOCK_COOLDOWN_MINUTES.
    back_in_stock_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Over the visible reviews, rewritten by the review services in the transaction of every review change.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.00"), editable=False)
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    # Copies of the product's attribute values (see ProductAttributeValue): the ids of its choice and boolean
    # values, and its numbers by attribute id, for filters and facet counts that read the product row alone.
    attribute_value_ids = ArrayField(models.IntegerField(), default=list, blank=True, editable=False)
    attribute_numbers = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=Q(discount_price__isnull=True) | (Q(discount_price__gt=0) & Q(discount_price__lt=F("price"))),
                name="product_discount_below_price",
            ),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_non_negative"),
            models.CheckConstraint(
                condition=Q(reorder_quantity__isnull=True) | Q(reorder_quantity__gte=1),
                name="product_reorder_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(rating_average__gte=0, rating_average__lte=5, rating_count__gte=0),
                name="product_rating_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "category"], name="product_active_category_idx"),
            # The list's default order, whole: a page is read from the index, even when many products share a time.
            models.Index(fields=["-created_at", "-id"], name="product_created_idx"),
            models.Index(Coalesce("discount_price", "price"), name="product_final_price_idx"),
            GinIndex(fields=["search_vector"], name="product_search_idx"),
            GinIndex(fields=["attribute_value_ids"], name="product_attribute_values_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def final_price(self) -> Decimal:
        return self.discount_price if self.discount_price is not None else self.price

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class Cart(models.Model):
    """A customer's cart, or a guest cart opened by a token of which only the SHA-256 digest is kept."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart", null=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The voucher the customer applied; checked again (and its use counted) at checkout.
    voucher = models.ForeignKey(
        "pricing.Voucher", on_delete=models.SET_NULL, null=True, blank=True, related_name="carts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, token_hash__isnull=True, expires_at__isnull=True)
                    | Q(user__isnull=True, token_hash__isnull=False, expires_at__isnull=False)
                ),
                name="cart_user_or_guest_token",
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="cart_guest_expires_idx", condition=Q(user__isnull=True))]

    def __str__(self) -> str:
        return f"Cart of {self.user}" if self.user_id else f"Guest cart {self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="cart_items")
    quantity = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_item_one_line_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def unit_price(self) -> Decimal:
        return self.product.final_price

    @property
    def line_total(self) -> Decimal:
        return self.product.final_price * self.quantity


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The breakdown computed at checkout (pricing/calculation.py): total_amount = subtotal_amount −
    # discount_amount + shipping_amount (+ tax_amount when prices exclude tax). The total is what the customer pays.
    subtotal_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    prices_include_tax = models.BooleanField(default=True)
    shipping_method_name = models.CharField(max_length=100, blank=True)
    voucher_code = models.CharField(max_length=50, blank=True)
    # The shipping address, copied at checkout from the chosen or default address (or the profile): later edits
    # of either never change the order. `address` is the first line; `country` is an ISO 3166-1 alpha-2 code
    # when copied from an address, the profile's free text otherwise (and on orders from before the address book).
    name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=255, blank=True)
    line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_non_negative"),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_idempotency_key_unique_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="order_user_created_idx"),
            models.Index(fields=["status", "created_at"], name="order_status_created_idx"),
            # The back office's sales per day: every order of the last 30 days, whatever its status.
            models.Index(fields=["created_at"], name="order_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # Kept when the product is deleted: the name and sku snapshots describe what was bought.
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, related_name="order_items")
    product_name = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=64)
    quantity = models.PositiveIntegerField()
    price_at_purchase = models.DecimalField(max_digits=10, decimal_places=2)
    # The line after its share of the discount: gross = net + tax, each rounded per line.
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    net_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    gross_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity_positive"),
            models.CheckConstraint(condition=Q(price_at_purchase__gte=0), name="order_item_price_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"

    @property
    def line_total(self) -> Decimal:
        return self.price_at_purchase * self.quantity


class OrderEvent(models.Model):
    """One entry of an order's history: what happened, who did it (if a person did) and its details."""

    class Kind(models.TextChoices):
        PLACED = "placed", "Placed"
        PAYMENT_STARTED = "payment_started", "Payment started"
        PAYMENT_SUCCEEDED = "payment_succeeded", "Payment succeeded"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        REFUNDED = "refunded", "Refunded"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        STATUS_CHANGED = "status_changed", "Status changed"
        REMINDER_SENT = "reminder_sent", "Reminder sent"
        NOTE = "note", "Note"
        SHIPMENT_CREATED = "shipment_created", "Shipment created"
        SHIPMENT_UPDATED = "shipment_updated", "Shipment updated"
        RETURN_REQUESTED = "return_requested", "Return requested"
        RETURN_UPDATED = "return_updated", "Return updated"

    # The kinds only the back office sees: the rest is the history a customer is shown for their own order.
    STAFF_ONLY_KINDS = frozenset({Kind.REMINDER_SENT, Kind.NOTE})

    # History is kept: an order with events cannot be deleted, nor can a user who acted on one be removed
    # without the event forgetting who it was.
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="order_events"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_order_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (order #{self.order_id})"


class WishlistItem(models.Model):
    """A product a customer saved for later. A product that stops being for sale stays listed, shown as
    unavailable; a deleted product leaves every wishlist."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="wishlist_items")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="wishlist_item_one_per_product"),
        ]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="wishlist_item_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} saved by {self.user_id}"


class RestockOrder(models.Model):
    """An order placed with a supplier: drafted, ordered, then received (in parts) into stock, or cancelled."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ORDERED = "ordered", "Ordered"
        PARTIALLY_RECEIVED = "partially_received", "Partially received"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    # The statuses in which goods may still arrive: a product with a line in one of them is covered.
    OPEN_STATUSES = frozenset({Status.DRAFT, Status.ORDERED, Status.PARTIALLY_RECEIVED})

    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    supplier_name = models.CharField(max_length=200, blank=True)
    supplier_reference = models.CharField(max_length=100, blank=True)
    expected_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="restock_orders"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="restock_order_status_idx")]

    def __str__(self) -> str:
        return f"Restock order #{self.pk}"


class RestockOrderLine(models.Model):
    restock_order = models.ForeignKey(RestockOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="restock_lines")
    quantity_ordered = models.PositiveIntegerField()
    quantity_received = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product_id"]
        constraints = [
            models.UniqueConstraint(fields=["restock_order", "product"], name="restock_line_one_per_product"),
            models.CheckConstraint(condition=Q(quantity_ordered__gte=1), name="restock_line_ordered_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_ordered")), name="restock_line_received_within_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_ordered} × {self.product_id}"


class StockMovement(models.Model):
    """One change of a product's stock and why: a product's stock is the sum of its movements' deltas."""

    class Reason(models.TextChoices):
        SALE = "sale", "Sale"
        CANCEL = "cancel", "Cancel"
        EXPIRY = "expiry", "Expiry"
        RESTOCK_RECEIVED = "restock_received", "Restock received"
        ADJUSTMENT = "adjustment", "Adjustment"
        RETURN = "return", "Return"

    # Movements outlive the orders, restock orders and people they name (SET_NULL), but not their product: the
    # invariant (stock = sum of movements) is about existing products, so a deleted product takes its movements.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_movements")
    delta = models.IntegerField()
    reason = models.CharField(max_length=24, choices=Reason.choices)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="stock_movements")
    restock_order = models.ForeignKey(
        RestockOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="stock_movements"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="stock_movements"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="stock_movement_delta_not_zero")]
        indexes = [models.Index(fields=["product", "-created_at", "-id"], name="stock_movement_product_idx")]

    def __str__(self) -> str:
        return f"{self.delta:+d} × {self.product_id} ({self.reason})"


class BackInStockSubscription(models.Model):
    """A customer waiting for a product to be back in stock; closed (`notified_at`) once the email went out."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="back_in_stock_subscriptions"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="back_in_stock_subscriptions")
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product"],
                condition=Q(notified_at__isnull=True),
                name="back_in_stock_one_open_per_product",
            ),
        ]
        indexes = [
            models.Index(fields=["product"], condition=Q(notified_at__isnull=True), name="back_in_stock_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} waits for {self.product_id}"


class Review(models.Model):
    """A customer's rating of a product they received, one per product. A hidden review is kept for the
    managers, who alone see it, and does not count in the product's rating."""

    MIN_RATING = 1
    MAX_RATING = 5

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120, blank=True)
    body = models.TextField(blank=True)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="hidden_reviews"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="review_one_per_product_and_user"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_between_1_and_5"),
        ]
        indexes = [models.Index(fields=["product", "-created_at", "-id"], name="review_product_created_idx")]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.product_id} by {self.user_id}"


class Attribute(models.Model):
    """A property shoppers filter by (brand, colour, weight...). A boolean attribute is a choice between the
    values `true` and `false`, made with it, so that filtering and counting treat it as any choice."""

    class Kind(models.TextChoices):
        CHOICE = "choice", "Choice"
        NUMBER = "number", "Number"
        BOOLEAN = "boolean", "Boolean"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True, validators=[attribute_slug_validator])
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHOICE)
    # The categories whose products carry it; none means every category.
    categories = models.ManyToManyField(Category, blank=True, related_name="attributes")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, validators=[attribute_slug_validator])
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "slug"], name="attribute_value_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.value


class ProductAttributeValue(models.Model):
    """One attribute of a product: a value (choice and boolean attributes) or a number.

    The product also carries a copy of these in `Product.attribute_value_ids` and `Product.attribute_numbers`,
    written in the same transaction by `store.services.attributes`, so that filtering and facet counting read
    the product row alone."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="product_values")
    value = models.ForeignKey(AttributeValue, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    number = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["attribute__position", "attribute_id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "attribute"], name="product_attribute_value_one_per_attribute"),
            models.CheckConstraint(
                condition=Q(value__isnull=False, number__isnull=True) | Q(value__isnull=True, number__isnull=False),
                name="product_attribute_value_value_or_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attribute_id} of {self.product_id}"


class ProductImage(models.Model):
    """A picture of a product, re-encoded from the upload (no EXIF), with its WebP renditions once the job made them.

    `renditions` maps a width to its file: `{"200": {"name": "...", "width": 200, "height": 150}}`. The primary
    image is the one with the lowest position.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(max_length=255)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["product", "position", "id"], name="product_image_order_idx")]

    def __str__(self) -> str:
        return self.alt_text or self.file.name

    @property
    def file_names(self) -> list[str]:
        """Every stored file of this image: the original and its renditions."""
        return [self.file.name, *(rendition["name"] for rendition in self.renditions.values())]


class FacetCount(models.Model):
    """How many active products of a category fall under one key, for facet counts that no filter narrows
    (none, or the category alone). The key (`value_id`) is 0 for the products themselves, counted per price
    band; an attribute value's id for the products carrying it; minus a number attribute's id for the products
    carrying a number of it (`price_band` 0 for these). Written only by the `store_product` triggers of
    migration 0013, in the transaction that changes the products."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    price_band = models.SmallIntegerField()
    value_id = models.IntegerField()
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "price_band", "value_id"], name="facet_count_key_unique"),
        ]
        indexes = [models.Index(fields=["count"], condition=Q(count=0), name="facet_count_empty_idx")]

    def __str__(self) -> str:
        return f"{self.value_id} in {self.category_id}, band {self.price_band}: {self.count}"


class FacetNumber(models.Model):
    """How many active products of a category carry one number of a number attribute: the number facets' minimum
    and maximum are the first and last of an index. Written only by the triggers, as `FacetCount`."""

    # No foreign key: deleting an attribute takes its numbers off the products, and the triggers then take
    # these rows away, as `FacetCount.value_id`'s.
    attribute_id = models.IntegerField()
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    number = models.DecimalField(max_digits=30, decimal_places=3)
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attribute_id", "category", "number"], name="facet_number_key_unique"),
        ]
        indexes = [
            models.Index(fields=["attribute_id", "number"], name="facet_number_attribute_idx"),
            models.Index(fields=["count"], condition=Q(count=0), name="facet_number_empty_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} of {self.attribute_id} in {self.category_id}: {self.count}"
