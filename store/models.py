from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce


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
        ]
        indexes = [
            models.Index(fields=["is_active", "category"], name="product_active_category_idx"),
            models.Index(fields=["-created_at"], name="product_created_idx"),
            models.Index(Coalesce("discount_price", "price"), name="product_final_price_idx"),
            GinIndex(fields=["search_vector"], name="product_search_idx"),
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
