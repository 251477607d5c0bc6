from django.db.models import F, Prefetch, QuerySet

from accounts.models import User
from accounts.roles import is_manager
from store.models import Order, OrderEvent, OrderItem


def _with_items(orders: QuerySet[Order]) -> QuerySet[Order]:
    items = OrderItem.objects.annotate(product_slug=F("product__slug")).order_by("id")
    return orders.prefetch_related(Prefetch("items", queryset=items))


def orders_visible(*, user: User) -> QuerySet[Order]:
    """The orders a user may see: their own, or every order for managers and admins."""
    return Order.objects.all() if is_manager(user) else Order.objects.filter(user=user)


def order_list(*, user: User) -> QuerySet[Order]:
    """The orders a user may see, with items prefetched."""
    return _with_items(orders_visible(user=user))


def order_get(*, order_id: int) -> Order:
    return _with_items(Order.objects.all()).get(pk=order_id)


def order_event_list(*, order: Order, viewer: User) -> QuerySet[OrderEvent]:
    """An order's history, oldest first: every event (with who acted) for managers and admins, the customer-facing
    ones for anyone else (the caller has checked that they may see the order)."""
    if is_manager(viewer):
        return order.events.select_related("actor").order_by("created_at", "id")
    return order.events.exclude(kind__in=OrderEvent.STAFF_ONLY_KINDS).order_by("created_at", "id")
