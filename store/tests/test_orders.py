import pytest

from conftest import ROLES
from store.models import Order, Product
from store.tests.factories import ProductFactory
from store.tests.shopping import fill_cart, place_order, stock_of, world_state

ORDERS = "/api/orders/"
PENDING, PAID, SHIPPED, DELIVERED, CANCELLED = (
    Order.Status.PENDING,
    Order.Status.PAID,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.CANCELLED,
)


def order_url(order, suffix: str = "") -> str:
    return f"{ORDERS}{order.pk}/{suffix}"


@pytest.fixture
def product(db):
    return ProductFactory(stock=10)


@pytest.fixture
def carols_order(customer, product):
    return place_order(customer, (product, 3))


# --- list and detail --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_role_matrix(client_as, customer, other_customer, product, role):
    carols = place_order(customer, (product, 1))
    oscars = place_order(other_customer, (product, 1))

    response = client_as(role).get(ORDERS)

    expected = {
        "anonymous": None,
        "customer": [carols.pk],
        "other_customer": [oscars.pk],
        "manager": [oscars.pk, carols.pk],
        "admin": [oscars.pk, carols.pk],
    }[role]
    if expected is None:
        assert response.status_code == 401
    else:
        assert response.status_code == 200
        assert [order["id"] for order in response.json()["results"]] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_detail_role_matrix(client_as, carols_order, role):
    response = client_as(role).get(order_url(carols_order))

    expected = {"anonymous": 401, "customer": 200, "other_customer": 404, "manager": 200, "admin": 200}
    assert response.status_code == expected[role]
    if response.status_code == 200:
        assert response.json()["id"] == carols_order.pk
        assert response.json()["items"][0]["quantity"] == 3


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["999999/", f"{10**30}/", "abc/"])
def test_unknown_order_ids_are_404(client_for, manager, path):
    client = client_for(manager)

    assert client.get(ORDERS + path).status_code == 404
    assert client.post(ORDERS + path + "cancel/").status_code == 404
    assert client.patch(ORDERS + path, {"status": "paid"}, format="json").status_code == 404


@pytest.mark.django_db
def test_managers_filter_by_status_and_user(client_for, manager, customer, other_customer, product):
    carols_pending = place_order(customer, (product, 1))
    place_order(customer, (product, 1), status=PAID)
    oscars_pending = place_order(other_customer, (product, 1))
    client = client_for(manager)

    by_status = client.get(ORDERS, {"status": "pending"}).json()["results"]
    by_both = client.get(ORDERS, {"status": "pending", "user": customer.pk}).json()["results"]

    assert [order["id"] for order in by_status] == [oscars_pending.pk, carols_pending.pk]
    assert [order["id"] for order in by_both] == [carols_pending.pk]


@pytest.mark.django_db
def test_a_customer_cannot_widen_the_list_with_the_user_filter(client_for, customer, other_customer, product):
    place_order(other_customer, (product, 1))

    response = client_for(customer).get(ORDERS, {"user": other_customer.pk})

    assert response.json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"user": "carol"},
        {"user": "1.5"},
        {"user": str(10**30)},
        {"user": "-1"},
        {"user": "1\x00"},
    ],
    ids=["unknown-status", "user-not-a-number", "user-fraction", "user-huge", "user-negative", "user-nul"],
)
def test_bad_filter_values_are_400(client_for, manager, query):
    response = client_for(manager).get(ORDERS, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 20])
def test_list_query_count_does_not_grow_with_orders(
    client_for, manager, customer, django_assert_max_num_queries, count
):
    for _ in range(count):
        place_order(customer, (ProductFactory(), 1), (ProductFactory(), 2), status=Order.Status.PAID)

    with django_assert_max_num_queries(3):
        response = client_for(manager).get(ORDERS)

    assert len(response.json()["results"]) == count


