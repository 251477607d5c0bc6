"""The order history: the events each flow records, the order_cancelled signal and GET /api/orders/{id}/events/."""

import smtplib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.db.models import ProtectedError

from conftest import ROLES
from store.errors import InsufficientStock, InvalidStatusTransition
from store.jobs import order_reminders_send
from store.models import Order, OrderEvent
from store.services.orders import order_cancel, order_event_record, order_status_change
from store.signals import order_cancelled
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart, place_order, stock_of
from store.tests.test_jobs import make_order

ORDERS = "/api/orders/"
Kind = OrderEvent.Kind


def events_url(order_id) -> str:
    return f"{ORDERS}{order_id}/events/"


def history(order: Order) -> list[tuple[str, int | None, dict]]:
    return list(order.events.order_by("created_at", "id").values_list("kind", "actor_id", "data"))


@pytest.fixture
def product(db):
    return ProductFactory(stock=10, price="12.50", discount_price=None)


@pytest.fixture
def carols_order(customer, product):
    return place_order(customer, (product, 2))


# --- the events each flow records -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_checkout_records_placed_with_the_total_and_the_item_count(client_for, customer, product):
    fill_cart(customer, (product, 2), (ProductFactory(price="3.00", discount_price=None), 1))

    response = client_for(customer).post("/api/checkout/")

    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["id"])
    assert history(order) == [(Kind.PLACED, customer.pk, {"total_amount": "28.00", "item_count": 2})]


@pytest.mark.django_db
def test_an_idempotent_retry_records_nothing_more(client_for, customer, product):
    fill_cart(customer, (product, 1))
    client = client_for(customer)

    first = client.post("/api/checkout/", HTTP_IDEMPOTENCY_KEY="key-1")
    retry = client.post("/api/checkout/", HTTP_IDEMPOTENCY_KEY="key-1")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert OrderEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_checkout_records_nothing(customer, product):
    fill_cart(customer, (product, 11))

    with pytest.raises(InsufficientStock):
        place_order(customer)

    assert OrderEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_owner_cancelling_records_cancelled_from_pending(client_for, customer, carols_order):
    response = client_for(customer).post(f"{ORDERS}{carols_order.pk}/cancel/")

    assert response.status_code == 200
    assert history(carols_order)[1:] == [(Kind.CANCELLED, customer.pk, {"from": "pending"})]


@pytest.mark.django_db
def test_a_manager_cancelling_a_paid_order_records_cancelled_from_paid(client_for, manager, customer, product):
    order = place_order(customer, (product, 1), status=Order.Status.PAID)

    response = client_for(manager).patch(f"{ORDERS}{order.pk}/", {"status": "cancelled"}, format="json")

    assert response.status_code == 200
    assert history(order)[1:] == [(Kind.CANCELLED, manager.pk, {"from": "paid"})]


@pytest.mark.django_db
def test_a_status_change_records_from_and_to(client_for, manager, carols_order):
    client = client_for(manager)

    client.patch(f"{ORDERS}{carols_order.pk}/", {"status": "paid"}, format="json")
    client.patch(f"{ORDERS}{carols_order.pk}/", {"status": "shipped"}, format="json")

    # "paid" records a manual payment, whose event says so; the later changes are status changes.
    (paid_kind, paid_actor, paid_data), shipped = history(carols_order)[1:]
    assert (paid_kind, paid_actor, paid_data["provider"]) == (Kind.PAYMENT_SUCCEEDED, manager.pk, "manual")
    assert shipped == (Kind.STATUS_CHANGED, manager.pk, {"from": "paid", "to": "shipped"})


@pytest.mark.django_db
def test_the_admin_status_action_records_who_acted(admin_client, carols_order):
    response = admin_client.post("/admin/store/order/", {"action": "mark_paid", "_selected_action": [carols_order.pk]})

    assert response.status_code == 302
    admin = response.wsgi_request.user
    [(kind, actor, data)] = history(carols_order)[1:]
    assert (kind, actor, data["provider"]) == (Kind.PAYMENT_SUCCEEDED, admin.pk, "manual")


@pytest.mark.django_db
def test_refused_changes_record_nothing(customer, manager, product):
    shipped = place_order(customer, (product, 1), status=Order.Status.SHIPPED)

    with pytest.raises(InvalidStatusTransition):
        order_cancel(order_id=shipped.pk, by=manager)
    with pytest.raises(InvalidStatusTransition):
        order_status_change(order_id=shipped.pk, status=Order.Status.PAID, by=manager)

    assert [kind for kind, _, _ in history(shipped)] == [Kind.PLACED]


@pytest.mark.django_db
def test_reminders_record_reminder_sent_without_an_actor(customer, other_customer):
    carols, oscars = make_order(user=customer, hours_ago=30), make_order(user=other_customer, hours_ago=30)
    recent = make_order(user=customer, hours_ago=1)

    assert order_reminders_send() == 2

    assert history(carols) == history(oscars) == [(Kind.REMINDER_SENT, None, {})]
    assert history(recent) == []


