"""Restock orders: drafted, ordered, received into stock through the ledger, or cancelled; and proposed by the
low-stock job."""

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from conftest import ROLES
from store.jobs import low_stock_alert_send
from store.models import RestockOrder, RestockOrderLine, StockMovement
from store.services.restock import restock_order_create, restock_order_place, restock_order_receive
from store.services.stock import stock_mismatches
from store.tests.factories import ProductFactory
from store.tests.shopping import stock_of

pytestmark = pytest.mark.django_db

URL = "/api/restock-orders/"
ALLOWED = {"anonymous": 401, "customer": 403, "other_customer": 403}


def restock_state() -> tuple:
    """Everything a refused restock request must leave untouched."""
    return (
        list(RestockOrder.objects.order_by("pk").values_list("pk", "status", "supplier_name", "expected_date")),
        list(
            RestockOrderLine.objects.order_by("pk").values_list(
                "pk", "product_id", "quantity_ordered", "quantity_received"
            )
        ),
        list(StockMovement.objects.order_by("pk").values_list("pk", "product_id", "delta")),
    )


@pytest.fixture
def products(db):
    return ProductFactory(stock=0), ProductFactory(stock=4)


@pytest.fixture
def ordered(products, manager):
    kettle, mug = products
    restock_order = restock_order_create(
        actor=manager,
        supplier_name="Acme",
        lines=[{"product_id": kettle.pk, "quantity": 10}, {"product_id": mug.pk, "quantity": 6}],
    )
    return restock_order_place(restock_order_id=restock_order.pk)


def lines_of(restock_order: RestockOrder) -> list[tuple[int, int, int]]:
    return list(
        restock_order.lines.order_by("product_id").values_list("product_id", "quantity_ordered", "quantity_received")
    )


# --- the flow ----------------------------------------------------------------------------------------------------


