"""Shipments of paid orders with their tracking events, and the customers' returns of delivered items."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from payments.models import Refund
from store.models import Order, OrderItem

CENT = Decimal("0.01")


class Shipment(models.Model):
    class Status(models.TextChoices):
        READY = "ready", "Ready"
        IN_TRANSIT = "in_transit", "In transit"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        DELIVERED = "delivered", "Delivered"
        FAILED_ATTEMPT = "failed_attempt", "Failed delivery attempt"
        RETURNED = "returned", "Returned to sender"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    # The carrier's short name, as in CARRIER_WEBHOOK_SECRETS ("dhl", "g4s"): its webhook finds shipments by it.
    carrier = models.CharField(max_length=50)
    tracking_number = models.CharField(max_length=100)
    tracking_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.READY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_unique_per_carrier")
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number} (order #{self.order_id})"


class ShipmentEvent(models.Model):
    """One tracking step. `carrier_event_id` is the carrier's id of a webhook event: unique per carrier, so a
    redelivered event is stored once; empty for the events managers add."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Shipment.Status.choices)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)
    carrier = models.CharField(max_length=50)
    carrier_event_id = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_event_id"],
                condition=~Q(carrier_event_id=""),
                name="shipment_event_unique_per_carrier",
            )
        ]
        indexes = [models.Index(fields=["shipment", "occurred_at"], name="shipment_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ReturnRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RECEIVED = "received", "Received"
        REFUNDED = "refunded", "Refunded"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=1000)
    # The manager's word to the customer (why a return was rejected, say).
    note = models.CharField(max_length=500, blank=True)
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="return_status_created_idx")]

    def __str__(self) -> str:
        return f"Return #{self.pk} of order #{self.order_id}"

    @property
    def amount(self) -> Decimal:
        """What the returned lines cost the customer (needs `lines__order_item` loaded)."""
        return sum((line.amount for line in self.lines.all()), Decimal("0"))


class ReturnLine(models.Model):
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive"),
            models.UniqueConstraint(fields=["return_request", "order_item"], name="return_line_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_item.product_name}"

    @property
    def amount(self) -> Decimal:
        """The returned units' share of what the customer paid for the line: after its share of the voucher
        discount, with tax (`gross_amount`), not the shelf price."""
        item = self.order_item
        return (item.gross_amount * self.quantity / item.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
