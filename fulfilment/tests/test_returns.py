"""Customers return delivered items within the window; managers approve, receive (stock back) and refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import ROLES
from core.tests.concurrency import run_concurrently
from fulfilment.models import ReturnRequest
from fulfilment.services import return_approve, return_request_create
from fulfilment.tests.conftest import world_state
from fulfilment.tests.shipping import deliver
from payments.models import Payment, Refund
from payments.services import payment_record_manual, payment_start
from payments.tests.test_webhooks import deliver as stripe_deliver
from pricing.tests.factories import VoucherFactory
from store.models import Cart, Order, OrderEvent, StockMovement
from store.services.checkout import order_place
from store.tests.shopping import fill_cart, pay, place_order, stock_of


@pytest.fixture
def delivered_order(paid_order, manager) -> Order:
    return deliver(paid_order, manager)


def items_of(order: Order) -> dict[str, int]:
    """The order's item ids by product name."""
    return {item.product_name: item.pk for item in order.items.all()}


def request_return(client, order, lines, reason="Wrong size."):
    return client.post(f"/api/orders/{order.pk}/returns/", {"lines": lines, "reason": reason}, format="json")


def act(client, return_id, action, body=None):
    return client.post(f"/api/returns/{return_id}/{action}/", body or {}, format="json")


def one_kettle(order) -> list[dict]:
    return [{"order_item_id": items_of(order)["Kettle"], "quantity": 1}]


@pytest.mark.django_db
def test_a_return_from_request_to_refund(client_for, customer, manager, delivered_order, kettle, committed):
    lines = [
        {"order_item_id": items_of(delivered_order)["Kettle"], "quantity": 1},
        {"order_item_id": items_of(delivered_order)["Mug"], "quantity": 2},
    ]
    stock_before = stock_of(kettle)[0]

    requested = request_return(client_for(customer), delivered_order, lines)
    return_id = requested.json()["id"]
    staff = client_for(manager)
    approved = act(staff, return_id, "approve")
    received = act(staff, return_id, "receive")
    with committed():
        refunded = act(staff, return_id, "refund")

    assert requested.status_code == 201
    assert requested.json()["status"] == "requested" and requested.json()["amount"] == "1150.00"
    assert [(line["product_name"], line["quantity"]) for line in requested.json()["lines"]] == [
        ("Kettle", 1),
        ("Mug", 2),
    ]
    assert approved.json()["status"] == "approved"
    assert received.json()["status"] == "received"
    assert stock_of(kettle)[0] == stock_before + 1
    returned = StockMovement.objects.filter(order=delivered_order, reason=StockMovement.Reason.RETURN)
    assert sorted(returned.values_list("product__name", "delta", "actor", "note")) == [
        ("Kettle", 1, manager.pk, f"Return #{return_id}"),
        ("Mug", 2, manager.pk, f"Return #{return_id}"),
    ]
    assert refunded.status_code == 200 and refunded.json()["status"] == "refunded"
    refund = Refund.objects.get(pk=refunded.json()["refund_id"])
    assert (refund.amount, refund.status) == (Decimal("1150.00"), Refund.Status.SUCCEEDED)
    payment = Payment.objects.get(order=delivered_order)
    assert (payment.status, payment.refunded_amount) == (Payment.Status.PARTIALLY_REFUNDED, Decimal("1150.00"))
    kinds = list(delivered_order.events.values_list("kind", flat=True))
    assert kinds.count(OrderEvent.Kind.RETURN_REQUESTED) == 1
    assert kinds.count(OrderEvent.Kind.RETURN_UPDATED) == 3


@pytest.mark.django_db
def test_a_return_whose_provider_refund_failed_can_be_refunded_again(
    client_for, customer, manager, kettle, mug, stripe_server, committed
):
    order = place_order(customer, (kettle, 2), (mug, 3))
    payment, _ = payment_start(order_id=order.pk, user=customer, provider="stripe")
    intent = stripe_server.succeed(payment.provider_reference)
    assert stripe_deliver(stripe_server.event("payment_intent.succeeded", intent)).status_code == 200
    order = deliver(Order.objects.get(pk=order.pk), manager)
    return_id = request_return(client_for(customer), order, one_kettle(order)).json()["id"]
    staff = client_for(manager)
    act(staff, return_id, "approve")
    act(staff, return_id, "receive")

    stripe_server.refund_status = "failed"
    with committed():
        first = act(staff, return_id, "refund")
    stripe_server.refund_status = "succeeded"
    with committed():
        second = act(staff, return_id, "refund")
    again = act(staff, return_id, "refund")

    assert first.status_code == 200 and Refund.objects.get(pk=first.json()["refund_id"]).status == Refund.Status.FAILED
    assert second.status_code == 200 and second.json()["status"] == "refunded"
    assert Refund.objects.get(pk=second.json()["refund_id"]).status == Refund.Status.SUCCEEDED
    assert again.status_code == 409
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("750.00")