def test_a_manager_drafts_orders_and_receives_a_restock(client_for, manager, products):
    kettle, mug = products
    client = client_for(manager)

    created = client.post(
        URL,
        {
            "supplier_name": "Acme",
            "supplier_reference": "PO-77",
            "expected_date": "2026-12-24",
            "lines": [{"product_id": mug.pk, "quantity": 6}, {"product_id": kettle.pk, "quantity": 10}],
        },
        format="json",
    )
    restock_id = created.json()["id"]
    patched = client.patch(f"{URL}{restock_id}/", {"supplier_reference": "PO-78"}, format="json")
    placed = client.post(f"{URL}{restock_id}/order/")
    partial = client.post(
        f"{URL}{restock_id}/receive/", {"lines": [{"product_id": kettle.pk, "quantity": 4}]}, format="json"
    )
    complete = client.post(
        f"{URL}{restock_id}/receive/",
        {"lines": [{"product_id": kettle.pk, "quantity": 6}, {"product_id": mug.pk, "quantity": 6}]},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert created.json()["created_by_id"] == manager.pk
    assert [(line["product_id"], line["quantity_ordered"]) for line in created.json()["lines"]] == [
        (kettle.pk, 10),
        (mug.pk, 6),
    ]
    assert patched.json()["supplier_reference"] == "PO-78"
    assert placed.json()["status"] == "ordered"
    assert placed.json()["ordered_at"] is not None
    assert partial.json()["status"] == "partially_received"
    assert complete.status_code == 200
    assert complete.json()["status"] == "received"
    assert complete.json()["received_at"] is not None
    assert stock_of(kettle, mug) == [10, 10]
    assert list(
        StockMovement.objects.filter(reason="restock_received")
        .order_by("id")
        .values_list("product_id", "delta", "restock_order_id", "actor_id")
    ) == [
        (kettle.pk, 4, restock_id, manager.pk),
        (kettle.pk, 6, restock_id, manager.pk),
        (mug.pk, 6, restock_id, manager.pk),
    ]
    assert stock_mismatches() == []


def test_list_filters_on_status_in_few_queries(client_for, manager, ordered, products, django_assert_max_num_queries):
    restock_order_create(actor=manager, lines=[{"product_id": products[0].pk, "quantity": 1}])
    client = client_for(manager)

    with django_assert_max_num_queries(3):
        everything = client.get(URL).json()
    drafts = client.get(URL, {"status": "draft"}).json()

    assert everything["count"] == 2
    assert [order["status"] for order in drafts["results"]] == ["draft"]
    assert client.get(URL, {"status": "lost"}).status_code == 400


# --- roles -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_create_role_matrix(client_as, products, role):
    response = client_as(role).post(URL, {"lines": [{"product_id": products[0].pk, "quantity": 3}]}, format="json")

    assert response.status_code == ALLOWED.get(role, 201)
    assert RestockOrder.objects.count() == (0 if role in ALLOWED else 1)


@pytest.mark.parametrize("role", ROLES)
def test_read_role_matrix(client_as, ordered, role):
    listed = client_as(role).get(URL)
    one = client_as(role).get(f"{URL}{ordered.pk}/")

    assert (listed.status_code, one.status_code) == (ALLOWED.get(role, 200), ALLOWED.get(role, 200))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", ["receive", "cancel"])
def test_receive_and_cancel_role_matrix(client_as, ordered, products, role, step):
    before = restock_state()

    response = client_as(role).post(
        f"{URL}{ordered.pk}/{step}/", {"lines": [{"product_id": products[0].pk, "quantity": 1}]}, format="json"
    )

    assert response.status_code == ALLOWED.get(role, 200)
    if role in ALLOWED:
        assert restock_state() == before


@pytest.mark.parametrize("role", ROLES)
def test_order_and_patch_role_matrix(client_as, manager, products, role):
    draft = restock_order_create(actor=manager, lines=[{"product_id": products[0].pk, "quantity": 1}])
    before = restock_state()

    patched = client_as(role).patch(f"{URL}{draft.pk}/", {"supplier_name": "Other"}, format="json")
    placed = client_as(role).post(f"{URL}{draft.pk}/order/")

    assert (patched.status_code, placed.status_code) == (ALLOWED.get(role, 200), ALLOWED.get(role, 200))
    if role in ALLOWED:
        assert restock_state() == before


# --- refusals ----------------------------------------------------------------------------------------------------


def test_receiving_more_than_ordered_is_400_and_changes_nothing(client_for, manager, ordered, products):
    kettle, mug = products
    restock_order_receive(restock_order_id=ordered.pk, lines=[{"product_id": kettle.pk, "quantity": 8}], actor=manager)
    before = restock_state()

    response = client_for(manager).post(
        f"{URL}{ordered.pk}/receive/",
        {"lines": [{"product_id": mug.pk, "quantity": 1}, {"product_id": kettle.pk, "quantity": 3}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Product {kettle.pk}: 3 received but only 2 still expected.",
        "code": "quantity_above_ordered",
        "product_id": kettle.pk,
        "outstanding": 2,
    }
    assert restock_state() == before
    assert stock_of(kettle, mug) == [8, 4]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": []},
        {"lines": "all"},
        {"lines": [{"product_id": 1}]},
        {"lines": [{"quantity": 1}]},
        {"lines": [{"product_id": "kettle", "quantity": 1}]},
        {"lines": [{"product_id": 1, "quantity": 0}]},
        {"lines": [{"product_id": 1, "quantity": -2}]},
        {"lines": [{"product_id": 1, "quantity": 10**20}]},
        {"lines": [{"product_id": 10**20, "quantity": 1}]},
    ],
    ids=[
        "missing",
        "empty",
        "text",
        "no-quantity",
        "no-product",
        "product-text",
        "zero",
        "negative",
        "huge",
        "huge-id",
    ],
)
@pytest.mark.parametrize("step", ["create", "receive"])
def test_bad_lines_are_400_and_change_nothing(client_for, manager, ordered, body, step):
    before = restock_state()
    url = URL if step == "create" else f"{URL}{ordered.pk}/receive/"

    response = client_for(manager).post(url, body, format="json")

    assert response.status_code == 400
    assert restock_state() == before


def test_unknown_or_duplicate_products_are_400_and_change_nothing(client_for, manager, ordered, products):
    stranger = ProductFactory(stock=1)
    kettle = products[0]
    before = restock_state()
    client = client_for(manager)

    unknown_create = client.post(URL, {"lines": [{"product_id": 999999, "quantity": 1}]}, format="json")
    twice = client.post(
        URL,
        {"lines": [{"product_id": kettle.pk, "quantity": 1}, {"product_id": kettle.pk, "quantity": 2}]},
        format="json",
    )
    not_on_order = client.post(
        f"{URL}{ordered.pk}/receive/", {"lines": [{"product_id": stranger.pk, "quantity": 1}]}, format="json"
    )

    assert (unknown_create.status_code, twice.status_code, not_on_order.status_code) == (400, 400, 400)
    assert unknown_create.json() == {"lines": ["No product with id 999999."]}
    assert not_on_order.json() == {"lines": [f"Product {stranger.pk} is not on this restock order."]}
    assert restock_state() == before


def test_malformed_json_and_unknown_ids(client_for, manager, ordered):
    client = client_for(manager)

    assert client.post(URL, "{lines", content_type="application/json").status_code == 400
    assert (
        client.post(f"{URL}999999/receive/", {"lines": [{"product_id": 1, "quantity": 1}]}, format="json").status_code
        == 404
    )
    assert client.get(f"{URL}{10**20}/").status_code == 404
    assert client.post(f"{URL}{ordered.pk}/receive/", "[", content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    ("status", "step", "allowed"),
    [
        ("draft", "receive", False),
        ("draft", "cancel", True),
        ("ordered", "order", False),
        ("received", "cancel", False),
        ("received", "receive", False),
        ("cancelled", "order", False),
        ("cancelled", "receive", False),
        ("partially_received", "cancel", True),
        ("ordered", "patch", False),
    ],
)
def test_status_moves(client_for, manager, products, status, step, allowed):
    restock_order = restock_order_create(actor=manager, lines=[{"product_id": products[0].pk, "quantity": 2}])
    RestockOrder.objects.filter(pk=restock_order.pk).update(status=status)
    before = restock_state()
    client = client_for(manager)

    if step == "patch":
        response = client.patch(f"{URL}{restock_order.pk}/", {"note": "late"}, format="json")
    else:
        response = client.post(
            f"{URL}{restock_order.pk}/{step}/",
            {"lines": [{"product_id": products[0].pk, "quantity": 1}]},
            format="json",
        )

    assert response.status_code == (200 if allowed else 400)
    if not allowed:
        assert response.json()["code"] == "invalid_status_transition"
        assert restock_state() == before


def test_patch_replaces_the_lines_of_a_draft(client_for, manager, products):
    kettle, mug = products
    draft = restock_order_create(actor=manager, lines=[{"product_id": kettle.pk, "quantity": 2}])

    response = client_for(manager).patch(
        f"{URL}{draft.pk}/", {"lines": [{"product_id": mug.pk, "quantity": 9}], "expected_date": None}, format="json"
    )

    assert response.status_code == 200
    assert lines_of(draft) == [(mug.pk, 9, 0)]


# --- the low-stock job proposes a draft ------------------------------------------------------------------------


def test_low_stock_job_proposes_one_draft_for_uncovered_products_and_links_it(settings, manager):
    settings.SITE_URL = "https://shop.example"
    UserFactory(username="boss", manager=True)
    empty = ProductFactory(stock=0, reorder_quantity=25)
    low = ProductFactory(stock=2)
    custom_level = ProductFactory(stock=8, reorder_level=10, reorder_quantity=30)
    covered = ProductFactory(stock=1)
    ProductFactory(stock=6)
    restock_order_create(actor=manager, lines=[{"product_id": covered.pk, "quantity": 5}])

    result = low_stock_alert_send(threshold=5)

    proposed = RestockOrder.objects.get(pk=result.restock_order_id)
    assert result.alerted == 4
    assert proposed.status == "draft"
    assert lines_of(proposed) == [(empty.pk, 25, 0), (low.pk, 5, 0), (custom_level.pk, 30, 0)]
    link = f"https://shop.example/admin/store/restockorder/{proposed.pk}/change/"
    assert link in mail.outbox[0].body
    assert link in mail.outbox[0].alternatives[0][0]


def test_a_failed_digest_withdraws_its_draft_so_the_retry_proposes_and_links_it_again(settings, manager):
    settings.SITE_URL = "https://shop.example"
    UserFactory(username="boss", manager=True)
    low = ProductFactory(stock=1)
    settings.EMAIL_BACKEND = "store.tests.test_jobs.FailingEmailBackend"

    with pytest.raises(OSError):
        low_stock_alert_send(threshold=5)

    assert RestockOrder.objects.count() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = low_stock_alert_send(threshold=5)
    proposed = RestockOrder.objects.get(pk=result.restock_order_id)
    assert lines_of(proposed) == [(low.pk, 5, 0)]
    assert f"https://shop.example/admin/store/restockorder/{proposed.pk}/change/" in mail.outbox[0].body


def test_low_stock_job_proposes_nothing_when_an_open_order_covers_everything(manager):
    UserFactory(username="boss", manager=True)
    low = ProductFactory(stock=1)
    restock_order_create(actor=manager, lines=[{"product_id": low.pk, "quantity": 5}])

    result = low_stock_alert_send(threshold=5)

    assert result.alerted == 1
    assert result.restock_order_id is None
    assert RestockOrder.objects.count() == 1
    assert "restock order" not in mail.outbox[0].body
