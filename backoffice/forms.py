"""The order page's action forms: the same fields and limits as the API's request bodies for the same actions."""

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from unfold.widgets import UnfoldAdminDecimalFieldWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from payments.models import Payment
from payments.services import REFUNDABLE
from store.models import Order

TEXT = UnfoldAdminTextInputWidget


class OrderActionForm(forms.Form):
    """A form posted from an order's page, about that order."""

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order = order


class MarkPaidForm(OrderActionForm):
    """A cash or bank-transfer payment of the whole total (`POST /api/orders/{id}/mark-paid/`)."""

    reference = forms.CharField(
        max_length=255, required=False, widget=TEXT, help_text="The bank transfer's or receipt's reference."
    )
    note = forms.CharField(max_length=500, required=False, widget=TEXT)


class ShipForm(OrderActionForm):
    """A parcel handed to a carrier (`POST /api/orders/{id}/shipments/`)."""

    carrier = forms.CharField(
        max_length=50,
        widget=TEXT,
        validators=[RegexValidator(r"^[a-z0-9_-]+$", "Lowercase letters, digits, '-' and '_' only.")],
        help_text="The carrier's short name, as in its tracking webhook: dhl, g4s…",
    )
    tracking_number = forms.CharField(max_length=100, widget=TEXT)
    tracking_url = forms.URLField(
        label="Tracking URL", max_length=500, required=False, assume_scheme="https", widget=TEXT
    )


class RefundForm(OrderActionForm):
    """A refund of one of the order's payments (`POST /api/payments/{id}/refund/`)."""

    payment = forms.TypedChoiceField(coerce=int, widget=UnfoldAdminSelectWidget)
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        widget=UnfoldAdminDecimalFieldWidget,
        help_text="Empty: all that is left.",
    )
    reason = forms.CharField(max_length=500, widget=TEXT)
    reference = forms.CharField(
        max_length=255, required=False, widget=TEXT, help_text="M-Pesa and manual payments: the reversal's reference."
    )

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, order=order, **kwargs)
        refundable = Payment.objects.filter(order=order, status__in=REFUNDABLE).order_by("pk")
        self.fields["payment"].choices = [
            (payment.pk, f"#{payment.pk} {payment.get_provider_display()}: {payment.amount} {payment.currency}")
            for payment in refundable
        ]


class CancelForm(OrderActionForm):
    """Cancelling takes no input: the stock goes back and a paid order is refunded."""
