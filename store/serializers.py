from decimal import Decimal

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from store.models import Category, Product

MIN_PRICE = Decimal("0.01")


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        max_length=100,
        validators=[UniqueValidator(Category.objects.all(), "A category with this name already exists.", "iexact")],
    )
    slug = serializers.SlugField(
        max_length=120,
        required=False,
        help_text="Generated from the name when absent; kept when the name changes.",
        validators=[UniqueValidator(Category.objects.all(), "A category with this slug already exists.")],
    )
    product_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "product_count", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    """Products: the category nested on read, `category_id` on write; money as strings with two decimals."""

    slug = serializers.SlugField(
        max_length=220,
        required=False,
        help_text="Generated from the name when absent; kept when the name changes.",
        validators=[UniqueValidator(Product.objects.all(), "A product with this slug already exists.")],
    )
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=MIN_PRICE)
    discount_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=MIN_PRICE, required=False, allow_null=True
    )
    final_price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    category = CategorySummarySerializer(read_only=True)
    category_id = serializers.PrimaryKeyRelatedField(
        source="category", queryset=Category.objects.all(), write_only=True
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "sku",
            "description",
            "price",
            "discount_price",
            "final_price",
            "stock",
            "in_stock",
            "is_active",
            "category",
            "category_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "sku": {"validators": [UniqueValidator(Product.objects.all(), "A product with this SKU already exists.")]},
        }

    def validate(self, attrs: dict) -> dict:
        # On PATCH only one of the two prices may be sent: compare it with the stored other one.
        price = attrs.get("price", getattr(self.instance, "price", None))
        discount_price = attrs.get("discount_price", getattr(self.instance, "discount_price", None))
        if price is not None and discount_price is not None and discount_price >= price:
            field = "discount_price" if "discount_price" in attrs else "price"
            raise serializers.ValidationError(
                {field: [f"The discount price ({discount_price}) must be lower than the price ({price})."]}
            )
        return attrs
