"""Reading payments: who sees which."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import is_manager
from payments.errors import OrderNotFound, PaymentNotFound
from payments.models import Payment
from store.models import Order


def _visible(*, user: User) -> QuerySet[Payment]:
    payments = Payment.objects.prefetch_related("refunds").order_by("-created_at", "-id")
    return payments if is_manager(user) else payments.filter(order__user=user)


def payments_of_order(*, order_id: int, user: User) -> QuerySet[Payment]:
    """An order's payment attempts, newest first, for its customer or a manager (else OrderNotFound)."""
    orders = Order.objects.all() if is_manager(user) else Order.objects.filter(user=user)
    if not orders.filter(pk=order_id).exists():
        raise OrderNotFound()
    return _visible(user=user).filter(order_id=order_id)


def payment_get(*, payment_id: int, user: User) -> Payment:
    payment = _visible(user=user).filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound()
    return payment
