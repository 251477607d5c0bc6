"""The cart: one per customer, its lines checked against the stock as they change."""

from django.db import transaction

from accounts.models import User
from store.errors import CartItemNotFound, CartQuantityInvalid
from store.models import Cart, CartItem, Product
from store.services.catalog import line_detail


def cart_lock(*, user: User) -> Cart:
    """The user's cart, created on first use and row-locked: cart edits and checkouts of one user run one at a time."""
    cart, _ = Cart.objects.select_for_update().get_or_create(user=user)
    return cart


@transaction.atomic
def cart_item_add(*, user: User, product: Product, quantity: int) -> tuple[CartItem, bool]:
    """Add `quantity` of an active product to the user's cart, merging with an existing line.

    Returns the line and whether it is new. The merged quantity may not exceed the stock."""
    cart = cart_lock(user=user)
    item = CartItem.objects.select_related("product").filter(cart=cart, product=product).first()
    in_cart = item.quantity if item else 0
    if in_cart + quantity > product.stock:
        raise CartQuantityInvalid(
            f"Only {product.stock} of this product in stock; {in_cart} already in the cart.",
            items=[line_detail(product_id=product.pk, requested=in_cart + quantity, available=product.stock)],
        )
    if item is None:
        return CartItem.objects.create(cart=cart, product=product, quantity=quantity), True
    item.quantity = in_cart + quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item, False


def _cart_item_locked(*, user: User, item_id: int) -> CartItem:
    cart = cart_lock(user=user)
    item = CartItem.objects.select_related("product").filter(pk=item_id, cart=cart).first()
    if item is None:
        raise CartItemNotFound()
    return item


@transaction.atomic
def cart_item_update(*, user: User, item_id: int, quantity: int) -> CartItem:
    """Set the quantity of one of the user's cart lines (1..stock of an active product)."""
    item = _cart_item_locked(user=user, item_id=item_id)
    product = item.product
    available = product.stock if product.is_active else 0
    if quantity > available:
        detail = f"Only {available} of this product in stock." if product.is_active else "This product is not for sale."
        raise CartQuantityInvalid(
            detail, items=[line_detail(product_id=product.pk, requested=quantity, available=available)]
        )
    item.quantity = quantity
    item.save(update_fields=["quantity", "updated_at"])
    return item


@transaction.atomic
def cart_item_delete(*, user: User, item_id: int) -> None:
    _cart_item_locked(user=user, item_id=item_id).delete()
