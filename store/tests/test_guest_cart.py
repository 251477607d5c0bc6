"""The guest cart: opened by POST /api/cart/guest/, used with X-Cart-Token, cleaned up when expired."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from conftest import ROLES
from duka_app.celery import app as celery_app
from store.models import Cart, CartItem
from store.selectors.cart import cart_item_list
from store.services.cart import cart_item_add, guest_carts_delete_expired
from store.tasks import guest_carts_cleanup
from store.tests.admin_forms import admin_form
from store.tests.factories import ProductFactory
from store.tests.guest import guest_cart, guest_client, guest_state
from store.tests.shopping import cart_state, fill_cart, world_state

CART = "/api/cart/"
GUEST = "/api/cart/guest/"
SUMMARY = "/api/cart/summary/"
CART_NOT_FOUND = {
    "detail": "No guest cart with this token; it may have expired or been merged.",
    "code": "cart_not_found",
}


@pytest.fixture
def product(db):
    return ProductFactory(price=Decimal("25.00"), discount_price=Decimal("19.99"), stock=5)


# --- opening a guest cart ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_a_guest_cart_returns_a_token_of_which_only_the_digest_is_stored(api_client, settings):
    settings.GUEST_CART_DAYS = 30
    before = timezone.now()

    response = api_client.post(GUEST)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"cart_token", "expires_at"}
    cart_token = body["cart_token"]
    assert len(cart_token) == 43
    cart = Cart.objects.get()
    assert cart.user is None
    assert cart.token_hash == hashlib.sha256(cart_token.encode()).hexdigest()
    assert cart_token not in str(Cart.objects.values().get())
    assert before + timedelta(days=30) <= cart.expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.django_db
def test_every_guest_cart_gets_its_own_token(api_client):
    tokens = {api_client.post(GUEST).json()["cart_token"] for _ in range(5)}

    assert len(tokens) == 5
    assert Cart.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_opening_a_guest_cart_role_matrix(client_as, role):
    response = client_as(role).post(GUEST)

    expected = 201 if role == "anonymous" else 403
    assert response.status_code == expected
    assert Cart.objects.filter(user__isnull=True).count() == (1 if expected == 201 else 0)


@pytest.mark.django_db
def test_opening_guest_carts_is_throttled_per_client_ip(api_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "guest_cart": "2/hour"},
    }

    statuses = [api_client.post(GUEST, REMOTE_ADDR="203.0.113.7").status_code for _ in range(3)]
    elsewhere = api_client.post(GUEST, REMOTE_ADDR="203.0.113.8").status_code

    assert statuses == [201, 201, 429]
    assert elsewhere == 201
    assert Cart.objects.count() == 3


def test_a_cart_belongs_to_a_user_or_a_guest_token_never_both_or_neither(customer):
    for fields in [
        {},
        {"user": customer, "token_hash": "a" * 64, "expires_at": timezone.now()},
        {"token_hash": "b" * 64},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Cart.objects.create(**fields)


@pytest.mark.django_db(transaction=True)
def test_the_migration_to_guest_carts_keeps_every_customers_cart_and_its_lines():
    before, after = [("store", "0005_order_shipping_name_line2_region")], [("store", "0006_cart_guest_token")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        user = old_apps.get_model("accounts", "User").objects.create(username="olga", email="olga@example.com")
        category = old_apps.get_model("store", "Category").objects.create(name="Kitchen", slug="kitchen")
        product = old_apps.get_model("store", "Product").objects.create(
            category=category, name="Kettle", slug="kettle", sku="KT-1", price=Decimal("10.00"), stock=3
        )
        cart = old_apps.get_model("store", "Cart").objects.create(user=user)
        old_apps.get_model("store", "CartItem").objects.create(cart=cart, product=product, quantity=2)

        executor = MigrationExecutor(connection)
        executor.migrate(after)

        after_apps = executor.loader.project_state(after).apps
        migrated = after_apps.get_model("store", "Cart").objects.get()
        assert (migrated.pk, migrated.user_id, migrated.token_hash, migrated.expires_at) == (
            cart.pk,
            user.pk,
            None,
            None,
        )
        assert list(
            after_apps.get_model("store", "CartItem").objects.values_list("cart_id", "product_id", "quantity")
        ) == [(cart.pk, product.pk, 2)]
    finally:
        # Back to the latest schema, whatever later migrations exist, for the tests that follow.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def admin_browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_the_admin_saves_a_guest_cart_without_giving_it_a_user(admin_browser, product):
    _, cart = guest_cart((product, 1))
    url = f"/admin/store/cart/{cart.pk}/change/"
    fields = admin_form(admin_browser, url, "cart_form")

    response = admin_browser.post(url, {**fields, "_save": "Save"})

    assert admin_browser.get("/admin/store/cart/").status_code == 200
    assert "user" not in fields
    assert response.status_code == 302
    assert Cart.objects.filter(pk=cart.pk, user__isnull=True, token_hash=cart.token_hash).exists()


@pytest.mark.django_db
def test_the_admin_adds_no_cart_without_a_user(admin_browser):
    fields = admin_form(admin_browser, "/admin/store/cart/add/", "cart_form")

    response = admin_browser.post("/admin/store/cart/add/", {**fields, "user": "", "_save": "Save"})

    assert response.status_code == 200
    assert Cart.objects.count() == 0


# --- using it with X-Cart-Token -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_guest_adds_lists_changes_and_removes_lines(api_client, product):
    cart_token = api_client.post(GUEST).json()["cart_token"]
    guest = guest_client(cart_token)

    added = guest.post(CART, {"product_id": product.pk, "quantity": 2}, format="json")
    again = guest.post(CART, {"product_id": product.pk, "quantity": 1}, format="json")
    line_url = f"{CART}{added.json()['id']}/"
    listed = guest.get(CART)
    retrieved = guest.get(line_url)
    changed = guest.patch(line_url, {"quantity": 4}, format="json")
    summary = guest.get(SUMMARY)

    assert (added.status_code, again.status_code) == (201, 200)
    assert again.json()["quantity"] == 3
    assert [line["product_id"] for line in listed.json()["results"]] == [product.pk]
    assert retrieved.json()["quantity"] == 3
    assert changed.json()["quantity"] == 4
    assert [summary.json()[key] for key in ("lines", "quantity", "subtotal", "total")] == [1, 4, "79.96", "79.96"]
    assert guest.delete(line_url).status_code == 204
    emptied = guest.get(SUMMARY).json()
    assert [emptied[key] for key in ("lines", "quantity", "subtotal", "total", "items")] == [0, 0, "0.00", "0.00", []]
    assert CartItem.objects.count() == 0


@pytest.mark.django_db
def test_a_guest_sees_only_their_own_cart(product, customer):
    mine, _ = guest_cart((product, 1))
    theirs, their_cart = guest_cart((product, 2))
    fill_cart(customer, (product, 3))

    listed = guest_client(mine).get(CART).json()["results"]

    assert [line["quantity"] for line in listed] == [1]
    assert guest_client(theirs).get(SUMMARY).json()["quantity"] == 2


@pytest.mark.django_db
def test_a_change_pushes_the_expiry_ahead_and_a_read_does_not(product, settings):
    settings.GUEST_CART_DAYS = 30
    cart_token, cart = guest_cart()
    soon = timezone.now() + timedelta(hours=1)
    Cart.objects.filter(pk=cart.pk).update(expires_at=soon)

    guest_client(cart_token).get(CART)
    cart.refresh_from_db()
    assert cart.expires_at == soon

    guest_client(cart_token).post(CART, {"product_id": product.pk}, format="json")
    cart.refresh_from_db()
    assert cart.expires_at > timezone.now() + timedelta(days=29)


def _bad_tokens(product) -> dict[str, str]:
    """Tokens that open no cart, by kind; the live cart they are tried next to holds one line."""
    guest_cart((product, 1))
    expired, _ = guest_cart((product, 1), expired=True)
    merged_away, merged_cart = guest_cart()
    merged_cart.delete()
    return {
        "malformed": "not a token",
        "malformed-long": "x" * 10_000,
        "malformed-alphabet": "!" * 43,
        "empty": "",
        "unknown": "A" * 43,
        "expired": expired,
        "merged-away": merged_away,
    }


BAD_TOKEN_KINDS = ["malformed", "malformed-long", "malformed-alphabet", "empty", "unknown", "expired", "merged-away"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", CART, None),
        ("get", SUMMARY, None),
        ("post", CART, "add"),
        ("get", "line", None),
        ("patch", "line", {"quantity": 1}),
        ("delete", "line", None),
    ],
)
def test_a_token_that_opens_no_cart_is_404_and_changes_nothing(product, kind, method, path, body):
    tokens = _bad_tokens(product)
    line = CartItem.objects.filter(cart__expires_at__gt=timezone.now()).first()
    url = f"{CART}{line.pk}/" if path == "line" else path
    data = {"product_id": product.pk, "quantity": 1} if body == "add" else body
    before = world_state()

    response = getattr(guest_client(tokens[kind]), method)(url, data, format="json")

    assert response.status_code == 404
    assert response.json() == CART_NOT_FOUND
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method, body", [("get", None), ("patch", {"quantity": 1}), ("delete", None)])
def test_another_carts_line_is_404_through_a_guest_token(product, customer, method, body):
    cart_token, _ = guest_cart()
    _, other_cart = guest_cart((product, 2))
    [customer_line] = fill_cart(customer, (product, 3))
    other_line = CartItem.objects.get(cart=other_cart)
    before = world_state()

    for line in (other_line, customer_line):
        response = getattr(guest_client(cart_token), method)(f"{CART}{line.pk}/", body, format="json")
        assert response.status_code == 404

    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("path", [CART, SUMMARY])
def test_an_anonymous_caller_without_a_token_is_401(api_client, path):
    assert api_client.get(path).status_code == 401


@pytest.mark.django_db
def test_a_logged_in_customer_uses_their_own_cart_whatever_token_they_send(client_for, customer, product):
    cart_token, cart = guest_cart((product, 1))
    fill_cart(customer, (product, 2))
    client = client_for(customer)
    client.credentials(HTTP_X_CART_TOKEN=cart_token)

    listed = client.get(CART).json()["results"]
    added = client.post(CART, {"product_id": product.pk, "quantity": 1}, format="json")

    assert [line["quantity"] for line in listed] == [2]
    assert added.status_code == 200
    assert cart_state(customer) == [(product.pk, 3)]
    assert guest_state(cart) == [(product.pk, 1)]


@pytest.mark.django_db
def test_a_manager_sending_a_token_is_still_refused(client_for, manager, product):
    cart_token, cart = guest_cart((product, 1))
    client = client_for(manager)
    client.credentials(HTTP_X_CART_TOKEN=cart_token)

    assert client.get(CART).status_code == 403
    assert client.post(CART, {"product_id": product.pk}, format="json").status_code == 403
    assert guest_state(cart) == [(product.pk, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        pytest.param({"quantity": 6}, None, id="above-stock"),
        pytest.param({"quantity": 10**30}, "quantity", id="huge"),
        pytest.param({"quantity": -1}, "quantity", id="negative"),
        pytest.param({"quantity": "two"}, "quantity", id="wrong-type"),
        pytest.param({"product_id": 10**30}, "product_id", id="huge-product-id"),
        pytest.param({"product_id": "inactive"}, "product_id", id="inactive-product"),
        pytest.param({}, "product_id", id="missing-product"),
    ],
)
def test_a_guest_add_follows_the_cart_rules_and_changes_nothing_on_failure(product, body, field):
    inactive = ProductFactory(is_active=False, stock=10)
    cart_token, _ = guest_cart((product, 1))
    data = {"product_id": product.pk, **body}
    if data["product_id"] == "inactive":
        data["product_id"] = inactive.pk
    if not body:
        data = {}
    before = world_state()

    response = guest_client(cart_token).post(CART, data, format="json")

    assert response.status_code == 400
    if field is None:
        assert response.json()["code"] == "quantity_above_stock"
    else:
        assert field in response.json()
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", "12"])
def test_a_guest_add_rejects_malformed_json(product, payload):
    cart_token, cart = guest_cart()

    response = guest_client(cart_token).post(CART, payload, content_type="application/json")

    assert response.status_code == 400
    assert guest_state(cart) == []


@pytest.mark.django_db
def test_a_guest_cannot_raise_a_line_above_the_stock_or_of_a_withdrawn_product(product):
    cart_token, cart = guest_cart((product, 1))
    line = CartItem.objects.get(cart=cart)
    guest = guest_client(cart_token)

    above = guest.patch(f"{CART}{line.pk}/", {"quantity": 6}, format="json")
    product.is_active = False
    product.save()
    withdrawn = guest.patch(f"{CART}{line.pk}/", {"quantity": 1}, format="json")

    assert (above.status_code, withdrawn.status_code) == (400, 400)
    assert guest_state(cart) == [(product.pk, 1)]


@pytest.mark.django_db
def test_checkout_still_needs_an_account(product):
    cart_token, cart = guest_cart((product, 1))
    before = world_state()

    response = guest_client(cart_token).post("/api/checkout/", {}, format="json")

    assert response.status_code == 401
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [1, 20])
def test_guest_list_query_count_does_not_grow_with_lines(django_assert_max_num_queries, lines):
    cart_token, _ = guest_cart(*[(ProductFactory(), 1) for _ in range(lines)])

    with django_assert_max_num_queries(3):
        response = guest_client(cart_token).get(CART)

    assert response.json()["count"] == lines


# --- cleanup ------------------------------------------------------------------------------------------------


def _carts_of_every_kind(customer, product):
    """An expired guest cart with a line, an empty expired one, a live one and a customer's cart."""
    guest_cart((product, 1), expired=True)
    guest_cart(expired=True)
    _, live = guest_cart((product, 2))
    fill_cart(customer, (product, 3))
    return live


