"""The carrier webhook: signed with a shared secret, matched by tracking number, applied once per event id."""

import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.test import Client

from core.tests.concurrency import run_concurrently
from fulfilment.models import Shipment, ShipmentEvent
from fulfilment.tests.conftest import world_state
from fulfilment.tests.shipping import ship
from store.models import Order, OrderEvent
from store.tests.shopping import pay, place_order

SECRET = "g4s-shared-secret"


@pytest.fixture(autouse=True)
def _carrier_secrets(settings):
    settings.CARRIER_WEBHOOK_SECRETS = {"g4s": SECRET, "dhl": "dhl-secret"}


@pytest.fixture
def shipment(paid_order, manager) -> Shipment:
    return ship(paid_order, manager, tracking_number="G4S-0012345")


def event(**fields) -> dict:
    return {
        "event_id": "evt-1",
        "tracking_number": "G4S-0012345",
        "status": "in_transit",
        "occurred_at": "2030-01-15T09:30:00Z",
        "location": "Nairobi hub",
        **fields,
    }


def signed(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(body: bytes, *, carrier: str = "g4s", signature: str | None = None, client=None):
    """POST the raw body as a carrier would, signed with the carrier's secret unless told otherwise."""
    headers = {} if signature == "" else {"X-Carrier-Signature": signed(body) if signature is None else signature}
    return (client or Client()).post(
        f"/api/shipments/webhooks/{carrier}/", body, content_type="application/json", headers=headers
    )


def encode(payload) -> bytes:
    return json.dumps(payload).encode()


@pytest.mark.django_db
def test_a_signed_event_moves_the_shipment(shipment):
    response = deliver(encode(event()))

    assert response.status_code == 200 and response.json() == {"received": True, "applied": True}
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT
    stored = shipment.events.get(carrier_event_id="evt-1")
    assert (stored.status, stored.location, stored.actor) == ("in_transit", "Nairobi hub", None)


@pytest.mark.django_db
def test_a_delivery_event_delivers_the_order_and_emails(shipment, paid_order, committed):
    with committed():
        response = deliver(encode(event(status="delivered")))

    assert response.status_code == 200
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.DELIVERED
    assert [m.subject for m in mail.outbox].count(f"Your order #{paid_order.pk} was delivered") == 1


@pytest.mark.django_db
def test_a_repeated_event_is_applied_once(shipment, paid_order, committed):
    body = encode(event(status="delivered"))
    with committed():
        first = deliver(body)
    state = world_state()
    with committed():
        again = deliver(body)

    assert first.json()["applied"] is True
    assert again.status_code == 200 and again.json() == {"received": True, "applied": False}
    assert world_state() == state
    assert ShipmentEvent.objects.filter(carrier_event_id="evt-1").count() == 1
    assert [m.subject for m in mail.outbox].count(f"Your order #{paid_order.pk} was delivered") == 1


@pytest.mark.django_db
def test_the_same_event_id_of_another_carrier_is_another_event(shipment, paid_order, manager):
    other = ship(paid_order, manager, carrier="dhl", tracking_number="DHL-9")
    deliver(encode(event()))

    body = encode(event(tracking_number="DHL-9"))
    response = deliver(body, carrier="dhl", signature=signed(body, "dhl-secret"))

    assert response.json()["applied"] is True
    assert other.events.filter(carrier_event_id="evt-1").count() == 1


@pytest.mark.django_db
def test_a_late_scan_after_delivery_is_kept_without_changing_the_status(shipment, paid_order):
    deliver(encode(event(event_id="evt-2", status="delivered")))

    response = deliver(encode(event(event_id="evt-1", status="in_transit", occurred_at="2030-01-14T09:30:00Z")))

    assert response.json()["applied"] is True
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    assert list(shipment.events.values_list("status", flat=True)) == ["ready", "in_transit", "delivered"]
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.DELIVERED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "carrier, signature",
    [
        ("g4s", "0" * 64),
        ("g4s", ""),
        ("g4s", "not-hex"),
        ("g4s", signed(encode(event()), "dhl-secret")),
        ("ups", signed(encode(event()))),
    ],
    ids=["wrong", "missing", "garbage", "other-carriers-secret", "unknown-carrier"],
)
def test_a_bad_signature_or_unknown_carrier_changes_nothing(shipment, carrier, signature):
    before = world_state()

    response = deliver(encode(event()), carrier=carrier, signature=signature)

    assert response.status_code == 400 and response.json()["code"] == "invalid_signature"
    assert world_state() == before


@pytest.mark.django_db
def test_a_tampered_body_is_refused(shipment):
    body = encode(event())
    before = world_state()

    response = deliver(encode(event(status="delivered")), signature=signed(body))

    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b"",
        encode({}),
        encode(event(status="lost")),
        encode(event(status="ready")),
        encode(event(occurred_at="soon")),
        encode(event(event_id="")),
        encode(event(event_id="e" * 101)),
        encode(event(tracking_number="NOPE")),
    ],
    ids=["malformed", "list", "empty", "no-fields", "bad-status", "ready", "bad-time", "no-id", "long-id", "unknown"],
)
def test_a_signed_bad_event_is_400_and_changes_nothing(shipment, body):
    before = world_state()

    response = deliver(body)

    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_event_apply_it_once(customer, manager, kettle, mug):
    order = pay(place_order(customer, (kettle, 1), (mug, 1)))
    ship(order, manager, tracking_number="G4S-0012345")
    body = encode(event(status="delivered"))

    results = run_concurrently(*[lambda: deliver(body) for _ in range(4)])

    assert sorted(response.json()["applied"] for response in results) == [False, False, False, True]
    assert ShipmentEvent.objects.filter(carrier_event_id="evt-1").count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    assert order.events.filter(kind=OrderEvent.Kind.SHIPMENT_UPDATED).count() == 1
    assert order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED, data__to="delivered").count() == 1