@pytest.mark.django_db
def test_a_return_refunds_what_the_customer_paid_after_the_voucher_not_the_shelf_price(
    client_for, customer, manager, kettle, mug, committed
):
    fill_cart(customer, (kettle, 2), (mug, 3))
    Cart.objects.filter(user=customer).update(voucher=VoucherFactory(code="KARIBU10"))
    order = deliver(pay(order_place(user=customer)[0]), manager)

    requested = request_return(client_for(customer), order, one_kettle(order))
    staff = client_for(manager)
    act(staff, requested.json()["id"], "approve")
    act(staff, requested.json()["id"], "receive")
    with committed():
        refunded = act(staff, requested.json()["id"], "refund")

    # 750.00 less its 10 % share of the voucher.
    assert requested.json()["amount"] == "675.00"
    assert requested.json()["lines"][0]["amount"] == "675.00"
    assert Refund.objects.get(pk=refunded.json()["refund_id"]).amount == Decimal("675.00")


@pytest.mark.django_db
def test_quantities_cannot_exceed_what_was_delivered_and_not_yet_returned(client_for, customer, delivered_order):
    client = client_for(customer)
    mug = items_of(delivered_order)["Mug"]
    assert request_return(client, delivered_order, [{"order_item_id": mug, "quantity": 2}]).status_code == 201
    before = world_state()

    too_many = request_return(client, delivered_order, [{"order_item_id": mug, "quantity": 2}])

    assert too_many.status_code == 400 and "lines" in too_many.json()
    assert world_state() == before
    assert request_return(client, delivered_order, [{"order_item_id": mug, "quantity": 1}]).status_code == 201


@pytest.mark.django_db
def test_rejected_units_can_be_asked_for_again(client_for, customer, manager, delivered_order):
    kettle_item = items_of(delivered_order)["Kettle"]
    first = request_return(client_for(customer), delivered_order, [{"order_item_id": kettle_item, "quantity": 2}])

    rejected = act(client_for(manager), first.json()["id"], "reject", {"note": "Used."})
    again = request_return(client_for(customer), delivered_order, [{"order_item_id": kettle_item, "quantity": 2}])

    assert rejected.json()["status"] == "rejected" and rejected.json()["note"] == "Used."
    assert again.status_code == 201


@pytest.mark.django_db
def test_the_window_closes_return_window_days_after_delivery(client_for, customer, delivered_order, settings):
    settings.RETURN_WINDOW_DAYS = 30
    delivered_order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED, data__to="delivered").update(
        created_at=timezone.now() - timedelta(days=31)
    )
    before = world_state()

    response = request_return(client_for(customer), delivered_order, one_kettle(delivered_order))

    assert response.status_code == 409 and response.json()["code"] == "return_window_closed"
    assert world_state() == before
    settings.RETURN_WINDOW_DAYS = 32
    assert request_return(client_for(customer), delivered_order, one_kettle(delivered_order)).status_code == 201