# --- cancel -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_cancels_a_pending_order_and_the_stock_comes_back(client_for, customer, carols_order, product):
    assert stock_of(product) == [7]

    response = client_for(customer).post(order_url(carols_order, "cancel/"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Order.objects.get().status == CANCELLED
    assert stock_of(product) == [10]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [PENDING, PAID, SHIPPED, DELIVERED, CANCELLED])
def test_cancel_matrix(client_as, customer, product, role, status):
    order = place_order(customer, (product, 3), status=status)
    before = world_state()

    response = client_as(role).post(order_url(order, "cancel/"))

    staff_may = status in {PENDING, PAID}
    expected = {
        "anonymous": 401,
        "customer": 200 if status == PENDING else 400,
        "other_customer": 404,
        "manager": 200 if staff_may else 400,
        "admin": 200 if staff_may else 400,
    }[role]
    assert response.status_code == expected
    if expected == 200:
        assert (Order.objects.get().status, stock_of(product)) == (CANCELLED, [10])
    else:
        assert world_state() == before
    if expected == 400:
        assert response.json()["code"] == "invalid_status_transition"


@pytest.mark.django_db
def test_cancelling_restores_stock_of_the_remaining_products_only(client_for, customer, product):
    gone = ProductFactory(stock=5)
    order = place_order(customer, (product, 2), (gone, 1))
    gone.delete()

    response = client_for(customer).post(order_url(order, "cancel/"))

    assert response.status_code == 200
    assert stock_of(product) == [10]
    assert [item["product_id"] for item in response.json()["items"]] == [product.pk, None]


# --- status changes ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_transition_is_400_and_changes_nothing(client_for, manager, customer, product):
    order = place_order(customer, (product, 3), status=DELIVERED)
    before = world_state()

    response = client_for(manager).patch(order_url(order), {"status": PAID}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "An order that is delivered cannot become paid.",
        "code": "invalid_status_transition",
    }
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_status_change_role_matrix(client_as, carols_order, role):
    response = client_as(role).patch(order_url(carols_order), {"status": "paid"}, format="json")

    expected = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": 200, "admin": 200}
    assert response.status_code == expected[role]
    assert Order.objects.get().status == (PAID if expected[role] == 200 else PENDING)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{}, {"status": "lost"}, {"status": None}, {"status": 10**30}, {"status": ["paid"]}, {"status": "paid\x00"}],
    ids=["missing", "unknown", "null", "huge-number", "list", "nul-byte"],
)
def test_status_change_rejects_bad_input(client_for, manager, carols_order, body):
    before = world_state()

    response = client_for(manager).patch(order_url(carols_order), body, format="json")

    assert response.status_code == 400
    assert "status" in response.json()
    assert world_state() == before


@pytest.mark.django_db
def test_status_change_rejects_malformed_json(client_for, manager, carols_order):
    response = client_for(manager).patch(order_url(carols_order), "{status", content_type="application/json")

    assert response.status_code == 400
    assert Order.objects.get().status == PENDING


@pytest.mark.django_db
def test_other_order_fields_cannot_be_written(client_for, manager, carols_order):
    before = world_state()

    put = client_for(manager).put(order_url(carols_order), {"status": "paid"}, format="json")
    patch = client_for(manager).patch(order_url(carols_order), {"total_amount": "0.01"}, format="json")

    assert (put.status_code, patch.status_code) == (405, 400)
    assert world_state() == before


@pytest.mark.django_db
def test_nobody_deletes_orders(client_for, admin_user, carols_order):
    assert client_for(admin_user).delete(order_url(carols_order)).status_code == 405
    assert Product.objects.get().stock == 7
    assert Order.objects.count() == 1


# --- Django admin -----------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_for_root(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["", "?status__exact=pending", "?q=carol", "?q=not-a-number", "?q=999999999999999999999999"]
)
def test_admin_order_list_filters_and_searches(admin_client_for_root, carols_order, query):
    response = admin_client_for_root.get(f"/admin/store/order/{query}")

    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_finds_an_order_by_id(admin_client_for_root, carols_order, other_customer, product):
    place_order(other_customer, (product, 1))

    response = admin_client_for_root.get(f"/admin/store/order/?q={carols_order.pk}")

    assert list(response.context["cl"].result_list) == [carols_order]


@pytest.mark.django_db
def test_admin_order_page_shows_its_items(admin_client_for_root, carols_order):
    response = admin_client_for_root.get(f"/admin/store/order/{carols_order.pk}/change/")

    assert response.status_code == 200
    assert carols_order.items.get().product_name in response.content.decode()


@pytest.mark.django_db
def test_admin_cart_pages(admin_client_for_root, customer, product):
    fill_cart(customer, (product, 2))

    assert admin_client_for_root.get("/admin/store/cart/?q=carol").status_code == 200
    assert admin_client_for_root.get(f"/admin/store/cart/{customer.cart.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_admin_cancel_action_restores_stock_and_skips_orders_it_cannot_cancel(admin_client_for_root, customer, product):
    pending = place_order(customer, (product, 3))
    shipped = place_order(customer, (product, 2), status=SHIPPED)

    response = admin_client_for_root.post(
        "/admin/store/order/",
        {"action": "mark_cancelled", "_selected_action": [pending.pk, shipped.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert dict(Order.objects.values_list("pk", "status")) == {pending.pk: CANCELLED, shipped.pk: SHIPPED}
    assert stock_of(product) == [8]
