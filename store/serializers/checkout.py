from rest_framework import serializers


class CheckoutSerializer(serializers.Serializer):
    """Checkout takes no fields: the order is made from the cart, and fields like status or total_amount are
    ignored. The body, if any, must still be a JSON object."""


class CheckoutHeaderSerializer(serializers.Serializer):
    """The optional `Idempotency-Key` request header: 1 to 255 printable ASCII characters."""

    idempotency_key = serializers.RegexField(r"^[\x20-\x7e]+\Z", max_length=255, required=False)
