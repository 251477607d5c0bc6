"""Orders after checkout: status changes by managers, cancellation with the stock put back, and the history
of each order (one `OrderEvent` per change)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from accounts.roles import is_manager
from pricing.services import voucher_use_release
from store.errors import InvalidStatusTransition
from store.models import Order, OrderEvent, StockMovement
from store.services.catalog import products_lock
from store.services.stock import stock_apply
from store.signals import order_cancelled

# Where a manager may move an order. Cancelling goes through `order_cancel`, which restores the stock; an order
# becomes paid only through a payment (payments.services: a provider's, or a manual one a manager records).
ORDER_TRANSITIONS: dict[str, set[str]] = {
    Order.Status.PENDING: {Order.Status.CANCELLED},
    Order.Status.PAID: {Order.Status.SHIPPED, Order.Status.CANCELLED},
    Order.Status.SHIPPED: {Order.Status.DELIVERED},
    Order.Status.DELIVERED: set(),
    Order.Status.CANCELLED: set(),
}


def order_event_record(*, order: Order, kind: str, actor: User | None = None, data: dict | None = None) -> OrderEvent:
    """Add an entry to the order's history. Written in the caller's transaction, so the entry exists exactly when
    the change it records does. `actor` is the person who acted (None for the system or a provider); `data` must
    be JSON-serialisable (amounts as strings)."""
    if kind not in OrderEvent.Kind.values:
        raise ValueError(f"Unknown order event kind: {kind!r}")
    return OrderEvent.objects.create(order=order, kind=kind, actor=actor, data=data or {})


def _order_lock(*, order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def _stock_restore(*, order: Order, reason: str, actor: User | None) -> None:
    """Put the order's items back in stock and give back the use it made of a voucher."""
    voucher_use_release(order=order)
    quantities = {item.product_id: item.quantity for item in order.items.exclude(product=None)}
    stock_apply(
        locked=products_lock(product_ids=quantities), deltas=quantities, reason=reason, order=order, actor=actor
    )


@transaction.atomic
def order_cancel(*, order_id: int, by: User) -> Order:
    """Cancel an order and put its items back in stock.

    The owner may cancel while the order is pending, managers and admins until it ships. The order row is
    locked first, so a cancel racing a status change sees the status the other one left."""
    order = _order_lock(order_id=order_id)
    is_staff = is_manager(by)
    if not is_staff and order.user_id != by.pk:
        raise PermissionDenied("Only the customer who placed the order can cancel it.")
    allowed_from = {Order.Status.PENDING, Order.Status.PAID} if is_staff else {Order.Status.PENDING}
    if order.status not in allowed_from:
        raise InvalidStatusTransition(f"An order that is {order.status} cannot be cancelled.")
    previous_status = order.status
    _stock_restore(order=order, reason=StockMovement.Reason.CANCEL, actor=by)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    order_event_record(order=order, kind=OrderEvent.Kind.CANCELLED, actor=by, data={"from": previous_status})
    order_cancelled.send(sender=Order, order=order, by=by, previous_status=previous_status)
    return order


@transaction.atomic
def order_status_change(*, order_id: int, status: str, by: User) -> Order:
    """Move a paid order along shipped → delivered, or cancel an order (which restores the stock)."""
    if status == Order.Status.CANCELLED:
        return order_cancel(order_id=order_id, by=by)
    order = _order_lock(order_id=order_id)
    if status not in ORDER_TRANSITIONS[order.status]:
        raise InvalidStatusTransition(f"An order that is {order.status} cannot become {status}.")
    previous_status = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    order_event_record(
        order=order, kind=OrderEvent.Kind.STATUS_CHANGED, actor=by, data={"from": previous_status, "to": status}
    )
    return order


def order_expire(*, order: Order) -> None:
    """Cancel a locked pending order nobody paid in time and put its items back in stock (the expiry job)."""
    if order.status != Order.Status.PENDING:
        raise InvalidStatusTransition(f"An order that is {order.status} cannot expire.")
    _stock_restore(order=order, reason=StockMovement.Reason.EXPIRY, actor=None)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    order_event_record(order=order, kind=OrderEvent.Kind.EXPIRED)