@pytest.mark.django_db
def test_cleanup_deletes_expired_guest_carts_with_their_lines_only(customer, product):
    live = _carts_of_every_kind(customer, product)

    assert guest_carts_delete_expired(batch_size=1) == 2

    assert set(Cart.objects.values_list("pk", flat=True)) == {live.pk, customer.cart.pk}
    assert sorted(CartItem.objects.values_list("quantity", flat=True)) == [2, 3]
    assert guest_carts_delete_expired() == 0


@pytest.mark.django_db
def test_cleanup_command(customer, product, capsys):
    _carts_of_every_kind(customer, product)

    call_command("guest_carts_cleanup")

    assert "Deleted 2 expired guest carts." in capsys.readouterr().out
    assert Cart.objects.count() == 2


@pytest.mark.django_db
def test_cleanup_task(customer, product, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    _carts_of_every_kind(customer, product)

    assert guest_carts_cleanup.delay().get() == 2
    assert Cart.objects.count() == 2


@pytest.mark.django_db
def test_the_cart_functions_refuse_to_guess_whose_cart(product):
    _, cart = guest_cart((product, 1))

    with pytest.raises(ValueError):
        cart_item_list()
    with pytest.raises(ValueError):
        cart_item_add(product=product, quantity=1)
    assert guest_state(cart) == [(product.pk, 1)]
