from dataclasses import asdict

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


class SummaryLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money_field()
    amount = money_field(help_text="quantity × unit_price.")
    discount = money_field(help_text="The line's share of the voucher's discount.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True, help_text="Percent.")
    net = money_field()
    tax = money_field()
    gross = money_field(help_text="net + tax: the line after its discount.")


class SummaryShippingMethodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SummaryVoucherSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=["percentage", "fixed", "free_shipping"])


class SummaryVoucherErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`voucher_expired`, `voucher_used_up`, ...: why it is not applied.")
    detail = serializers.CharField()


class CartSummarySerializer(serializers.Serializer):
    """The breakdown checkout would charge now (pricing/calculation.py): amounts rounded half-up per line."""

    lines = serializers.IntegerField()
    quantity = serializers.IntegerField()
    subtotal = money_field()
    discount = money_field()
    shipping = money_field()
    tax = money_field(help_text="Part of the total when `prices_include_tax`, added to it otherwise.")
    total = money_field(help_text="subtotal − discount + shipping (+ tax when prices exclude it).")
    currency = serializers.CharField()
    prices_include_tax = serializers.BooleanField()
    country = serializers.CharField(allow_null=True, help_text="Where the cart ships: tax and shipping depend on it.")
    shipping_method = SummaryShippingMethodSerializer(allow_null=True)
    voucher = SummaryVoucherSerializer(allow_null=True, help_text="The cart's voucher, when it applies.")
    voucher_error = SummaryVoucherErrorSerializer(
        allow_null=True, help_text="Why the cart's voucher does not apply now (it is left out of the amounts)."
    )
    items = SummaryLineSerializer(many=True)


class CartSummaryQuerySerializer(serializers.Serializer):
    address_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    shipping_method_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class ShippingMethodsQuerySerializer(serializers.Serializer):
    address_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class CartVoucherSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=50, trim_whitespace=True)


class GuestCartSerializer(serializers.Serializer):
    cart_token = serializers.CharField(
        read_only=True, help_text="Send it as the `X-Cart-Token` header; it is shown only once."
    )
    expires_at = serializers.DateTimeField(
        read_only=True, help_text="The cart is deleted then, unless changed or merged before."
    )


class CartMergeSerializer(serializers.Serializer):
    cart_token = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="The guest cart's token, from `POST /api/cart/guest/`."
    )


class MergedLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    requested = serializers.IntegerField(help_text="The quantity in the guest cart.")
    merged = serializers.IntegerField(help_text="How many of those went into your cart.")
    quantity = serializers.IntegerField(help_text="Your cart's quantity of the product now (0: no line).")
    result = serializers.ChoiceField(
        choices=["merged", "capped", "dropped"],
        help_text="`merged`: all of it; `capped`: the stock does not cover both carts; "
        "`dropped`: the product is no longer for sale.",
    )


class CartMergeReportSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["merged", "cart_not_found", "not_a_customer"],
        help_text="`merged`, or why nothing was merged (at login only: a bad token does not fail the login).",
    )
    lines = MergedLineSerializer(many=True, help_text="One per guest line, by product id.")


def merge_report(lines: list) -> dict:
    """The report of a merge that took place: `lines` are the service's `MergedLine`s."""
    return CartMergeReportSerializer({"status": "merged", "lines": [asdict(line) for line in lines]}).data
