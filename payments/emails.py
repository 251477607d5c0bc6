"""The customer's emails about payments: receipt, failure, refund, and an order expired unpaid."""

from duka_app.ops.emails import email_build
from payments.models import Payment, Refund
from store.models import Order

TEMPLATES = {
    "receipt": "payments/emails/payment_receipt",
    "failed": "payments/emails/payment_failed",
    "refund": "payments/emails/refund_issued",
    "expired": "payments/emails/order_expired",
}


def payment_email_send(*, kind: str, object_id: int) -> bool:
    """Send one email of `kind` about a payment ("receipt", "failed"), a refund ("refund") or an order
    ("expired"); False when the customer has no email address."""
    if kind == "refund":
        refund = Refund.objects.select_related("payment__order__user").get(pk=object_id)
        context = {"refund": refund, "payment": refund.payment, "order": refund.payment.order}
    elif kind == "expired":
        order = Order.objects.select_related("user").get(pk=object_id)
        context = {"order": order}
    else:
        payment = Payment.objects.select_related("order__user").get(pk=object_id)
        context = {"payment": payment, "order": payment.order}
    user = context["order"].user
    if not user.email:
        return False
    email_build(template=TEMPLATES[kind], context={**context, "user": user}, to=[user.email]).send()
    return True
