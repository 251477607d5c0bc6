"""Helpers for the shipment and return tests."""

from fulfilment.models import Shipment
from fulfilment.services import shipment_create, shipment_event_add
from store.models import Order


def ship(order: Order, by, *, carrier: str = "g4s", tracking_number: str = "G4S-1") -> Shipment:
    return shipment_create(order_id=order.pk, carrier=carrier, tracking_number=tracking_number, by=by)


def deliver(order: Order, by) -> Order:
    """Ship the order and report it delivered, through the services."""
    shipment = ship(order, by, tracking_number=f"G4S-D{order.pk}")
    shipment_event_add(shipment_id=shipment.pk, status=Shipment.Status.DELIVERED, by=by)
    order.refresh_from_db()
    return order