@pytest.mark.django_db
def test_an_undelivered_order_cannot_be_returned(client_for, customer, paid_order):
    before = world_state()

    response = request_return(client_for(customer), paid_order, one_kettle(paid_order))

    assert response.status_code == 409 and response.json()["code"] == "order_not_delivered"
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_request_role_matrix(client_as, delivered_order, role):
    expected = {"anonymous": 401, "customer": 201, "other_customer": 404, "manager": 403, "admin": 404}[role]
    before = world_state()

    response = request_return(client_as(role), delivered_order, one_kettle(delivered_order))

    assert response.status_code == expected
    if expected != 201:
        assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": "x"},
        {"lines": [], "reason": "x"},
        {"lines": "all", "reason": "x"},
        {"lines": [{"order_item_id": "ITEM"}], "reason": "x"},
        {"lines": [{"order_item_id": "ITEM", "quantity": 0}], "reason": "x"},
        {"lines": [{"order_item_id": "ITEM", "quantity": -1}], "reason": "x"},
        {"lines": [{"order_item_id": "ITEM", "quantity": 10**12}], "reason": "x"},
        {"lines": [{"order_item_id": "ITEM", "quantity": "many"}], "reason": "x"},
        {"lines": [{"order_item_id": 10**20, "quantity": 1}], "reason": "x"},
        {"lines": [{"order_item_id": 999_999, "quantity": 1}], "reason": "x"},
        {"lines": [{"order_item_id": "ITEM", "quantity": 1}] * 2, "reason": "x"},
        {"lines": [{"order_item_id": "ITEM", "quantity": 1}], "reason": ""},
        {"lines": [{"order_item_id": "ITEM", "quantity": 1}], "reason": "x" * 1001},
        {"lines": [{"order_item_id": "ITEM", "quantity": 3}], "reason": "x"},
    ],
    ids=[
        "empty",
        "no-lines",
        "no-line",
        "lines-string",
        "no-quantity",
        "zero",
        "negative",
        "huge-quantity",
        "quantity-string",
        "huge-id",
        "unknown-item",
        "duplicate-item",
        "blank-reason",
        "long-reason",
        "more-than-bought",
    ],
)
def test_request_bad_input(client_for, customer, delivered_order, body):
    kettle_item = items_of(delivered_order)["Kettle"]
    if isinstance(body.get("lines"), list):
        body = {
            **body,
            "lines": [
                {**line, "order_item_id": kettle_item} if line["order_item_id"] == "ITEM" else line
                for line in body["lines"]
            ],
        }
    before = world_state()

    response = client_for(customer).post(f"/api/orders/{delivered_order.pk}/returns/", body, format="json")

    assert response.status_code == 400
    assert world_state() == before


@pytest.mark.django_db
def test_an_item_of_another_order_cannot_be_returned(client_for, customer, delivered_order, kettle, manager):
    other = deliver(pay(place_order(customer, (kettle, 1))), manager)
    before = world_state()

    response = request_return(client_for(customer), delivered_order, one_kettle(other))

    assert response.status_code == 400 and "lines" in response.json()
    assert world_state() == before


@pytest.mark.django_db
def test_malformed_json_and_unknown_order(client_for, customer, delivered_order):
    client = client_for(customer)
    before = world_state()

    malformed = client.post(f"/api/orders/{delivered_order.pk}/returns/", "{", content_type="application/json")
    unknown = request_return(client, Order(pk=999_999), [{"order_item_id": 1, "quantity": 1}])

    assert malformed.status_code == 400 and unknown.status_code == 404
    assert world_state() == before


@pytest.fixture
def requested_return(client_for, customer, delivered_order) -> ReturnRequest:
    response = request_return(client_for(customer), delivered_order, one_kettle(delivered_order))
    return ReturnRequest.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "reject", "receive", "refund"])
@pytest.mark.parametrize("role", ROLES)
def test_action_role_matrix(client_as, client_for, manager, requested_return, action, role):
    previous = {"approve": [], "reject": [], "receive": ["approve"], "refund": ["approve", "receive"]}[action]
    for step in previous:
        act(client_for(manager), requested_return.pk, step)
    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 200, "admin": 200}[role]
    before = world_state()

    response = act(client_as(role), requested_return.pk, action)

    assert response.status_code == expected
    if expected != 200:
        assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "done, action",
    [
        ([], "receive"),
        ([], "refund"),
        (["approve"], "approve"),
        (["approve"], "refund"),
        (["approve", "receive"], "reject"),
        (["approve", "receive"], "receive"),
        (["reject"], "approve"),
    ],
    ids=[
        "receive-unapproved",
        "refund-unreceived",
        "approve-twice",
        "refund-unreceived",
        "reject-received",
        "receive-twice",
        "approve-rejected",
    ],
)
def test_actions_out_of_order_are_409_and_change_nothing(client_for, manager, requested_return, done, action):
    client = client_for(manager)
    for step in done:
        act(client, requested_return.pk, step)
    before = world_state()

    response = act(client, requested_return.pk, action)

    assert response.status_code == 409 and response.json()["code"] == "return_status_invalid"
    assert world_state() == before


