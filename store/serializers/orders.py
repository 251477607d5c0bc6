from rest_framework import serializers

from store.models import Order, OrderItem
from store.serializers.fields import money_field


class OrderItemSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(read_only=True, allow_null=True)
    product_slug = serializers.CharField(read_only=True, allow_null=True)
    price_at_purchase = money_field()
    line_total = money_field()

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "product_id",
            "product_slug",
            "product_name",
            "sku",
            "quantity",
            "price_at_purchase",
            "line_total",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    total_amount = money_field()

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "total_amount",
            "items",
            "phone",
            "address",
            "city",
            "country",
            "postal_code",
            "created_at",
        ]
        read_only_fields = fields


class OrderStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices)
