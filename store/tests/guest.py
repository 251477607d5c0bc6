"""Helpers for the guest cart and merge tests."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from store.models import Cart, CartItem, Product
from store.services.cart import guest_cart_create
from store.tests.factories import CartItemFactory


def guest_cart(*lines: tuple[Product, int], expired: bool = False) -> tuple[str, Cart]:
    """A guest cart holding the lines, and its token."""
    cart_token, cart = guest_cart_create()
    if expired:
        Cart.objects.filter(pk=cart.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for product, quantity in lines:
        CartItemFactory(cart=cart, product=product, quantity=quantity)
    return cart_token, cart


def guest_client(cart_token: str) -> APIClient:
    """An anonymous client sending the token as X-Cart-Token."""
    client = APIClient()
    client.credentials(HTTP_X_CART_TOKEN=cart_token)
    return client


def guest_state(cart: Cart) -> list[tuple[int, int]]:
    return list(CartItem.objects.filter(cart=cart).order_by("product_id").values_list("product_id", "quantity"))
