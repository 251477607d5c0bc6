from django.db.models import QuerySet

from accounts.models import User
from store.models import WishlistItem


def wishlist_item_list(*, user: User) -> QuerySet[WishlistItem]:
    """The user's saved products, newest first, inactive ones included (the client shows them as unavailable)."""
    return WishlistItem.objects.filter(user=user).select_related("product").order_by("-created_at", "-id")
