"""Shipping paid orders, tracking them to the door, and taking delivered items back.

Lock order, always: the order row, then its shipment or return row, then products (by primary key) or payments.
The order's status moves only through the store's status service (payments' `order_status_set`), in the same
transaction as the shipment change that causes it.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_manager
from duka_app.ops.queue import enqueue_on_commit
from fulfilment import tasks
from fulfilment.errors import (
    InvalidSignature,
    NoRefundablePayment,
    OrderNotDelivered,
    OrderNotFound,
    OrderNotShippable,
    ReturnNotFound,
    ReturnQuantityExceeded,
    ReturnStatusInvalid,
    ReturnWindowClosed,
    ShipmentNotFound,
    ShipmentStatusInvalid,
    TrackingNumberTaken,
    UnknownShipment,
)
from fulfilment.models import ReturnLine, ReturnRequest, Shipment, ShipmentEvent
from payments.models import Payment, Refund
from payments.services import REFUNDABLE, order_status_set, payment_refund
from store.models import Order, OrderEvent, OrderItem, StockMovement
from store.services.catalog import products_lock
from store.services.orders import order_event_record
from store.services.stock import stock_apply

Status = Shipment.Status
# Where a shipment may go from each status. A repeated status (another in-transit scan) is a new timeline entry;
# delivered and returned are final.
SHIPMENT_TRANSITIONS: dict[str, set[str]] = {
    Status.READY: {
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
        Status.FAILED_ATTEMPT,
        Status.RETURNED,
    },
    Status.IN_TRANSIT: {
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
        Status.FAILED_ATTEMPT,
        Status.RETURNED,
    },
    Status.OUT_FOR_DELIVERY: {Status.IN_TRANSIT, Status.DELIVERED, Status.FAILED_ATTEMPT, Status.RETURNED},
    Status.FAILED_ATTEMPT: {
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
        Status.FAILED_ATTEMPT,
        Status.RETURNED,
    },
    Status.DELIVERED: set(),
    Status.RETURNED: set(),
}
SHIPPABLE = (Order.Status.PAID, Order.Status.SHIPPED)


def _order_lock(*, order_id: int) -> Order:
    try:
        return Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    except Order.DoesNotExist:
        raise OrderNotFound() from None


def _shipment_lock(*, shipment_id: int) -> Shipment:
    return Shipment.objects.select_for_update().get(pk=shipment_id)


# --- shipments


@transaction.atomic
def shipment_create(*, order_id: int, carrier: str, tracking_number: str, tracking_url: str = "", by: User) -> Shipment:
    """Hand a paid order (or another parcel of a shipped one) to a carrier. The first shipment moves the order to
    shipped; the customer is emailed after the commit."""
    order = _order_lock(order_id=order_id)
    if order.status not in SHIPPABLE:
        raise OrderNotShippable()
    if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
        raise TrackingNumberTaken(field="tracking_number")
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order=order, carrier=carrier, tracking_number=tracking_number, tracking_url=tracking_url, created_by=by
            )
    except IntegrityError:
        raise TrackingNumberTaken(field="tracking_number") from None
    ShipmentEvent.objects.create(
        shipment=shipment, status=Status.READY, occurred_at=shipment.created_at, carrier=carrier, actor=by
    )
    if order.status == Order.Status.PAID:
        order_status_set(order_id=order.pk, status=Order.Status.SHIPPED, by=by)
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.SHIPMENT_CREATED,
        actor=by,
        data={"shipment_id": shipment.pk, "carrier": carrier, "tracking_number": tracking_number},
    )
    enqueue_on_commit(tasks.shipment_email_send, "shipped", shipment.pk)
    return shipment


def _event_apply(
    *,
    order: Order,
    shipment: Shipment,
    status: str,
    occurred_at: datetime,
    location: str,
    note: str,
    actor: User | None,
    carrier_event_id: str = "",
) -> ShipmentEvent:
    """Add a tracking step to a locked shipment, and deliver the order when its last parcel arrives."""
    event = ShipmentEvent.objects.create(
        shipment=shipment,
        status=status,
        occurred_at=occurred_at,
        location=location,
        note=note,
        carrier=shipment.carrier,
        carrier_event_id=carrier_event_id,
        actor=actor,
    )
    shipment.status = status
    update_fields = ["status", "updated_at"]
    if status == Status.DELIVERED:
        shipment.delivered_at = occurred_at
        update_fields.append("delivered_at")
    shipment.save(update_fields=update_fields)
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.SHIPMENT_UPDATED,
        actor=actor,
        data={"shipment_id": shipment.pk, "status": status, "location": location},
    )
    if status == Status.DELIVERED:
        others = order.shipments.exclude(pk=shipment.pk).exclude(status=Status.RETURNED)
        if order.status == Order.Status.SHIPPED and not others.exclude(status=Status.DELIVERED).exists():
            order_status_set(order_id=order.pk, status=Order.Status.DELIVERED, by=actor)
        enqueue_on_commit(tasks.shipment_email_send, "delivered", shipment.pk)
    return event


@transaction.atomic
def shipment_event_add(
    *,
    shipment_id: int,
    status: str,
    by: User,
    occurred_at: datetime | None = None,
    location: str = "",
    note: str = "",
) -> Shipment:
    """A manager's tracking step. A status the shipment cannot take from where it is is refused."""
    try:
        order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    except Shipment.DoesNotExist:
        raise ShipmentNotFound() from None
    order = _order_lock(order_id=order_id)
    shipment = _shipment_lock(shipment_id=shipment_id)
    if status not in SHIPMENT_TRANSITIONS[shipment.status]:
        raise ShipmentStatusInvalid(f"A shipment that is {shipment.status} cannot become {status}.")
    _event_apply(
        order=order,
        shipment=shipment,
        status=status,
        occurred_at=occurred_at or timezone.now(),
        location=location,
        note=note,
        actor=by,
    )
    return shipment