class RefusingOscarEmailBackend(EmailBackend):
    """A mail server that delivers to everyone but oscar@example.com."""

    def send_messages(self, messages):
        if any("oscar@example.com" in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({"oscar@example.com": (550, b"No such user")})
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_failed_reminder_records_events_only_for_the_reminders_sent(customer, other_customer, settings):
    settings.EMAIL_BACKEND = "store.tests.test_order_events.RefusingOscarEmailBackend"
    carols = make_order(user=customer, hours_ago=30)
    oscars = make_order(user=other_customer, hours_ago=30)

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        order_reminders_send()

    assert [message.to for message in mail.outbox] == [["carol@example.com"]]
    assert history(carols) == [(Kind.REMINDER_SENT, None, {})]
    assert history(oscars) == []


# --- the service ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_event_record_defaults_to_no_actor_and_empty_data(carols_order):
    event = order_event_record(order=carols_order, kind=Kind.NOTE)

    assert (event.order_id, event.kind, event.actor_id, event.data) == (carols_order.pk, "note", None, {})


@pytest.mark.django_db
def test_order_event_record_refuses_an_unknown_kind(carols_order):
    with pytest.raises(ValueError, match="shipped_by_drone"):
        order_event_record(order=carols_order, kind="shipped_by_drone")

    assert carols_order.events.count() == 1


@pytest.mark.django_db
def test_an_event_is_rolled_back_with_the_callers_transaction(carols_order):
    with pytest.raises(RuntimeError), transaction.atomic():
        order_event_record(order=carols_order, kind=Kind.PAYMENT_FAILED, data={"reason": "card_declined"})
        raise RuntimeError("the caller's change failed")

    assert [kind for kind, _, _ in history(carols_order)] == [Kind.PLACED]


@pytest.mark.django_db
def test_history_keeps_the_order_and_forgets_a_deleted_actor(carols_order, manager):
    Order.objects.filter(pk=carols_order.pk).update(status=Order.Status.PAID)
    order_status_change(order_id=carols_order.pk, status=Order.Status.SHIPPED, by=manager)

    with pytest.raises(ProtectedError):
        carols_order.delete()
    manager.delete()

    assert history(carols_order)[1] == (Kind.STATUS_CHANGED, None, {"from": "paid", "to": "shipped"})


# --- the order_cancelled signal -------------------------------------------------------------------------------


@pytest.fixture
def cancellations():
    """What each order_cancelled receiver call saw, inside the cancelling transaction."""
    calls = []

    def receiver(sender, order, by, previous_status, **kwargs):
        stored = Order.objects.get(pk=order.pk)
        stock = stock_of(*[item.product for item in order.items.all()])
        calls.append((sender, order.pk, by.pk, previous_status, stored.status, stock, connection.in_atomic_block))

    order_cancelled.connect(receiver, dispatch_uid="test_order_events")
    yield calls
    order_cancelled.disconnect(dispatch_uid="test_order_events")


@pytest.mark.django_db
def test_cancelling_sends_order_cancelled_once_after_the_stock_is_back(
    client_for, customer, carols_order, product, cancellations
):
    assert stock_of(product) == [8]

    response = client_for(customer).post(f"{ORDERS}{carols_order.pk}/cancel/")

    assert response.status_code == 200
    assert cancellations == [(Order, carols_order.pk, customer.pk, "pending", "cancelled", [10], True)]


@pytest.mark.django_db
def test_a_manager_cancelling_by_status_change_sends_order_cancelled_once(manager, customer, product, cancellations):
    order = place_order(customer, (product, 1), status=Order.Status.PAID)

    order_status_change(order_id=order.pk, status=Order.Status.CANCELLED, by=manager)

    assert cancellations == [(Order, order.pk, manager.pk, "paid", "cancelled", [10], True)]


@pytest.mark.django_db
def test_a_refused_cancel_sends_nothing(customer, other_customer, carols_order, product, cancellations):
    shipped = place_order(customer, (product, 1), status=Order.Status.SHIPPED)

    with pytest.raises(InvalidStatusTransition):
        order_cancel(order_id=shipped.pk, by=customer)
    with pytest.raises(PermissionDenied):
        order_cancel(order_id=carols_order.pk, by=other_customer)
    with pytest.raises(InvalidStatusTransition):
        order_status_change(order_id=shipped.pk, status=Order.Status.CANCELLED, by=customer)

    assert cancellations == []


@pytest.mark.django_db
def test_a_failing_receiver_rolls_the_cancel_back(customer, carols_order, product):
    def refund_refused(**kwargs):
        raise RuntimeError("the refund could not be started")

    order_cancelled.connect(refund_refused, dispatch_uid="test_order_events_failing")
    try:
        with pytest.raises(RuntimeError):
            order_cancel(order_id=carols_order.pk, by=customer)
    finally:
        order_cancelled.disconnect(dispatch_uid="test_order_events_failing")

    carols_order.refresh_from_db()
    assert carols_order.status == Order.Status.PENDING
    assert stock_of(product) == [8]
    assert [kind for kind, _, _ in history(carols_order)] == [Kind.PLACED]


# --- GET /api/orders/{id}/events/ -----------------------------------------------------------------------------


@pytest.fixture
def carols_history(carols_order, manager):
    """Placed by carol, (paid,) shipped by maria, reminded, and a staff note."""
    Order.objects.filter(pk=carols_order.pk).update(status=Order.Status.PAID)
    order_status_change(order_id=carols_order.pk, status=Order.Status.SHIPPED, by=manager)
    order_event_record(order=carols_order, kind=Kind.REMINDER_SENT)
    order_event_record(order=carols_order, kind=Kind.NOTE, actor=manager, data={"text": "Called the customer."})
    return carols_order


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_events_role_matrix(client_as, user_as, carols_history, role):
    response = client_as(role).get(events_url(carols_history.pk))

    expected_status = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 200, "admin": 200}
    assert response.status_code == expected_status[role]
    if role in ("anonymous", "other_customer"):
        assert set(response.json()) == {"detail", "code"}
        return
    body = response.json()
    events = list(carols_history.events.order_by("id"))
    if role == "customer":
        assert body == [
            {
                "id": events[0].pk,
                "kind": "placed",
                "created_at": events[0].created_at.isoformat().replace("+00:00", "Z"),
                "data": {"total_amount": "25.00", "item_count": 1},
            },
            {
                "id": events[1].pk,
                "kind": "status_changed",
                "created_at": events[1].created_at.isoformat().replace("+00:00", "Z"),
                "data": {"from": "paid", "to": "shipped"},
            },
        ]
    else:
        carol, maria = user_as("customer"), user_as("manager")
        assert [(event["id"], event["kind"], event["actor"], event["data"]) for event in body] == [
            (events[0].pk, "placed", {"id": carol.pk, "username": "carol"}, {"total_amount": "25.00", "item_count": 1}),
            (events[1].pk, "status_changed", {"id": maria.pk, "username": "maria"}, {"from": "paid", "to": "shipped"}),
            (events[2].pk, "reminder_sent", None, {}),
            (events[3].pk, "note", {"id": maria.pk, "username": "maria"}, {"text": "Called the customer."}),
        ]


