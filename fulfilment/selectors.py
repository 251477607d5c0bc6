"""Reading shipments and returns, with what their representations need loaded up front."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from fulfilment.errors import OrderNotFound, ReturnNotFound, ShipmentNotFound
from fulfilment.models import ReturnLine, ReturnRequest, Shipment, ShipmentEvent
from store.selectors.orders import orders_visible


def _with_events(qs: QuerySet[Shipment]) -> QuerySet[Shipment]:
    return qs.prefetch_related(Prefetch("events", queryset=ShipmentEvent.objects.order_by("occurred_at", "id")))


def _with_lines(qs: QuerySet[ReturnRequest]) -> QuerySet[ReturnRequest]:
    return qs.prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("order_item")))


def _visible_order_id(*, order_id: int, user: User) -> int:
    """The order's id if the user may see it (their own, or any for managers); others get 404 as if it did not
    exist."""
    if not orders_visible(user=user).filter(pk=order_id).exists():
        raise OrderNotFound()
    return order_id


def shipments_of_order(*, order_id: int, user: User) -> QuerySet[Shipment]:
    """An order's shipments, oldest first, each with its timeline oldest first."""
    return _with_events(Shipment.objects.filter(order_id=_visible_order_id(order_id=order_id, user=user)))


def shipment_get(*, shipment_id: int) -> Shipment:
    try:
        return _with_events(Shipment.objects.all()).get(pk=shipment_id)
    except Shipment.DoesNotExist:
        raise ShipmentNotFound() from None


def returns_of_order(*, order_id: int, user: User) -> QuerySet[ReturnRequest]:
    return _with_lines(ReturnRequest.objects.filter(order_id=_visible_order_id(order_id=order_id, user=user)))


def return_list(*, status: str | None = None) -> QuerySet[ReturnRequest]:
    """Every return, newest first (the managers' queue), optionally of one status."""
    qs = ReturnRequest.objects.all()
    if status:
        qs = qs.filter(status=status)
    return _with_lines(qs)


def return_get(*, return_id: int) -> ReturnRequest:
    try:
        return _with_lines(ReturnRequest.objects.all()).get(pk=return_id)
    except ReturnRequest.DoesNotExist:
        raise ReturnNotFound() from None
