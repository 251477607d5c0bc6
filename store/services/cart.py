"""The cart: one per customer, or a guest cart opened by a token; its lines checked against the stock as they change."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from store.errors import CartItemNotFound, CartQuantityInvalid, GuestCartNotFound
from store.models import Cart, CartItem, Product
from store.selectors.cart import cart_token_hash, guest_carts_open
from store.services.catalog import line_detail


def _guest_cart_expiry():
    return timezone.now() + timedelta(days=settings.GUEST_CART_DAYS)


def guest_cart_create() -> tuple[str, Cart]:
    """A new, empty guest cart and the token that opens it. Only the token's digest is stored: the token is
    shown once, and a copy of the table opens no cart."""
    cart_token = secrets.token_urlsafe(32)
    cart = Cart.objects.create(token_hash=cart_token_hash(cart_token), expires_at=_guest_cart_expiry())
    return cart_token, cart


def cart_lock(*, user: User | None = None, guest_cart: Cart | None = None) -> Cart:
    """The user's cart (created on first use), or the given guest cart, row-locked: edits, merges and checkouts
    of one cart run one at a time.

    A guest cart is read again under the lock (a merge or the cleanup may have removed it meanwhile: then
    `GuestCartNotFound`), and each change to it pushes its expiry `GUEST_CART_DAYS` ahead."""
    if guest_cart is None:
        if user is None:  # `user=None` would match every guest cart
            raise ValueError("A user or a guest cart is needed.")
        cart, _ = Cart.objects.select_for_update().get_or_create(user=user)
        return cart
    cart = (
        Cart.objects.select_for_update()
        .filter(pk=guest_cart.pk, user__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if cart is None:
        raise GuestCartNotFound()
    cart.expires_at = _guest_cart_expiry()
    cart.save(update_fields=["expires_at", "updated_at"])
    return cart


@transaction.atomic
def cart_item_add(
    *, user: User | None = None, guest_cart: Cart | None = None, product: Product, quantity: int
) -> tuple[CartItem, bool]:
    """Add `quantity` of an active product to the cart, merging with an existing line.

    Returns the line and whether it is new. The merged quantity may not exceed the stock."""
    cart = cart_lock(user=user, guest_cart=guest_cart)
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


def _cart_item_locked(*, user: User | None, guest_cart: Cart | None, item_id: int) -> CartItem:
    cart = cart_lock(user=user, guest_cart=guest_cart)
    item = CartItem.objects.select_related("product").filter(pk=item_id, cart=cart).first()
    if item is None:
        raise CartItemNotFound()
    return item


@transaction.atomic
def cart_item_update(
    *, user: User | None = None, guest_cart: Cart | None = None, item_id: int, quantity: int
) -> CartItem:
    """Set the quantity of one of the cart's lines (1..stock of an active product)."""
    item = _cart_item_locked(user=user, guest_cart=guest_cart, item_id=item_id)
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
def cart_item_delete(*, user: User | None = None, guest_cart: Cart | None = None, item_id: int) -> None:
    _cart_item_locked(user=user, guest_cart=guest_cart, item_id=item_id).delete()


class MergeResult(StrEnum):
    MERGED = "merged"  # every unit of the guest line went in
    CAPPED = "capped"  # fewer units went in: the stock does not cover both carts (`quantity_above_stock`)
    DROPPED = "dropped"  # nothing went in: the product is no longer for sale (`product_unavailable`)


@dataclass(frozen=True)
class MergedLine:
    product_id: int
    requested: int  # the guest line's quantity
    merged: int  # how many of those units went into the user's cart
    quantity: int  # the user's line afterwards (0: the user has no line of the product)
    result: MergeResult


@transaction.atomic
def cart_merge(*, user: User, cart_token: str) -> list[MergedLine]:
    """Move the lines of the guest cart the token opens into the user's cart, then delete the guest cart.

    Quantities of a product in both carts add up, capped at the stock (an existing line of the user's is never
    reduced); lines of products no longer for sale are dropped. Returns one report line per guest line, by
    product id. The user's cart is locked first, as checkout locks it, so a merge and a checkout of one user
    run one after the other; of two merges of one guest cart, the second finds it gone (`GuestCartNotFound`)."""
    cart = cart_lock(user=user)
    guest_cart = guest_carts_open(cart_token=cart_token).select_for_update().first()
    if guest_cart is None:
        raise GuestCartNotFound()
    guest_lines = list(guest_cart.items.select_related("product").order_by("product_id"))
    own_lines = {
        line.product_id: line for line in cart.items.filter(product_id__in=[g.product_id for g in guest_lines])
    }
    now = timezone.now()
    report, new_lines, grown_lines = [], [], []
    for guest_line in guest_lines:
        product, requested = guest_line.product, guest_line.quantity
        own_line = own_lines.get(product.pk)
        in_cart = own_line.quantity if own_line else 0
        if not product.is_active:
            report.append(MergedLine(product.pk, requested, 0, in_cart, MergeResult.DROPPED))
            continue
        merged = max(0, min(requested, product.stock - in_cart))
        if merged and own_line is None:
            new_lines.append(CartItem(cart=cart, product=product, quantity=merged))
        elif merged:
            own_line.quantity, own_line.updated_at = in_cart + merged, now
            grown_lines.append(own_line)
        result = MergeResult.MERGED if merged == requested else MergeResult.CAPPED
        report.append(MergedLine(product.pk, requested, merged, in_cart + merged, result))
    CartItem.objects.bulk_create(new_lines)
    CartItem.objects.bulk_update(grown_lines, ["quantity", "updated_at"])
    guest_cart.delete()
    return report


def guest_carts_delete_expired(*, batch_size: int = 1000) -> int:
    """Delete expired guest carts with their lines, a batch per short transaction; returns how many.

    Carts locked by a request at that moment are skipped (the request may extend them); the next run sees them."""
    deleted = 0
    while True:
        with transaction.atomic():
            expired = Cart.objects.select_for_update(skip_locked=True).filter(
                user__isnull=True, expires_at__lte=timezone.now()
            )
            cart_ids = list(expired.values_list("pk", flat=True)[:batch_size])
            if not cart_ids:
                return deleted
            CartItem.objects.filter(cart_id__in=cart_ids).delete()
            Cart.objects.filter(pk__in=cart_ids).delete()
        deleted += len(cart_ids)
