from rest_framework import serializers

from store.constants import MAX_ID


class CheckoutSerializer(serializers.Serializer):
    """The order is made from the cart: fields like status or total_amount are ignored. The body, if any, must
    be a JSON object: `address_id` picks the shipping address, `shipping_method_id` the shipping method, and
    `expected_total` is the total the customer saw."""

    address_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="One of the caller's saved addresses (another user's is 404), copied onto the order. Omitted or "
        "null: the default shipping address, else the profile's shipping details.",
    )
    shipping_method_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="A shipping method that delivers to the address's country (else 400 `shipping_method_unavailable`), "
        "from `GET /api/cart/shipping-methods/`. Omitted or null: no shipping charged.",
    )
    expected_total = serializers.DecimalField(
        required=False,
        allow_null=True,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text="The total the customer saw (`GET /api/cart/summary/`): when the order's total would differ, "
        "checkout is 409 `price_changed` with the new breakdown and nothing is ordered.",
    )
