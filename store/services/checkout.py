"""Checkout: the cart becomes a pending order, the stock is deducted and the cart emptied, all at once."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from accounts.errors import EmailNotVerified
from accounts.models import User
from accounts.selectors import address_default_shipping, address_get, profile_get_for_user
from store.errors import CartEmpty, InsufficientStock, ProductUnavailable, TooManyPendingOrders
from store.models import CartItem, Order, OrderEvent, OrderItem, StockMovement
from store.services.cart import cart_lock
from store.services.catalog import line_detail, products_lock
from store.services.orders import order_event_record
from store.services.stock import stock_apply


@transaction.atomic
def order_place(*, user: User, idempotency_key: str = "", address_id: int | None = None) -> tuple[Order, bool]:
    """Turn the user's cart into a pending order; returns the order and whether it was created now.

    With an idempotency key, a repeated call returns the order first placed with that key and changes
    nothing. The cart row lock makes one user's checkouts run one at a time, so a concurrent retry waits
    for the first attempt and then finds its order. Product rows are locked in primary-key order and
    checked under the lock; on any shortfall nothing is written.

    A user may hold at most `MAX_PENDING_ORDERS_PER_CUSTOMER` pending orders, whatever their role; they are
    counted under the cart lock, so two checkouts at the limit cannot both pass.

    With `REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT` on, a user whose email address is not verified is refused.

    The order gets a copy of the shipping address: the user's address `address_id` (another user's is
    `AddressNotFound`), else their default shipping address, else their profile's shipping details."""
    if settings.REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT and not user.email_verified:
        raise EmailNotVerified()
    cart = cart_lock(user=user)
    if idempotency_key:
        placed = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if placed is not None:
            return placed, False
    limit = settings.MAX_PENDING_ORDERS_PER_CUSTOMER
    if Order.objects.filter(user=user, status=Order.Status.PENDING).count() >= limit:
        raise TooManyPendingOrders(
            f"You already have {limit} pending orders; pay for or cancel one before placing another.", limit=limit
        )
    lines = list(cart.items.order_by("product_id"))
    if not lines:
        raise CartEmpty()
    shipping = _shipping_details(user=user, address_id=address_id)

    products = {product.pk: product for product in products_lock(product_ids=[line.product_id for line in lines])}
    unavailable = [line for line in lines if line.product_id not in products or not products[line.product_id].is_active]
    if unavailable:
        raise ProductUnavailable(
            items=[
                line_detail(product_id=line.product_id, requested=line.quantity, available=0) for line in unavailable
            ]
        )
    short = [line for line in lines if products[line.product_id].stock < line.quantity]
    if short:
        raise InsufficientStock(
            items=[
                line_detail(
                    product_id=line.product_id, requested=line.quantity, available=products[line.product_id].stock
                )
                for line in short
            ]
        )

    order = Order.objects.create(
        user=user,
        status=Order.Status.PENDING,
        total_amount=sum((products[line.product_id].final_price * line.quantity for line in lines), Decimal("0.00")),
        idempotency_key=idempotency_key,
        **shipping,
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=products[line.product_id],
            product_name=products[line.product_id].name,
            sku=products[line.product_id].sku,
            quantity=line.quantity,
            price_at_purchase=products[line.product_id].final_price,
        )
        for line in lines
    )
    stock_apply(
        locked=products.values(),
        deltas={line.product_id: -line.quantity for line in lines},
        reason=StockMovement.Reason.SALE,
        order=order,
        actor=user,
    )
    CartItem.objects.filter(cart=cart).delete()
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PLACED,
        actor=user,
        data={"total_amount": str(order.total_amount), "item_count": len(lines)},
    )
    return order, True


def _shipping_details(*, user: User, address_id: int | None) -> dict[str, str]:
    """The order's copy of its shipping address: the chosen address, the default one, or the profile's details."""
    address = (
        address_get(user=user, address_id=address_id) if address_id is not None else address_default_shipping(user=user)
    )
    if address is not None:
        return {
            "name": address.name,
            "phone": address.phone,
            "address": address.line1,
            "line2": address.line2,
            "city": address.city,
            "region": address.region,
            "country": address.country,
            "postal_code": address.postal_code,
        }
    profile = profile_get_for_user(user=user)
    return {
        "name": user.get_full_name(),
        "phone": profile.phone,
        "address": profile.address,
        "city": profile.city,
        "country": profile.country,
        "postal_code": profile.postal_code,
    }
