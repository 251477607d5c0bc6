"""The store's part in other apps' events."""

from store.models import Cart, ProductImage, WishlistItem
from store.services.images import stored_files_delete_on_commit


def account_deleted_forget(sender, *, user, **kwargs) -> None:
    """A deleted account's cart and wishlist go with it (its orders stay, for the books)."""
    Cart.objects.filter(user=user).delete()
    WishlistItem.objects.filter(user=user).delete()


def product_image_files_forget(sender, *, instance: ProductImage, **kwargs) -> None:
    """A deleted image's files (the original and its renditions) go once the deletion commits, however the row
    went: its own deletion, its product's, the admin's."""
    stored_files_delete_on_commit(names=instance.file_names)
