from rest_framework import serializers

from accounts.models import User
from store.models import Order, OrderEvent, OrderItem
from store.serializers.fields import money_field


class OrderItemSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(read_only=True, allow_null=True)
    product_slug = serializers.CharField(read_only=True, allow_null=True)
    price_at_purchase = money_field()
    line_total = money_field(help_text="Quantity × price at purchase, before the discount.")
    discount_amount = money_field(help_text="The line's share of the voucher's discount.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True, help_text="Percent.")
    net_amount = money_field()
    tax_amount = money_field()
    gross_amount = money_field(help_text="net_amount + tax_amount: the line after its discount, tax included.")

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
            "discount_amount",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "gross_amount",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    subtotal_amount = money_field(help_text="The lines at their prices at purchase.")
    discount_amount = money_field(help_text="What the voucher took off the lines or the shipping.")
    shipping_amount = money_field()
    tax_amount = money_field(help_text="Included in the total when `prices_include_tax`, added to it otherwise.")
    total_amount = money_field(help_text="What the customer pays: subtotal − discount + shipping (+ tax if excluded).")

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "subtotal_amount",
            "discount_amount",
            "shipping_amount",
            "tax_amount",
            "total_amount",
            "prices_include_tax",
            "shipping_method_name",
            "voucher_code",
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
