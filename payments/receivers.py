"""The payments app's part in the store's order lifecycle."""

from payments.services import payments_cancel_in_progress, payments_refund_order
from store.models import Order


def order_cancelled_settle(sender, *, order: Order, by, previous_status: str, **kwargs) -> None:
    """A cancelled order takes no more payments, and a paid one gets its money back (inside the cancelling
    transaction, with the order locked)."""
    payments_cancel_in_progress(order=order)
    if previous_status != Order.Status.PENDING:
        payments_refund_order(order=order, by=by, reason="Order cancelled.")
