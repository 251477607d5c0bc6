"""Managers ship paid orders and track them; customers read their own timeline."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from conftest import ROLES
from fulfilment.models import Shipment, ShipmentEvent
from fulfilment.tests.conftest import world_state
from fulfilment.tests.shipping import ship
from store.models import Order, OrderEvent
from store.tests.shopping import pay, place_order

BODY = {"carrier": "g4s", "tracking_number": "G4S-0012345", "tracking_url": "https://track.example.com/G4S-0012345"}


def create(client, order_id, body=BODY):
    return client.post(f"/api/orders/{order_id}/shipments/", body, format="json")


def add_event(client, shipment_id, body):
    return client.post(f"/api/shipments/{shipment_id}/events/", body, format="json")


@pytest.mark.django_db
def test_shipping_a_paid_order_marks_it_shipped_and_emails_the_customer(client_for, manager, paid_order, committed):
    with committed():
        response = create(client_for(manager), paid_order.pk)

    assert response.status_code == 201
    body = response.json()
    assert (body["carrier"], body["tracking_number"], body["status"]) == ("g4s", "G4S-0012345", "ready")
    assert [event["status"] for event in body["events"]] == ["ready"]
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.SHIPPED
    kinds = list(paid_order.events.values_list("kind", "data"))
    assert (OrderEvent.Kind.STATUS_CHANGED, {"from": "paid", "to": "shipped"}) in kinds
    assert kinds[-1][0] == OrderEvent.Kind.SHIPMENT_CREATED
    shipped_mail = [m for m in mail.outbox if m.subject == f"Your order #{paid_order.pk} is on its way"]
    assert len(shipped_mail) == 1 and "G4S-0012345" in shipped_mail[0].body
    assert "https://track.example.com/G4S-0012345" in shipped_mail[0].body


@pytest.mark.django_db
def test_a_second_parcel_of_a_shipped_order_keeps_it_shipped(client_for, manager, paid_order):
    ship(paid_order, manager)

    response = create(client_for(manager), paid_order.pk, {**BODY, "tracking_number": "G4S-2"})

    assert response.status_code == 201
    assert Shipment.objects.filter(order=paid_order).count() == 2
    assert paid_order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED, data__to="shipped").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_create_role_matrix(client_as, paid_order, role):
    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 201, "admin": 201}[role]
    before = world_state()

    response = create(client_as(role), paid_order.pk)

    assert response.status_code == expected
    if expected != 201:
        assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"carrier": "g4s"},
        {"tracking_number": "X"},
        {"carrier": "G4S!", "tracking_number": "X"},
        {"carrier": "g4s", "tracking_number": ""},
        {"carrier": "g4s", "tracking_number": "x" * 101},
        {"carrier": "c" * 51, "tracking_number": "X"},
        {"carrier": "g4s", "tracking_number": "X", "tracking_url": "not a url"},
        {"carrier": ["g4s"], "tracking_number": "X"},
        {"carrier": "g4s", "tracking_number": {"a": 1}},
    ],
    ids=[
        "empty",
        "no-tracking",
        "no-carrier",
        "bad-carrier",
        "blank-tracking",
        "long-tracking",
        "long-carrier",
        "bad-url",
        "list",
        "object",
    ],
)
def test_create_bad_input(client_for, manager, paid_order, body):
    before = world_state()

    response = create(client_for(manager), paid_order.pk, body)

    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.django_db
def test_create_malformed_json_and_unknown_orders(client_for, manager, paid_order):
    client = client_for(manager)
    before = world_state()

    malformed = client.post(f"/api/orders/{paid_order.pk}/shipments/", "{not json", content_type="application/json")
    unknown = create(client, 999_999)
    huge = create(client, 10**17)

    assert malformed.status_code == 400
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert huge.status_code == 404
    assert client.post("/api/orders/99999999999999999999/shipments/", BODY, format="json").status_code == 404
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Order.Status.PENDING, Order.Status.DELIVERED, Order.Status.CANCELLED])
def test_only_paid_or_shipped_orders_ship(client_for, manager, customer, kettle, status):
    order = place_order(customer, (kettle, 1), status=status)
    before = world_state()

    response = create(client_for(manager), order.pk)

    assert response.status_code == 409 and response.json()["code"] == "order_not_shippable"
    assert world_state() == before


@pytest.mark.django_db
def test_a_tracking_number_is_unique_per_carrier(client_for, manager, customer, kettle, paid_order):
    ship(paid_order, manager, tracking_number="G4S-0012345")
    other = pay(place_order(customer, (kettle, 1)))
    before = world_state()

    taken = create(client_for(manager), other.pk)
    other_carrier = create(client_for(manager), other.pk, {**BODY, "carrier": "dhl"})

    assert taken.status_code == 400 and "tracking_number" in taken.json()
    assert other_carrier.status_code == 201
    assert world_state()[0] != before[0]  # Only the second request changed anything: the order is shipped now.


@pytest.mark.django_db
def test_tracking_events_then_delivery_deliver_the_order(client_for, manager, paid_order, committed):
    client = client_for(manager)
    shipment = ship(paid_order, manager)

    transit = add_event(client, shipment.pk, {"status": "in_transit", "location": "Nairobi hub"})
    delivered_at = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)
    with committed():
        delivered = add_event(
            client, shipment.pk, {"status": "delivered", "occurred_at": delivered_at.isoformat(), "note": "Concierge."}
        )

    assert transit.status_code == 201 and transit.json()["status"] == "in_transit"
    assert delivered.status_code == 201
    body = delivered.json()
    assert body["status"] == "delivered" and parse_datetime(body["delivered_at"]) == delivered_at
    assert [(e["status"], e["location"]) for e in body["events"]] == [
        ("ready", ""),
        ("in_transit", "Nairobi hub"),
        ("delivered", ""),
    ]
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.DELIVERED
    assert [m.subject for m in mail.outbox].count(f"Your order #{paid_order.pk} was delivered") == 1


@pytest.mark.django_db
def test_an_order_is_delivered_when_its_last_parcel_is(client_for, manager, paid_order):
    first = ship(paid_order, manager, tracking_number="A")
    second = ship(paid_order, manager, tracking_number="B")

    add_event(client_for(manager), first.pk, {"status": "delivered"})
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.SHIPPED

    add_event(client_for(manager), second.pk, {"status": "delivered"})
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.DELIVERED


@pytest.mark.django_db
@pytest.mark.parametrize("final", ["delivered", "returned"])
def test_final_statuses_take_no_more_events(client_for, manager, paid_order, final):
    shipment = ship(paid_order, manager)
    add_event(client_for(manager), shipment.pk, {"status": final})
    before = world_state()

    response = add_event(client_for(manager), shipment.pk, {"status": "in_transit"})

    assert response.status_code == 409 and response.json()["code"] == "shipment_status_invalid"
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_event_role_matrix(client_as, manager, paid_order, role):
    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 201, "admin": 201}[role]
    shipment = ship(paid_order, manager)
    before = world_state()

    response = add_event(client_as(role), shipment.pk, {"status": "in_transit"})

    assert response.status_code == expected
    if expected != 201:
        assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "ready"},
        {"status": "lost"},
        {"status": ["in_transit"]},
        {"status": "in_transit", "occurred_at": "yesterday"},
        {"status": "in_transit", "occurred_at": "99999-01-01T00:00:00Z"},
        {"status": "in_transit", "location": "x" * 201},
        {"status": "in_transit", "note": "x" * 501},
    ],
    ids=["empty", "ready", "unknown", "list", "bad-time", "huge-year", "long-location", "long-note"],
)
def test_event_bad_input(client_for, manager, paid_order, body):
    shipment = ship(paid_order, manager)
    before = world_state()

    response = add_event(client_for(manager), shipment.pk, body)

    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.django_db
def test_event_on_unknown_shipment_is_404(client_for, manager, paid_order):
    before = world_state()

    assert add_event(client_for(manager), 999_999, {"status": "in_transit"}).status_code == 404
    assert add_event(client_for(manager), 10**17, {"status": "in_transit"}).status_code == 404
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_timeline_role_matrix(client_as, manager, paid_order, role):
    ship(paid_order, manager)
    expected = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 200, "admin": 200}[role]

    response = client_as(role).get(f"/api/orders/{paid_order.pk}/shipments/")

    assert response.status_code == expected
    if expected == 200:
        assert [s["tracking_number"] for s in response.json()] == ["G4S-1"]


@pytest.mark.django_db
@pytest.mark.parametrize("parcels", [1, 5])
def test_timeline_queries_do_not_grow_with_parcels(
    client_for, customer, manager, paid_order, parcels, django_assert_max_num_queries
):
    for index in range(parcels):
        shipment = ship(paid_order, manager, tracking_number=f"P{index}")
        add_event(client_for(manager), shipment.pk, {"status": "in_transit"})
    client = client_for(customer)

    with django_assert_max_num_queries(3):
        response = client.get(f"/api/orders/{paid_order.pk}/shipments/")

    assert response.status_code == 200 and len(response.json()) == parcels
    assert all(len(s["events"]) == 2 for s in response.json())


@pytest.mark.django_db
def test_the_customer_timeline_shows_the_shipment(client_for, customer, manager, paid_order):
    shipment = ship(paid_order, manager)
    add_event(client_for(manager), shipment.pk, {"status": "out_for_delivery", "location": "Westlands"})

    events = client_for(customer).get(f"/api/orders/{paid_order.pk}/events/").json()

    kinds = [event["kind"] for event in events]
    assert kinds[-3:] == ["status_changed", "shipment_created", "shipment_updated"]
    assert events[-1]["data"] == {"shipment_id": shipment.pk, "status": "out_for_delivery", "location": "Westlands"}
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2