@pytest.mark.django_db
def test_the_customer_facing_kinds_are_all_but_reminders_and_notes():
    assert set(Kind.values) - OrderEvent.STAFF_ONLY_KINDS == {
        "placed",
        "payment_started",
        "payment_succeeded",
        "payment_failed",
        "refunded",
        "cancelled",
        "expired",
        "status_changed",
        "shipment_created",
        "shipment_updated",
        "return_requested",
        "return_updated",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(set(Kind.values) - OrderEvent.STAFF_ONLY_KINDS))
def test_the_owner_sees_every_customer_facing_kind(client_for, customer, carols_order, kind):
    order_event_record(order=carols_order, kind=kind)

    response = client_for(customer).get(events_url(carols_order.pk))

    assert [event["kind"] for event in response.json()][-1] == kind


@pytest.mark.django_db
@pytest.mark.parametrize("order_id", ["999999", "999999999999999999", str(10**30), "abc", "-1", "1.5", "0x1"], ids=str)
@pytest.mark.parametrize("role", ["customer", "manager"])
def test_unknown_or_malformed_order_ids_are_404(client_as, carols_order, order_id, role):
    response = client_as(role).get(events_url(order_id))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_history_is_read_only(client_for, manager, carols_order, method):
    response = getattr(client_for(manager), method)(events_url(carols_order.pk), {}, format="json")

    assert response.status_code == 405
    assert carols_order.events.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize("role", ["customer", "manager"])
def test_events_query_count_does_not_grow_with_events(
    client_as, user_as, carols_order, django_assert_max_num_queries, count, role
):
    manager, client = user_as("manager"), client_as(role)
    for index in range(count - 1):
        order_event_record(order=carols_order, kind=Kind.PAYMENT_FAILED, actor=manager, data={"n": index})

    # The order (scoped to the caller) and its events with their actors.
    with django_assert_max_num_queries(2):
        response = client.get(events_url(carols_order.pk))

    assert response.status_code == 200
    assert len(response.json()) == count


# --- Django admin ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_order_admin_page_shows_the_history_read_only(client, manager, carols_history):
    client.force_login(manager)

    response = client.get(f"/admin/store/order/{carols_history.pk}/change/")

    assert response.status_code == 200
    [history_inline] = [
        inline for inline in response.context["inline_admin_formsets"] if inline.opts.model is OrderEvent
    ]
    assert (history_inline.has_add_permission, history_inline.has_change_permission) == (False, False)
    assert (history_inline.has_delete_permission, history_inline.has_view_permission) == (False, True)
    shown = [(form.instance.kind, form.instance.actor_id) for form in history_inline.formset.forms]
    assert shown == [
        ("placed", carols_history.user_id),
        ("status_changed", manager.pk),
        ("reminder_sent", None),
        ("note", manager.pk),
    ]
    assert "Called the customer." in response.content.decode()
