"""The customer's emails about a shipment: on its way (with the tracking link), and delivered."""

from duka_app.ops.emails import email_build
from fulfilment.models import Shipment

TEMPLATES = {
    "shipped": "fulfilment/emails/order_shipped",
    "delivered": "fulfilment/emails/order_delivered",
}


def shipment_email_send(*, kind: str, shipment_id: int) -> bool:
    """Send one email of `kind` ("shipped", "delivered") about a shipment; False when the customer has no email
    address."""
    shipment = Shipment.objects.select_related("order__user").get(pk=shipment_id)
    user = shipment.order.user
    if not user.email:
        return False
    context = {"shipment": shipment, "order": shipment.order, "user": user}
    email_build(template=TEMPLATES[kind], context=context, to=[user.email]).send()
    return True
