from django.db.models import QuerySet

from accounts.roles import is_manager
from store.models import Product, Review


def review_list(*, product: Product, user) -> QuerySet[Review]:
    """A product's reviews with their authors, newest first; hidden ones only for managers and admins."""
    qs = Review.objects.filter(product_id=product.pk).select_related("user").order_by("-created_at", "-id")
    if not is_manager(user):
        qs = qs.filter(is_hidden=False)
    return qs