@pytest.mark.django_db
def test_actions_bad_input_and_unknown_return(client_for, manager, requested_return):
    client = client_for(manager)
    before = world_state()

    assert act(client, requested_return.pk, "reject", {"note": "x" * 501}).status_code == 400
    assert act(client, requested_return.pk, "reject", {"note": ["x"]}).status_code == 400
    assert act(client, 999_999, "approve").status_code == 404
    assert act(client, 10**17, "receive").status_code == 404
    assert client.get(f"/api/returns/{999_999}/").status_code == 404
    assert world_state() == before


@pytest.mark.django_db
def test_a_manual_payment_refund_needs_the_reversal_reference(client_for, customer, manager, kettle):
    order = place_order(customer, (kettle, 2))
    payment_record_manual(order_id=order.pk, by=manager, reference="CASH-1")
    deliver(order, manager)
    return_id = request_return(client_for(customer), order, one_kettle(order)).json()["id"]
    client = client_for(manager)
    act(client, return_id, "approve")
    act(client, return_id, "receive")
    before = world_state()

    missing = act(client, return_id, "refund")
    too_long = act(client, return_id, "refund", {"reference": "r" * 256})

    assert missing.status_code == 400 and "reference" in missing.json()
    assert too_long.status_code == 400
    assert world_state() == before
    done = act(client, return_id, "refund", {"reference": "REV-1"})
    assert done.status_code == 200 and done.json()["status"] == "refunded"
    assert Refund.objects.get(pk=done.json()["refund_id"]).amount == Decimal("750.00")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_role_matrix(client_as, requested_return, role):
    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 200, "admin": 200}[role]

    response = client_as(role).get("/api/returns/")

    assert response.status_code == expected
    if expected == 200:
        assert [r["id"] for r in response.json()["results"]] == [requested_return.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_order_returns_role_matrix(client_as, requested_return, role):
    expected = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 200, "admin": 200}[role]

    response = client_as(role).get(f"/api/orders/{requested_return.order_id}/returns/")

    assert response.status_code == expected
    if expected == 200:
        assert [r["id"] for r in response.json()] == [requested_return.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("orders", [1, 6])
def test_list_queries_do_not_grow_with_returns(
    client_for, customer, manager, kettle, mug, orders, django_assert_max_num_queries
):
    for _ in range(orders):
        order = deliver(pay(place_order(customer, (kettle, 1), (mug, 1))), manager)
        lines = [{"order_item_id": item_id, "quantity": 1} for item_id in items_of(order).values()]
        assert request_return(client_for(customer), order, lines).status_code == 201
    client = client_for(manager)

    with django_assert_max_num_queries(4):
        response = client.get("/api/returns/?status=requested&page_size=100")

    assert response.json()["count"] == orders
    assert all(r["amount"] == "950.00" for r in response.json()["results"])
    assert client.get("/api/returns/?status=lost").status_code == 400
    assert client.get("/api/returns/?status=approved").json()["count"] == 0


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_racing_requests_for_the_same_units_return_them_once(customer, manager, kettle, mug):

    order = deliver(pay(place_order(customer, (kettle, 2), (mug, 1))), manager)
    lines = [{"order_item_id": items_of(order)["Kettle"], "quantity": 2}]

    def ask():
        client = APIClient()
        client.force_authenticate(customer)
        return request_return(client, order, lines).status_code

    assert sorted(run_concurrently(ask, ask, ask)) == [201, 400, 400]
    assert ReturnRequest.objects.filter(order=order).count() == 1


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_racing_receipts_put_the_stock_back_once(customer, manager, kettle, mug):

    order = deliver(pay(place_order(customer, (kettle, 2), (mug, 3))), manager)
    lines = [{"order_item_id": item_id, "quantity": 1} for item_id in items_of(order).values()]
    return_request = return_request_create(order_id=order.pk, user=customer, lines=lines, reason="Broken.")
    return_approve(return_id=return_request.pk, by=manager)
    stock_before = stock_of(kettle, mug)

    def receive():
        client = APIClient()
        client.force_authenticate(manager)
        return act(client, return_request.pk, "receive").status_code

    assert sorted(run_concurrently(receive, receive, receive)) == [200, 409, 409]
    assert stock_of(kettle, mug) == [stock_before[0] + 1, stock_before[1] + 1]
