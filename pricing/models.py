"""What an order costs beyond its shelf prices: shipping by destination, vouchers, and tax by country."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper


class ShippingZone(models.Model):
    name = models.CharField(max_length=100, unique=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, help_text="ISO 3166-1 alpha-2 codes.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ShippingMethod(models.Model):
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # Shipping costs nothing when the cart's subtotal after discounts reaches this amount.
    free_over = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    days_min = models.PositiveSmallIntegerField(default=1)
    days_max = models.PositiveSmallIntegerField(default=3)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="shipping_method_price_non_negative"),
            models.CheckConstraint(
                condition=Q(free_over__isnull=True) | Q(free_over__gte=0), name="shipping_method_free_over_non_negative"
            ),
            models.CheckConstraint(condition=Q(days_max__gte=F("days_min")), name="shipping_method_days_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone})"


class TaxRate(models.Model):
    """A country's tax rate in percent; one per category overrides the country's general rate (no category)."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    category = models.ForeignKey(
        "store.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="tax_rates"
    )
    rate = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent, e.g. 16.00.")

    class Meta:
        ordering = ["country", "category_id"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=100), name="tax_rate_percent"),
            models.UniqueConstraint(
                fields=["country"], condition=Q(category__isnull=True), name="tax_rate_one_general_per_country"
            ),
            models.UniqueConstraint(
                fields=["country", "category"],
                condition=Q(category__isnull=False),
                name="tax_rate_one_per_country_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.category or 'all'}: {self.rate}%"


class Voucher(models.Model):
    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage"
        FIXED = "fixed", "Fixed amount"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    # Stored as typed; unique in any letter case and looked up that way.
    code = models.CharField(max_length=50)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Percent for `percentage`, an amount for `fixed`, unused for `free_shipping`.
    value = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    min_subtotal = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Orders in all; empty: no limit.")
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Orders per customer.")
    # When either is set, the discount applies only to the lines of these categories or products.
    categories = models.ManyToManyField("store.Category", blank=True, related_name="vouchers")
    products = models.ManyToManyField("store.Product", blank=True, related_name="vouchers")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="voucher_code_unique_any_case"),
            models.CheckConstraint(condition=Q(value__gte=0), name="voucher_value_non_negative"),
            models.CheckConstraint(condition=~Q(kind="percentage") | Q(value__lte=100), name="voucher_percent_max"),
            models.CheckConstraint(condition=Q(min_subtotal__gte=0), name="voucher_min_subtotal_non_negative"),
        ]

    def __str__(self) -> str:
        return self.code


class VoucherUse(models.Model):
    """One order placed with a voucher; deleted when the order is cancelled or expires, giving the use back."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="uses")
    order = models.OneToOneField("store.Order", on_delete=models.CASCADE, related_name="voucher_use")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voucher_uses")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["voucher", "user"], name="voucher_use_voucher_user_idx")]

    def __str__(self) -> str:
        return f"{self.voucher} on order #{self.order_id}"
