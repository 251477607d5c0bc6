import hashlib
import re

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from store.errors import GuestCartNotFound
from store.models import Cart, CartItem

# What secrets.token_urlsafe(32) produces: 43 characters of the URL-safe base64 alphabet.
_CART_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def cart_token_hash(cart_token: str) -> str:
    """The SHA-256 hex digest kept in place of a guest cart's token."""
    return hashlib.sha256(cart_token.encode()).hexdigest()


def guest_carts_open(*, cart_token: str) -> QuerySet[Cart]:
    """The unexpired guest cart this token opens (none for a malformed, unknown or expired token)."""
    if not _CART_TOKEN.fullmatch(cart_token):
        return Cart.objects.none()
    return Cart.objects.filter(token_hash=cart_token_hash(cart_token), expires_at__gt=timezone.now())


def guest_cart_get(*, cart_token: str) -> Cart:
    cart = guest_carts_open(cart_token=cart_token).first()
    if cart is None:
        raise GuestCartNotFound()
    return cart


def _cart_items(*, user: User | None, guest_cart: Cart | None) -> QuerySet[CartItem]:
    """The lines of the user's cart, or of a guest cart already opened with `guest_cart_get`."""
    if guest_cart is not None:
        return CartItem.objects.filter(cart=guest_cart)
    if user is None:  # `cart__user=None` would match every guest cart
        raise ValueError("A user or a guest cart is needed.")
    return CartItem.objects.filter(cart__user=user)


def cart_item_list(*, user: User | None = None, guest_cart: Cart | None = None) -> QuerySet[CartItem]:
    return _cart_items(user=user, guest_cart=guest_cart).select_related("product").order_by("id")
