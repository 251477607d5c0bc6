"""The order page's buttons: mark paid, ship, refund and cancel through the API's services, refusals as messages."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from backoffice.tests.conftest import browser_for
from fulfilment.models import Shipment
from payments.models import Payment, Refund
from store.models import Order, OrderEvent, Product
from store.tests.factories import ProductFactory
from store.tests.shopping import pay, place_order

Kind = OrderEvent.Kind


def page_url(order: Order) -> str:
    return f"/admin/store/order/{order.pk}/change/"


def action_url(order_id, action: str) -> str:
    return f"/admin/store/order/{order_id}/{action}/"


def world_state() -> tuple:
    """Everything a refused action must leave as it was."""
    return (
        list(Order.objects.order_by("pk").values_list("pk", "status")),
        list(OrderEvent.objects.order_by("pk").values_list("pk", "kind")),
        list(Shipment.objects.order_by("pk").values_list("pk", "carrier", "tracking_number")),
        list(Payment.objects.order_by("pk").values_list("pk", "status", "refunded_amount")),
        list(Refund.objects.order_by("pk").values_list("pk", "status", "amount")),
        list(Product.objects.order_by("pk").values_list("pk", "stock")),
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def kinds(order: Order) -> list[str]:
    return list(order.events.order_by("created_at", "pk").values_list("kind", flat=True))


# --- what the page shows ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pending_order_offers_mark_paid_and_cancel_and_shows_its_timeline(manager_browser, pending_order):
    page = manager_browser.get(page_url(pending_order)).content.decode()

    assert 'id="mark-paid-form"' in page and 'id="cancel-form"' in page
    assert 'id="ship-form"' not in page and 'id="refund-form"' not in page
    assert 'data-kind="placed"' in page
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # the order's own form and each button's


@pytest.mark.django_db
def test_a_paid_order_offers_ship_refund_and_cancel(manager_browser, paid_order):
    page = manager_browser.get(page_url(paid_order)).content.decode()

    assert 'id="ship-form"' in page and 'id="refund-form"' in page and 'id="cancel-form"' in page
    assert 'id="mark-paid-form"' not in page
    assert 'data-kind="payment_succeeded"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [1, 6])
def test_the_order_page_keeps_to_a_query_budget_whatever_the_order(
    manager_browser, customer, manager, lines, django_assert_max_num_queries
):
    products = [ProductFactory(price="10.00", discount_price=None, stock=10) for _ in range(lines)]
    order = pay(place_order(customer, *((product, 1) for product in products)))
    for number in range(lines):
        OrderEvent.objects.create(
            order=order, kind=Kind.NOTE, actor=manager, data={"text": f"Called the customer ({number})."}
        )

    with django_assert_max_num_queries(14):
        page = manager_browser.get(page_url(order))

    assert page.status_code == 200
    assert page.content.decode().count('data-kind="note"') == lines


# --- the actions -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mark_paid_records_a_manual_payment(manager_browser, pending_order, manager):
    response = manager_browser.post(action_url(pending_order.pk, "mark-paid"), {"reference": "BANK-42", "note": ""})

    assert (response.status_code, response.url) == (302, page_url(pending_order))
    pending_order.refresh_from_db()
    assert pending_order.status == Order.Status.PAID
    payment = Payment.objects.get(order=pending_order)
    assert (payment.provider, payment.provider_reference, payment.amount, payment.created_by) == (
        "manual",
        "BANK-42",
        pending_order.total_amount,
        manager,
    )
    assert messages_of(response) == [f"Order #{pending_order.pk} is paid: the payment is recorded."]


@pytest.mark.django_db
def test_ship_hands_the_order_to_the_carrier(manager_browser, paid_order, manager):
    response = manager_browser.post(
        action_url(paid_order.pk, "ship"), {"carrier": "g4s", "tracking_number": "G4S-001", "tracking_url": ""}
    )

    assert response.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.SHIPPED
    shipment = paid_order.shipments.get()
    assert (shipment.carrier, shipment.tracking_number, shipment.created_by) == ("g4s", "G4S-001", manager)
    assert kinds(paid_order)[-2:] == [Kind.STATUS_CHANGED, Kind.SHIPMENT_CREATED]
    assert messages_of(response) == [f"Order #{paid_order.pk} is handed to g4s, tracking number G4S-001."]
    page = manager_browser.get(page_url(paid_order)).content.decode()
    assert 'data-kind="shipment_created"' in page and "g4s G4S-001" in page


@pytest.mark.django_db
def test_refund_gives_back_part_of_a_payment(manager_browser, paid_order, manager, committed):
    payment = paid_order.payments.get()

    with committed():
        response = manager_browser.post(
            action_url(paid_order.pk, "refund"), {"payment": payment.pk, "amount": "100.00", "reason": "Dented lid"}
        )

    assert response.status_code == 302
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status, refund.reason, refund.actor) == (
        100,
        Refund.Status.SUCCEEDED,
        "Dented lid",
        manager,
    )
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.PARTIALLY_REFUNDED, 100)
    assert messages_of(response) == [f"Refund of 100.00 on payment #{payment.pk}: pending."]


@pytest.mark.django_db
def test_cancel_puts_the_stock_back_and_refunds_a_paid_order(manager_browser, paid_order, kettle, committed):
    with committed():
        response = manager_browser.post(action_url(paid_order.pk, "cancel"))

    assert response.status_code == 302
    paid_order.refresh_from_db()
    kettle.refresh_from_db()
    assert (paid_order.status, kettle.stock) == (Order.Status.CANCELLED, 10)
    assert paid_order.payments.get().status == Payment.Status.REFUNDED
    assert messages_of(response) == [f"Order #{paid_order.pk} is cancelled: its items are back in stock."]


@pytest.mark.django_db
def test_the_admin_may_act_as_a_manager_does(admin_user, paid_order):
    response = browser_for(admin_user).post(
        action_url(paid_order.pk, "ship"), {"carrier": "dhl", "tracking_number": "JD0001"}
    )

    assert response.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.SHIPPED


# --- refusals: a message on the order page, nothing changed ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "order_fixture", "data", "message"),
    [
        pytest.param(
            "ship",
            "pending_order",
            {"carrier": "g4s", "tracking_number": "T1"},
            "Only a paid (or already shipped) order can be shipped.",
            id="ship-pending",
        ),
        pytest.param("mark-paid", "paid_order", {}, "Only a pending order can be paid.", id="mark-paid-twice"),
        pytest.param(
            "refund",
            "pending_order",
            {"payment": "1", "reason": "x"},
            "Payment: Select a valid choice",
            id="refund-no-payment",
        ),
        pytest.param(
            "ship",
            "paid_order",
            {"carrier": "G4S!", "tracking_number": "T1"},
            "Carrier: Lowercase letters",
            id="bad-carrier",
        ),
        pytest.param(
            "ship",
            "paid_order",
            {"carrier": "g4s"},
            "Tracking number: This field is required.",
            id="no-tracking-number",
        ),
        pytest.param(
            "ship",
            "paid_order",
            {"carrier": "g4s", "tracking_number": "T" * 101},
            "Tracking number: Ensure",
            id="tracking-number-too-long",
        ),
        pytest.param(
            "ship",
            "paid_order",
            {"carrier": "g4s", "tracking_number": "T1", "tracking_url": "not a url"},
            "Tracking URL: Enter a valid URL.",
            id="bad-url",
        ),
        pytest.param(
            "refund",
            "paid_order",
            {"payment": "abc", "reason": "x"},
            "Payment: Select a valid choice",
            id="payment-not-a-number",
        ),
        pytest.param(
            "refund",
            "paid_order",
            {"payment": "PAYMENT", "amount": "-5", "reason": "x"},
            "Amount: Ensure this value is greater",
            id="negative-amount",
        ),
        pytest.param(
            "refund",
            "paid_order",
            {"payment": "PAYMENT", "amount": "1e20", "reason": "x"},
            "Amount: Ensure that there are no more than 12 digits",
            id="huge-amount",
        ),
        pytest.param(
            "refund",
            "paid_order",
            {"payment": "PAYMENT", "amount": "999999.00", "reason": "x"},
            "Refunds may add up to at most the amount paid.",
            id="more-than-paid",
        ),
        pytest.param("refund", "paid_order", {"payment": "PAYMENT"}, "Reason: This field is required.", id="no-reason"),
    ],
)
def test_a_refused_action_is_a_message_and_changes_nothing(
    request, manager_browser, action, order_fixture, data, message
):
    order = request.getfixturevalue(order_fixture)
    payment = order.payments.first()
    data = {key: str(payment.pk) if value == "PAYMENT" else value for key, value in data.items()}
    before = world_state()

    response = manager_browser.post(action_url(order.pk, action), data)

    assert (response.status_code, response.url) == (302, page_url(order))
    assert world_state() == before
    [shown] = messages_of(response)
    assert message in shown


@pytest.mark.django_db
def test_a_refund_of_another_orders_payment_is_refused(manager_browser, paid_order, customer, kettle):
    another = pay(place_order(customer, (kettle, 1)))
    before = world_state()

    response = manager_browser.post(
        action_url(paid_order.pk, "refund"), {"payment": another.payments.get().pk, "reason": "x"}
    )

    assert world_state() == before
    assert "Payment: Select a valid choice" in messages_of(response)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["mark-paid", "ship", "refund", "cancel"])
def test_the_actions_answer_only_post(manager_browser, paid_order, action):
    before = world_state()

    assert manager_browser.get(action_url(paid_order.pk, action)).status_code == 405
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["mark-paid", "ship", "refund", "cancel"])
def test_a_post_without_the_csrf_token_is_refused(manager, pending_order, action):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    before = world_state()

    response = client.post(action_url(pending_order.pk, action), {"carrier": "g4s", "tracking_number": "T1"})

    assert response.status_code == 403
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("order_id", ["999999", "abc", "-1", "0", str(2**63), "1.5"])
def test_an_unknown_order_is_404(manager_browser, pending_order, order_id):
    before = world_state()

    assert manager_browser.post(action_url(order_id, "cancel")).status_code == 404
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "customer", "other_customer"])
def test_shoppers_cannot_act_on_an_order(user_as, pending_order, role):
    client = Client()
    user = user_as(role)
    if user is not None:
        client.force_login(user)
    before = world_state()

    response = client.post(action_url(pending_order.pk, "cancel"))

    assert (response.status_code, response.url.split("?")[0]) == (302, "/admin/login/")
    assert world_state() == before