def carrier_signature_check(*, carrier: str, body: bytes, signature: str) -> None:
    """The carrier must be configured and the body signed with its secret (hex HMAC-SHA256), else nothing of it
    is read."""
    secret = settings.CARRIER_WEBHOOK_SECRETS.get(carrier)
    if not secret:
        raise InvalidSignature()
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise InvalidSignature()


@transaction.atomic
def carrier_event_receive(*, carrier: str, event: dict) -> tuple[ShipmentEvent, bool]:
    """Apply a verified carrier event once: a redelivery (also one racing the first) finds the stored event
    under the shipment's lock and changes nothing. Returns the event and whether it was new. Events arrive out
    of order: one the shipment cannot take any more (a scan after delivery) is kept on the timeline without
    changing the status."""
    try:
        shipment = Shipment.objects.get(carrier=carrier, tracking_number=event["tracking_number"])
    except Shipment.DoesNotExist:
        raise UnknownShipment() from None
    order = _order_lock(order_id=shipment.order_id)
    shipment = _shipment_lock(shipment_id=shipment.pk)
    existing = ShipmentEvent.objects.filter(carrier=carrier, carrier_event_id=event["event_id"]).first()
    if existing:
        return existing, False
    occurred_at = event["occurred_at"]
    location, note = event.get("location", ""), event.get("note", "")
    if event["status"] not in SHIPMENT_TRANSITIONS[shipment.status]:
        stored = ShipmentEvent.objects.create(
            shipment=shipment,
            status=event["status"],
            occurred_at=occurred_at,
            location=location,
            note=note,
            carrier=carrier,
            carrier_event_id=event["event_id"],
        )
        return stored, True
    stored = _event_apply(
        order=order,
        shipment=shipment,
        status=event["status"],
        occurred_at=occurred_at,
        location=location,
        note=note,
        actor=None,
        carrier_event_id=event["event_id"],
    )
    return stored, True


# --- returns


