from django.core.validators import RegexValidator
from rest_framework import serializers

from fulfilment.models import ReturnLine, ReturnRequest, Shipment, ShipmentEvent
from store.constants import MAX_ID

MAX_RETURN_LINES = 100
# A status a tracking event can report: `ready` is where every shipment starts.
EVENT_STATUSES = [choice for choice in Shipment.Status.choices if choice[0] != Shipment.Status.READY]


class ShipmentCreateSerializer(serializers.Serializer):
    carrier = serializers.CharField(
        max_length=50,
        validators=[RegexValidator(r"^[a-z0-9_-]+$", "Lowercase letters, digits, '-' and '_' only.")],
    )
    tracking_number = serializers.CharField(max_length=100)
    tracking_url = serializers.URLField(max_length=500, required=False, default="")


class ShipmentEventCreateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EVENT_STATUSES)
    occurred_at = serializers.DateTimeField(required=False)
    location = serializers.CharField(max_length=200, required=False, default="")
    note = serializers.CharField(max_length=500, required=False, default="")


class CarrierEventSerializer(serializers.Serializer):
    """A carrier's webhook body (after its signature verified)."""

    event_id = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=EVENT_STATUSES)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class CarrierWebhookAnswerSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="False for an event id already received: nothing changed.")


class ShipmentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShipmentEvent
        fields = ["id", "status", "occurred_at", "location", "note"]


class ShipmentSerializer(serializers.ModelSerializer):
    order_id = serializers.IntegerField(read_only=True)
    events = ShipmentEventSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order_id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "status",
            "delivered_at",
            "created_at",
            "events",
        ]


class ReturnLineInputSerializer(serializers.Serializer):
    order_item_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ReturnCreateSerializer(serializers.Serializer):
    lines = ReturnLineInputSerializer(many=True, allow_empty=False, max_length=MAX_RETURN_LINES)
    reason = serializers.CharField(max_length=1000)

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        ids = [line["order_item_id"] for line in lines]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Each order item may appear once.")
        return lines


class ReturnRejectSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class ReturnRefundSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class ReturnLineSerializer(serializers.ModelSerializer):
    order_item_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="order_item.product_name", read_only=True)
    unit_price = serializers.DecimalField(
        source="order_item.price_at_purchase", max_digits=10, decimal_places=2, read_only=True
    )
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text="What these units cost the customer: their share of the line after discount, with tax.",
    )

    class Meta:
        model = ReturnLine
        fields = ["order_item_id", "product_name", "quantity", "unit_price", "amount"]


class ReturnSerializer(serializers.ModelSerializer):
    order_id = serializers.IntegerField(read_only=True)
    refund_id = serializers.IntegerField(read_only=True, allow_null=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    lines = ReturnLineSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnRequest
        fields = ["id", "order_id", "status", "reason", "note", "amount", "refund_id", "lines", "created_at"]
