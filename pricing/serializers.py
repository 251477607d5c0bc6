from rest_framework import serializers

from accounts.countries import COUNTRY_CODES
from pricing.models import ShippingMethod, ShippingZone, TaxRate, Voucher
from store.models import Category, Product

MAX_MONEY = 10**8 - 1  # DecimalField(max_digits=10, decimal_places=2)


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, max_value=MAX_MONEY, **kwargs)


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        raise serializers.ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code.")
    return code


class ShippingZoneSerializer(serializers.ModelSerializer):
    countries = serializers.ListField(child=serializers.CharField(max_length=2), max_length=300)

    class Meta:
        model = ShippingZone
        fields = ["id", "name", "countries"]

    def validate_countries(self, value: list[str]) -> list[str]:
        return sorted({_country(code) for code in value})


class ShippingMethodSerializer(serializers.ModelSerializer):
    zone_id = serializers.PrimaryKeyRelatedField(source="zone", queryset=ShippingZone.objects.all())
    price = _money()
    free_over = _money(required=False, allow_null=True)
    days_min = serializers.IntegerField(min_value=0, max_value=365, default=1)
    days_max = serializers.IntegerField(min_value=0, max_value=365, default=3)

    class Meta:
        model = ShippingMethod
        fields = ["id", "zone_id", "name", "price", "free_over", "days_min", "days_max", "is_active"]

    def validate(self, attrs: dict) -> dict:
        days_min = attrs.get("days_min", getattr(self.instance, "days_min", 1))
        days_max = attrs.get("days_max", getattr(self.instance, "days_max", 3))
        if days_max < days_min:
            raise serializers.ValidationError({"days_max": ["Must be at least days_min."]})
        return attrs


class TaxRateSerializer(serializers.ModelSerializer):
    category_id = serializers.PrimaryKeyRelatedField(
        source="category", queryset=Category.objects.all(), required=False, allow_null=True
    )
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)

    class Meta:
        model = TaxRate
        fields = ["id", "country", "category_id", "rate"]
        validators = []  # the conditional unique constraints are checked in validate()

    def validate_country(self, value: str) -> str:
        return _country(value)

    def validate(self, attrs: dict) -> dict:
        country = attrs.get("country", getattr(self.instance, "country", None))
        category = attrs.get("category", getattr(self.instance, "category", None))
        taken = TaxRate.objects.filter(country=country, category=category)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError({"country": ["This country already has a rate for this category."]})
        return attrs


class VoucherSerializer(serializers.ModelSerializer):
    code = serializers.RegexField(r"^[A-Za-z0-9_-]{3,50}$", max_length=50)
    value = _money(default=0)
    min_subtotal = _money(default=0)
    usage_limit = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    per_customer_limit = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    category_ids = serializers.PrimaryKeyRelatedField(
        source="categories", queryset=Category.objects.all(), many=True, required=False
    )
    product_ids = serializers.PrimaryKeyRelatedField(
        source="products", queryset=Product.objects.all(), many=True, required=False
    )
    use_count = serializers.SerializerMethodField(help_text="Orders placed with it (cancelled ones give it back).")

    class Meta:
        model = Voucher
        fields = [
            "id",
            "code",
            "kind",
            "value",
            "min_subtotal",
            "valid_from",
            "valid_until",
            "usage_limit",
            "per_customer_limit",
            "category_ids",
            "product_ids",
            "is_active",
            "use_count",
            "created_at",
        ]
        read_only_fields = ["id", "use_count", "created_at"]

    def get_use_count(self, voucher: Voucher) -> int:
        # Annotated by the list and detail queries; a voucher just created or changed is counted here.
        return voucher.use_count if hasattr(voucher, "use_count") else voucher.uses.count()

    def validate_code(self, value: str) -> str:
        taken = Voucher.objects.filter(code__iexact=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A voucher with this code (in any letter case) exists.")
        return value

    def validate(self, attrs: dict) -> dict:
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        value = attrs.get("value", getattr(self.instance, "value", 0))
        if kind == Voucher.Kind.PERCENTAGE and value > 100:
            raise serializers.ValidationError({"value": ["A percentage is at most 100."]})
        if kind in (Voucher.Kind.PERCENTAGE, Voucher.Kind.FIXED) and value <= 0:
            raise serializers.ValidationError({"value": ["Must be more than 0 for this kind."]})
        start = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        end = attrs.get("valid_until", getattr(self.instance, "valid_until", None))
        if start is not None and end is not None and end <= start:
            raise serializers.ValidationError({"valid_until": ["Must be after valid_from."]})
        return attrs


class ShippingOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    zone = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    free_over = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text="What this cart would pay: 0 once it reaches `free_over`."
    )
    days_min = serializers.IntegerField()
    days_max = serializers.IntegerField()
