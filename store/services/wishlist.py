"""The wishlist: products a customer saved for later, at most `WISHLIST_MAX_ITEMS` of them, and the move of one
into the cart under the cart's own rules."""

from django.conf import settings
from django.db import transaction

from accounts.models import User
from store.errors import ProductNotFound, ProductUnavailable, WishlistFull, WishlistItemNotFound
from store.models import CartItem, Product, WishlistItem
from store.services.cart import cart_item_add
from store.services.catalog import line_detail


@transaction.atomic
def wishlist_item_add(*, user: User, product_id: int) -> tuple[WishlistItem, bool]:
    """Save a product for the user; returns the entry and whether it is new.

    Saving a product already listed changes nothing, even if it is no longer for sale; a new entry needs a
    product for sale and room under the cap. The user's row is locked so that concurrent saves of one user
    (the same product twice, or different products at the cap) run one at a time: the cap holds exactly, and
    the unique (user, product) constraint stays the last word on duplicates."""
    list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True))
    item = WishlistItem.objects.select_related("product").filter(user=user, product_id=product_id).first()
    if item is not None:
        return item, False
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise ProductNotFound("No product for sale with this id.", field="product_id")
    limit = settings.WISHLIST_MAX_ITEMS
    if WishlistItem.objects.filter(user=user).count() >= limit:
        raise WishlistFull(
            f"Your wishlist holds {limit} products, the most it can; remove one before saving another.", limit=limit
        )
    return WishlistItem.objects.create(user=user, product=product), True


def wishlist_item_remove(*, user: User, product_id: int) -> None:
    deleted, _ = WishlistItem.objects.filter(user=user, product_id=product_id).delete()
    if not deleted:
        raise WishlistItemNotFound()


@transaction.atomic
def wishlist_item_move_to_cart(*, user: User, product_id: int, quantity: int) -> tuple[CartItem, bool]:
    """Add `quantity` of a saved product to the user's cart (`cart_item_add`: merged with a line already there,
    never beyond the stock) and take it off the wishlist, together; returns the cart line and whether it is new.

    A refusal changes neither. The entry's row lock makes two concurrent moves of one product add it once:
    the second finds the entry gone."""
    item = (
        WishlistItem.objects.select_related("product")
        .select_for_update(of=("self",))
        .filter(user=user, product_id=product_id)
        .first()
    )
    if item is None:
        raise WishlistItemNotFound()
    product = item.product
    if not product.is_active:
        raise ProductUnavailable(
            "This product is no longer for sale.",
            items=[line_detail(product_id=product.pk, requested=quantity, available=0)],
        )
    line, created = cart_item_add(user=user, product=product, quantity=quantity)
    item.delete()
    return line, created
