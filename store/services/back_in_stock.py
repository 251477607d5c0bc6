"""Back-in-stock alerts: a customer asks to be told when a sold-out product is back."""

from django.db import IntegrityError, transaction

from accounts.models import User
from store.errors import ProductInStock
from store.models import BackInStockSubscription, Product


def back_in_stock_subscribe(*, user: User, product: Product) -> tuple[BackInStockSubscription, bool]:
    """Wait for `product` to be back in stock; returns the open subscription and whether it is new. Asking
    again while waiting changes nothing; a product in stock is `product_in_stock`."""
    if product.stock > 0:
        raise ProductInStock()
    open_subscriptions = BackInStockSubscription.objects.filter(user=user, product=product, notified_at__isnull=True)
    existing = open_subscriptions.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return BackInStockSubscription.objects.create(user=user, product=product), True
    except IntegrityError:
        # A concurrent request of the same user opened it first (the partial unique constraint).
        return open_subscriptions.get(), False


def back_in_stock_unsubscribe(*, user: User, product: Product) -> int:
    """Stop waiting for `product`; returns how many open subscriptions were closed (0 or 1)."""
    deleted, _ = BackInStockSubscription.objects.filter(user=user, product=product, notified_at__isnull=True).delete()
    return deleted
