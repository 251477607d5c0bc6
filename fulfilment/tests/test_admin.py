"""Shipments and returns in the admin, and on the order's page."""

import pytest
from django.test import Client

from fulfilment.models import ReturnRequest
from fulfilment.services import return_request_create
from fulfilment.tests.shipping import deliver
from store.tests.shopping import stock_of


@pytest.fixture
def admin_browser(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def return_request(paid_order, manager, customer) -> ReturnRequest:
    order = deliver(paid_order, manager)
    lines = [{"order_item_id": item.pk, "quantity": 1} for item in order.items.all()]
    return return_request_create(order_id=order.pk, user=customer, lines=lines, reason="Changed my mind.")


@pytest.mark.django_db
def test_the_order_page_shows_its_shipments_and_returns(admin_browser, return_request):
    shipment = return_request.order.shipments.get()

    page = admin_browser.get(f"/admin/store/order/{return_request.order_id}/change/")

    assert page.status_code == 200
    content = page.content.decode()
    assert shipment.tracking_number in content and "Changed my mind." in content
    assert admin_browser.get(f"/admin/fulfilment/shipment/{shipment.pk}/change/").status_code == 200
    assert admin_browser.get(f"/admin/fulfilment/returnrequest/{return_request.pk}/change/").status_code == 200
    assert admin_browser.get("/admin/fulfilment/shipment/").status_code == 200
    assert admin_browser.get("/admin/fulfilment/returnrequest/").status_code == 200


@pytest.mark.django_db
def test_return_actions_follow_the_same_rules(admin_browser, return_request, kettle, mug):
    stock_before = stock_of(kettle, mug)

    def run(action):
        return admin_browser.post(
            "/admin/fulfilment/returnrequest/",
            {"action": action, "_selected_action": [return_request.pk]},
            follow=True,
        )

    early = run("return_receive")
    return_request.refresh_from_db()
    assert return_request.status == ReturnRequest.Status.REQUESTED
    assert "cannot become received" in early.content.decode()

    run("return_approve")
    run("return_receive")
    return_request.refresh_from_db()
    assert return_request.status == ReturnRequest.Status.RECEIVED
    assert stock_of(kettle, mug) == [stock_before[0] + 1, stock_before[1] + 1]
