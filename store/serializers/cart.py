from rest_framework import serializers

from store.constants import MAX_ID, MAX_QUANTITY
from store.models import CartItem, Product
from store.serializers.fields import money_field


class CartProductSerializer(serializers.ModelSerializer):
    final_price = money_field()

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "final_price", "stock"]


class CartItemSerializer(serializers.ModelSerializer):
    product = CartProductSerializer(read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    unit_price = money_field()
    line_total = money_field()

    class Meta:
        model = CartItem
        fields = ["id", "product", "product_id", "quantity", "unit_price", "line_total"]
        read_only_fields = fields


class CartItemAddSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)

    def validate(self, attrs: dict) -> dict:
        product = Product.objects.filter(pk=attrs["product_id"], is_active=True).first()
        if product is None:
            raise serializers.ValidationError({"product_id": ["No product for sale with this id."]})
        return {"product": product, "quantity": attrs["quantity"]}


class CartItemUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CartSummarySerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    quantity = serializers.IntegerField()
    subtotal = money_field()
