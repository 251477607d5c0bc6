from rest_framework import serializers

from store.constants import MAX_ID, MAX_QUANTITY
from store.models import Product, WishlistItem
from store.serializers.fields import money_field


class WishlistProductSerializer(serializers.ModelSerializer):
    final_price = money_field()
    in_stock = serializers.BooleanField(read_only=True)
    available = serializers.BooleanField(
        source="is_active", read_only=True, help_text="False once the product is no longer for sale."
    )

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "final_price", "in_stock", "available"]


class WishlistItemSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(read_only=True)
    product = WishlistProductSerializer(read_only=True)

    class Meta:
        model = WishlistItem
        fields = ["product_id", "product", "created_at"]
        read_only_fields = fields


class WishlistItemAddSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class WishlistMoveToCartSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