def _delivered_at(*, order: Order) -> datetime:
    """When the order became delivered: its last status change to delivered (the order's last change for orders
    from before their history was kept)."""
    change = (
        order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED, data__to=Order.Status.DELIVERED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return change or order.updated_at


def returned_quantities(*, order: Order) -> dict[int, int]:
    """Per order item, the units already in a return that was not rejected."""
    rows = (
        ReturnLine.objects.filter(return_request__order=order)
        .exclude(return_request__status=ReturnRequest.Status.REJECTED)
        .values("order_item_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["order_item_id"]: row["total"] for row in rows}


@transaction.atomic
def return_request_create(*, order_id: int, user: User, lines: list[dict], reason: str) -> ReturnRequest:
    """A customer's request to send back delivered items (`lines`: order_item_id, quantity), within
    RETURN_WINDOW_DAYS of delivery. Under the order's lock, so two requests never return the same unit twice."""
    order = _order_lock(order_id=order_id)
    if order.user_id != user.pk:
        raise OrderNotFound()
    if order.status != Order.Status.DELIVERED:
        raise OrderNotDelivered()
    if timezone.now() > _delivered_at(order=order) + timedelta(days=settings.RETURN_WINDOW_DAYS):
        raise ReturnWindowClosed(window_days=settings.RETURN_WINDOW_DAYS)
    items = {item.pk: item for item in OrderItem.objects.filter(order=order)}
    already = returned_quantities(order=order)
    for line in lines:
        item = items.get(line["order_item_id"])
        if item is None:
            raise ReturnQuantityExceeded(f"Order item {line['order_item_id']} is not in this order.", field="lines")
        left = item.quantity - already.get(item.pk, 0)
        if line["quantity"] > left:
            raise ReturnQuantityExceeded(f"Only {left} of order item {item.pk} can still be returned.", field="lines")
    return_request = ReturnRequest.objects.create(order=order, reason=reason)
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_item_id=line["order_item_id"], quantity=line["quantity"])
        for line in lines
    )
    order_event_record(
        order=order, kind=OrderEvent.Kind.RETURN_REQUESTED, actor=user, data={"return_id": return_request.pk}
    )
    return return_request


def _return_lock(*, return_id: int, by: User) -> tuple[Order, ReturnRequest]:
    if not is_manager(by):
        raise PermissionDenied("Only store managers can handle returns.")
    try:
        order_id = ReturnRequest.objects.values_list("order_id", flat=True).get(pk=return_id)
    except ReturnRequest.DoesNotExist:
        raise ReturnNotFound() from None
    order = _order_lock(order_id=order_id)
    return order, ReturnRequest.objects.select_for_update().get(pk=return_id)


def _return_move(
    *, order: Order, return_request: ReturnRequest, allowed_from: set[str], status: str, by: User, **fields
) -> ReturnRequest:
    if return_request.status not in allowed_from:
        raise ReturnStatusInvalid(f"A return that is {return_request.status} cannot become {status}.")
    previous = return_request.status
    return_request.status = status
    for name, value in fields.items():
        setattr(return_request, name, value)
    return_request.save(update_fields=["status", *fields, "updated_at"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.RETURN_UPDATED,
        actor=by,
        data={"return_id": return_request.pk, "from": previous, "to": status},
    )
    return return_request


@transaction.atomic
def return_approve(*, return_id: int, by: User) -> ReturnRequest:
    order, return_request = _return_lock(return_id=return_id, by=by)
    return _return_move(
        order=order,
        return_request=return_request,
        allowed_from={ReturnRequest.Status.REQUESTED},
        status=ReturnRequest.Status.APPROVED,
        by=by,
    )


@transaction.atomic
def return_reject(*, return_id: int, by: User, note: str = "") -> ReturnRequest:
    order, return_request = _return_lock(return_id=return_id, by=by)
    return _return_move(
        order=order,
        return_request=return_request,
        allowed_from={ReturnRequest.Status.REQUESTED, ReturnRequest.Status.APPROVED},
        status=ReturnRequest.Status.REJECTED,
        by=by,
        note=note,
    )


@transaction.atomic
def return_receive(*, return_id: int, by: User) -> ReturnRequest:
    """The returned items are back: each product's stock grows by its units, products taken in primary-key order
    as every stock writer takes them. Lines of deleted products add nothing."""
    order, return_request = _return_lock(return_id=return_id, by=by)
    return_request = _return_move(
        order=order,
        return_request=return_request,
        allowed_from={ReturnRequest.Status.APPROVED},
        status=ReturnRequest.Status.RECEIVED,
        by=by,
    )
    units: dict[int, int] = {}
    for product_id, quantity in return_request.lines.exclude(order_item__product=None).values_list(
        "order_item__product_id", "quantity"
    ):
        units[product_id] = units.get(product_id, 0) + quantity
    stock_apply(
        locked=products_lock(product_ids=units),
        deltas=units,
        reason=StockMovement.Reason.RETURN,
        order=order,
        actor=by,
        note=f"Return #{return_request.pk}",
    )
    return return_request


@transaction.atomic
def return_refund(*, return_id: int, by: User, reference: str = "") -> ReturnRequest:
    """Refund what the received lines cost, from the order's latest refundable payment, through the payments
    app (a provider's refund after the commit; M-Pesa and manual payments need the reversal's `reference`).

    A return whose provider refund failed afterwards may be refunded again: it keeps its `refunded` status
    and points at the new refund."""
    order, return_request = _return_lock(return_id=return_id, by=by)
    refund_failed = return_request.refund is not None and return_request.refund.status == Refund.Status.FAILED
    retry = return_request.status == ReturnRequest.Status.REFUNDED and refund_failed
    if return_request.status != ReturnRequest.Status.RECEIVED and not retry:
        raise ReturnStatusInvalid(f"A return that is {return_request.status} cannot become refunded.")
    payment = Payment.objects.filter(order=order, status__in=REFUNDABLE).order_by("-pk").first()
    if payment is None:
        raise NoRefundablePayment()
    amount = ReturnRequest.objects.prefetch_related("lines__order_item").get(pk=return_request.pk).amount
    refund = payment_refund(
        payment_id=payment.pk, by=by, reason=f"Return #{return_request.pk}", amount=amount, reference=reference
    )
    return _return_move(
        order=order,
        return_request=return_request,
        allowed_from={ReturnRequest.Status.RECEIVED, ReturnRequest.Status.REFUNDED},
        status=ReturnRequest.Status.REFUNDED,
        by=by,
        refund=refund,
    )
