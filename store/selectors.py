from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.permissions import is_manager_or_admin
from store.models import Category, Product


def category_list(*, user) -> QuerySet[Category]:
    """Categories with `product_count`: every product for managers and admins, active ones for everybody else."""
    if is_manager_or_admin(user):
        product_count = Count("products")
    else:
        product_count = Count("products", filter=Q(products__is_active=True))
    return Category.objects.annotate(product_count=product_count).order_by("name", "id")


def product_list(*, user) -> QuerySet[Product]:
    """Products a user may see (inactive ones only for managers and admins), with their category.

    `final_price_amount` is an alias matching the `product_final_price_idx` expression index, for price
    filters and ordering. The search document is not loaded: lists never show it, and a product saved
    from such a row leaves the vector to the database trigger.
    """
    qs = (
        Product.objects.select_related("category")
        .defer("search_vector")
        .alias(final_price_amount=Coalesce("discount_price", "price"))
    )
    if not is_manager_or_admin(user):
        qs = qs.filter(is_active=True)
    return qs
