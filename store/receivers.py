"""The store's part in other apps' events."""

from store.models import Cart, WishlistItem


def account_deleted_forget(sender, *, user, **kwargs) -> None:
    """A deleted account's cart and wishlist go with it (its orders stay, for the books)."""
    Cart.objects.filter(user=user).delete()
    WishlistItem.objects.filter(user=user).delete()
