from rest_framework import serializers

from store.constants import MAX_ID, MAX_STOCK
from store.models import RestockOrder, RestockOrderLine, StockMovement

MAX_LINES = 500
# The reasons a manager gives by hand; the others belong to the flows that write them (checkout, cancel...).
MANUAL_REASONS = [StockMovement.Reason.ADJUSTMENT, StockMovement.Reason.RETURN]


class StockMovementSerializer(serializers.ModelSerializer):
    order_id = serializers.IntegerField(read_only=True, allow_null=True)
    restock_order_id = serializers.IntegerField(read_only=True, allow_null=True)
    actor_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="Who acted; null for the system.")

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "product_id",
            "delta",
            "reason",
            "order_id",
            "restock_order_id",
            "actor_id",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class StockAdjustmentSerializer(serializers.Serializer):
    delta = serializers.IntegerField(
        min_value=-MAX_STOCK, max_value=MAX_STOCK, help_text="Units to add (negative: to remove); not 0."
    )
    reason = serializers.ChoiceField(choices=MANUAL_REASONS, default=StockMovement.Reason.ADJUSTMENT)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("A change of 0 changes nothing.")
        return value


class StockAdjustmentResultSerializer(StockMovementSerializer):
    stock = serializers.IntegerField(read_only=True, help_text="The product's stock after the change.")

    class Meta(StockMovementSerializer.Meta):
        fields = [*StockMovementSerializer.Meta.fields, "stock"]
        read_only_fields = fields


class StockLineInputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_STOCK)


def _one_line_per_product(lines: list[dict]) -> list[dict]:
    product_ids = [line["product_id"] for line in lines]
    if len(set(product_ids)) != len(product_ids):
        raise serializers.ValidationError("Each product may appear on one line only.")
    return lines


class RestockOrderLineSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = RestockOrderLine
        fields = ["product_id", "product_name", "sku", "quantity_ordered", "quantity_received"]
        read_only_fields = fields


class RestockOrderSerializer(serializers.ModelSerializer):
    created_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    lines = RestockOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = RestockOrder
        fields = [
            "id",
            "status",
            "supplier_name",
            "supplier_reference",
            "expected_date",
            "note",
            "created_by_id",
            "ordered_at",
            "received_at",
            "created_at",
            "updated_at",
            "lines",
        ]
        read_only_fields = fields


class RestockOrderWriteSerializer(serializers.Serializer):
    supplier_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    supplier_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    expected_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    lines = StockLineInputSerializer(
        many=True, min_length=1, max_length=MAX_LINES, help_text="What to order: `{product_id, quantity}` per product."
    )

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        return _one_line_per_product(lines)


class RestockReceiveSerializer(serializers.Serializer):
    lines = StockLineInputSerializer(
        many=True, min_length=1, max_length=MAX_LINES, help_text="What arrived: `{product_id, quantity}` per product."
    )

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        return _one_line_per_product(lines)
