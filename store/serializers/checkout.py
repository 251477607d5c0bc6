from rest_framework import serializers

from store.constants import MAX_ID


class CheckoutSerializer(serializers.Serializer):
    """The order is made from the cart: fields like status or total_amount are ignored. The body, if any, must
    be a JSON object; its one field, `address_id`, picks the shipping address."""

    address_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="One of the caller's saved addresses (another user's is 404), copied onto the order. Omitted or "
        "null: the default shipping address, else the profile's shipping details.",
    )
