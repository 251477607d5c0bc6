from rest_framework import serializers

from accounts.models import User
from store.models import Order, OrderEvent, OrderItem
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
            "name",
            "phone",
            "address",
            "line2",
            "city",
            "region",
            "country",
            "postal_code",
            "created_at",
        ]
        read_only_fields = fields


class OrderStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices)


class OrderEventSerializer(serializers.ModelSerializer):
    """An entry of an order's history as its customer sees it."""

    class Meta:
        model = OrderEvent
        fields = ["id", "kind", "created_at", "data"]
        read_only_fields = fields


class OrderEventActorSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class OrderEventStaffSerializer(OrderEventSerializer):
    """An entry as managers and admins see it: also who acted (null for the system or a payment provider)."""

    actor = OrderEventActorSerializer(read_only=True, allow_null=True)

    class Meta(OrderEventSerializer.Meta):
        fields = [*OrderEventSerializer.Meta.fields, "actor"]
        read_only_fields = fields
