from django.db.models import F, Prefetch, QuerySet

from accounts.models import User
from accounts.roles import is_manager
from store.models import Order, OrderItem


def _with_items(orders: QuerySet[Order]) -> QuerySet[Order]:
    items = OrderItem.objects.annotate(product_slug=F("product__slug")).order_by("id")
    return orders.prefetch_related(Prefetch("items", queryset=items))


def order_list(*, user: User) -> QuerySet[Order]:
    """The orders a user may see: their own, or every order for managers and admins, with items prefetched."""
    orders = Order.objects.all() if is_manager(user) else Order.objects.filter(user=user)
    return _with_items(orders)


def order_get(*, order_id: int) -> Order:
    return _with_items(Order.objects.all()).get(pk=order_id)
