from decimal import Decimal

from rest_framework import serializers

from payments.models import Payment, Provider, Refund
from store.serializers.fields import money_field

# The providers a customer pays with (a manual payment is recorded by a manager).
PAYABLE_PROVIDERS = [choice for choice in Provider.choices if choice[0] != Provider.MANUAL]


class RefundSerializer(serializers.ModelSerializer):
    amount = money_field()

    class Meta:
        model = Refund
        fields = ["id", "amount", "status", "provider_reference", "reason", "created_at"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    amount = money_field()
    refunded_amount = money_field()
    refunds = RefundSerializer(many=True, read_only=True)
    next_action = serializers.SerializerMethodField(
        help_text="While the payment is pending: what the customer does next (Stripe's client secret, "
        '"check your phone" for M-Pesa, the fake provider\'s confirmation URL); otherwise null.'
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "order_id",
            "provider",
            "status",
            "amount",
            "currency",
            "provider_reference",
            "receipt",
            "failure_code",
            "failure_message",
            "refunded_amount",
            "refunds",
            "next_action",
            "created_at",
            "succeeded_at",
        ]
        read_only_fields = fields

    def get_next_action(self, payment: Payment) -> dict | None:
        return payment.next_action or None if payment.status == Payment.Status.PENDING else None


class PaySerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=PAYABLE_PROVIDERS)
    phone = serializers.CharField(
        max_length=32, required=False, default="", help_text="M-Pesa: the phone to charge (07…, 01…, +254…, 254…)."
    )


class ProviderSerializer(serializers.Serializer):
    id = serializers.ChoiceField(choices=PAYABLE_PROVIDERS)
    publishable_key = serializers.CharField(required=False, help_text="Stripe: the key Stripe.js is created with.")
    js_url = serializers.URLField(required=False, help_text="Stripe: where to load Stripe.js from.")


class ProvidersSerializer(serializers.Serializer):
    providers = ProviderSerializer(many=True, help_text="The providers `pay` accepts, in the order to offer them.")


class RefundRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="Omit to refund all that is left.",
    )
    reason = serializers.CharField(max_length=500)
    reference = serializers.CharField(
        max_length=255,
        required=False,
        default="",
        help_text="M-Pesa and manual payments: the reference of the reversal made outside Duka (required).",
    )


class MarkPaidSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=255, required=False, default="", help_text="The bank transfer's or receipt's reference."
    )
    note = serializers.CharField(max_length=500, required=False, default="")


class FakeConfirmSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["succeeded", "failed"])
