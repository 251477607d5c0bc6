"""Helpers for the cart, checkout and order tests."""

from payments.services import fake_payment_complete, payment_start
from store.models import Cart, CartItem, Order, Product
from store.services.checkout import order_place
from store.tests.factories import CartItemFactory


def fill_cart(user, *lines: tuple[Product, int]) -> list[CartItem]:
    cart, _ = Cart.objects.get_or_create(user=user)
    return [CartItemFactory(cart=cart, product=product, quantity=quantity) for product, quantity in lines]


def cart_state(user) -> list[tuple[int, int]]:
    return list(CartItem.objects.filter(cart__user=user).order_by("product_id").values_list("product_id", "quantity"))


def stock_of(*products: Product) -> list[int]:
    by_pk = dict(Product.objects.filter(pk__in=[p.pk for p in products]).values_list("pk", "stock"))
    return [by_pk[p.pk] for p in products]


def world_state() -> tuple:
    """Everything a failed cart, checkout or order request must leave untouched."""
    return (
        list(Product.objects.order_by("pk").values_list("pk", "stock", "is_active")),
        list(CartItem.objects.order_by("pk").values_list("pk", "cart_id", "product_id", "quantity")),
        list(Order.objects.order_by("pk").values_list("pk", "status", "total_amount")),
    )


def place_order(user, *lines: tuple[Product, int], status: str = Order.Status.PENDING) -> Order:
    """An order placed through checkout (so its stock was deducted), then moved to `status` directly."""
    fill_cart(user, *lines)
    order, _ = order_place(user=user)
    if status != Order.Status.PENDING:
        Order.objects.filter(pk=order.pk).update(status=status)
        order.refresh_from_db()
    return order


def pay(order: Order) -> Order:
    """Paid as a customer pays: an attempt with the development provider, confirmed."""
    payment, _ = payment_start(order_id=order.pk, user=order.user, provider="fake")
    fake_payment_complete(payment_id=payment.pk, user=order.user, succeeded=True)
    order.refresh_from_db()
    return order
