from decimal import Decimal

import pytest
from django.db import connection, transaction
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import ROLES
from core.tests.concurrency import run_concurrently, start_blocked_by_this_session
from store.errors import CartQuantityInvalid, ProductNotFound, ProductUnavailable, WishlistFull, WishlistItemNotFound
from store.models import CartItem, WishlistItem
from store.services.wishlist import wishlist_item_add, wishlist_item_move_to_cart, wishlist_item_remove
from store.tests.factories import ProductFactory
from store.tests.shopping import cart_state, fill_cart, world_state

WISHLIST = "/api/wishlist/"
MISSING = object()
ALLOWED = {"anonymous": 401, "customer": 200, "other_customer": 200, "manager": 403, "admin": 200}
# On a product saved by "customer" only: other shoppers do not have it in their wishlist.
ON_CUSTOMERS_ENTRY = {"anonymous": 401, "other_customer": 404, "manager": 403, "admin": 404}


def entry_url(product, action: str = "") -> str:
    return f"{WISHLIST}{product.pk}/{action}"


def save(user, *products) -> list[WishlistItem]:
    return [WishlistItem.objects.create(user=user, product=product) for product in products]


def wishlist_state(user) -> list[int]:
    """The user's saved product ids, newest first."""
    return list(
        WishlistItem.objects.filter(user=user).order_by("-created_at", "-id").values_list("product_id", flat=True)
    )


def everything() -> tuple:
    """What a failed wishlist request must leave untouched: products, carts, orders and every wishlist."""
    return world_state(), list(WishlistItem.objects.order_by("pk").values_list("pk", "user_id", "product_id"))


def timestamp(value) -> str:
    return serializers.DateTimeField().to_representation(value)


@pytest.fixture
def product(db):
    return ProductFactory(
        name="Teapot", slug="teapot", price=Decimal("25.00"), discount_price=Decimal("19.99"), stock=5
    )


# --- list -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_the_callers_products_newest_first_and_inactive_ones_as_unavailable(
    client_for, customer, other_customer, product
):
    retired = ProductFactory(name="Old mug", slug="old-mug", price=Decimal("8.50"), stock=0, is_active=False)
    teapot_entry, retired_entry = save(customer, product, retired)
    save(other_customer, ProductFactory())

    response = client_for(customer).get(WISHLIST)

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "product_id": retired.pk,
                "product": {
                    "id": retired.pk,
                    "slug": "old-mug",
                    "name": "Old mug",
                    "final_price": "8.50",
                    "in_stock": False,
                    "available": False,
                },
                "created_at": timestamp(retired_entry.created_at),
            },
            {
                "product_id": product.pk,
                "product": {
                    "id": product.pk,
                    "slug": "teapot",
                    "name": "Teapot",
                    "final_price": "19.99",
                    "in_stock": True,
                    "available": True,
                },
                "created_at": timestamp(teapot_entry.created_at),
            },
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_role_matrix(client_as, user_as, role):
    user = user_as(role)
    if user is not None:
        save(user, ProductFactory())

    response = client_as(role).get(WISHLIST)

    assert response.status_code == ALLOWED[role]
    if response.status_code == 200:
        assert response.json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("entries", [1, 30])
def test_list_query_count_does_not_grow_with_entries(client_for, customer, django_assert_max_num_queries, entries):
    save(customer, *[ProductFactory() for _ in range(entries)])

    with django_assert_max_num_queries(2):
        response = client_for(customer).get(WISHLIST, {"page_size": 50})

    assert len(response.json()["results"]) == entries


@pytest.mark.django_db
def test_list_is_paginated(client_for, customer):
    products = [ProductFactory() for _ in range(3)]
    save(customer, *products)

    response = client_for(customer).get(WISHLIST, {"page_size": 2, "page": 2})

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert [entry["product_id"] for entry in response.json()["results"]] == [products[0].pk]


# --- add --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_saves_a_product_once(client_for, customer, product):
    client = client_for(customer)

    first = client.post(WISHLIST, {"product_id": product.pk}, format="json")
    second = client.post(WISHLIST, {"product_id": product.pk}, format="json")

    assert first.status_code == 201
    assert first.json() == {
        "product_id": product.pk,
        "product": {
            "id": product.pk,
            "slug": "teapot",
            "name": "Teapot",
            "final_price": "19.99",
            "in_stock": True,
            "available": True,
        },
        "created_at": timestamp(WishlistItem.objects.get().created_at),
    }
    assert second.status_code == 200
    assert second.json() == first.json()
    assert wishlist_state(customer) == [product.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_add_role_matrix(user_as, client_for, product, role):
    user = user_as(role)

    response = client_for(user).post(WISHLIST, {"product_id": product.pk}, format="json")

    assert response.status_code == {**ALLOWED, "customer": 201, "other_customer": 201, "admin": 201}[role]
    assert WishlistItem.objects.count() == (1 if response.status_code == 201 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "product_id",
    [
        pytest.param(MISSING, id="missing"),
        pytest.param(999_999, id="unknown"),
        pytest.param(2**63 - 1, id="largest-bigint-unknown"),
        pytest.param(2**63, id="past-bigint"),
        pytest.param(10**30, id="huge"),
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param("teapot", id="not-a-number"),
        pytest.param(None, id="null"),
        pytest.param(True, id="bool"),
        pytest.param(1.5, id="fraction"),
        pytest.param([1], id="list"),
        pytest.param({"id": 1}, id="object"),
        pytest.param("x" * 10_000, id="huge-string"),
    ],
)
def test_add_rejects_bad_product_ids_and_changes_nothing(client_for, customer, product, product_id):
    save(customer, product)
    before = everything()
    payload = {} if product_id is MISSING else {"product_id": product_id}

    response = client_for(customer).post(WISHLIST, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["product_id"]
    assert everything() == before


@pytest.mark.django_db
def test_add_refuses_a_product_no_longer_for_sale(client_for, customer, product):
    product.is_active = False
    product.save()

    response = client_for(customer).post(WISHLIST, {"product_id": product.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"product_id": ["No product for sale with this id."]}
    assert wishlist_state(customer) == []


@pytest.mark.django_db
def test_add_of_a_saved_product_no_longer_for_sale_is_200(client_for, customer, product):
    save(customer, product)
    product.is_active = False
    product.save()

    response = client_for(customer).post(WISHLIST, {"product_id": product.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["product"]["available"] is False
    assert wishlist_state(customer) == [product.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"text"', "12"])
def test_add_rejects_malformed_or_non_object_json(client_for, customer, payload):
    response = client_for(customer).post(WISHLIST, payload, content_type="application/json")

    assert response.status_code == 400
    assert WishlistItem.objects.count() == 0


@pytest.mark.django_db
def test_add_beyond_the_cap_is_409_and_saves_nothing(settings, client_for, customer, other_customer):
    settings.WISHLIST_MAX_ITEMS = 2
    saved = [ProductFactory(), ProductFactory()]
    save(customer, *saved)
    save(other_customer, ProductFactory(), ProductFactory())
    another = ProductFactory()
    before = everything()

    response = client_for(customer).post(WISHLIST, {"product_id": another.pk}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Your wishlist holds 2 products, the most it can; remove one before saving another.",
        "code": "wishlist_full",
        "limit": 2,
    }
    assert everything() == before
    # A product already saved is still answered as saved, and another customer's list does not count.
    assert client_for(customer).post(WISHLIST, {"product_id": saved[0].pk}, format="json").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_saves_of_one_product_all_succeed_with_one_entry():
    shopper = UserFactory()
    product = ProductFactory()

    def add():
        client = APIClient()
        client.force_authenticate(shopper)
        return client.post(WISHLIST, {"product_id": product.pk}, format="json").status_code

    statuses = run_concurrently(*[add] * 6)

    assert sorted(statuses) == [200] * 5 + [201]
    assert wishlist_state(shopper) == [product.pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_saves_at_the_cap_never_exceed_it(settings):
    settings.WISHLIST_MAX_ITEMS = 3
    shopper = UserFactory()
    save(shopper, ProductFactory(), ProductFactory())
    candidates = [ProductFactory() for _ in range(20)]

    def adding(product):
        def add():
            client = APIClient()
            client.force_authenticate(shopper)
            return client.post(WISHLIST, {"product_id": product.pk}, format="json").status_code

        return add

    statuses = run_concurrently(*[adding(product) for product in candidates])

    assert sorted(statuses) == [201] + [409] * 19
    assert WishlistItem.objects.filter(user=shopper).count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_a_save_waits_for_another_save_of_the_same_customer_so_the_cap_holds(settings):
    settings.WISHLIST_MAX_ITEMS = 2
    shopper = UserFactory()
    (already,) = save(shopper, ProductFactory())
    first, second = ProductFactory(), ProductFactory()
    statuses = []

    def save_second():
        client = APIClient()
        client.force_authenticate(shopper)
        statuses.append(client.post(WISHLIST, {"product_id": second.pk}, format="json").status_code)
        connection.close()

    with transaction.atomic():
        wishlist_item_add(user=shopper, product_id=first.pk)
        # The second save must wait for this one to commit: counted before it, both would fit under the cap.
        waiting = start_blocked_by_this_session(save_second, "the second save")
    waiting.join()

    assert statuses == [409]
    assert wishlist_state(shopper) == [first.pk, already.product_id]


# --- remove -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_remove_deletes_the_entry_then_answers_404(client_for, customer, product):
    keep = ProductFactory()
    save(customer, product, keep)
    client = client_for(customer)

    first = client.delete(entry_url(product))
    second = client.delete(entry_url(product))

    assert first.status_code == 204
    assert second.status_code == 404
    assert second.json() == {"detail": "This product is not in your wishlist.", "code": "not_found"}
    assert wishlist_state(customer) == [keep.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_remove_role_matrix(client_as, customer, product, role):
    save(customer, product)

    response = client_as(role).delete(entry_url(product))

    assert response.status_code == {**ON_CUSTOMERS_ENTRY, "customer": 204}[role]
    assert wishlist_state(customer) == ([] if response.status_code == 204 else [product.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["999999/", f"{2**63 - 1}/", f"{10**30}/", "abc/", "-1/", "0/"])
def test_unknown_or_malformed_product_ids_are_404(client_for, customer, product, path):
    save(customer, product)
    before = everything()
    client = client_for(customer)

    assert client.delete(WISHLIST + path).status_code == 404
    assert client.post(WISHLIST + path + "move-to-cart/", {}, format="json").status_code == 404
    assert everything() == before


@pytest.mark.django_db
def test_deleting_a_product_removes_it_from_every_wishlist(customer, other_customer, product):
    keep = ProductFactory()
    save(customer, product, keep)
    save(other_customer, product)

    product.delete()

    assert wishlist_state(customer) == [keep.pk]
    assert wishlist_state(other_customer) == []


# --- move to cart -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_move_to_cart_adds_a_line_and_removes_the_entry(client_for, customer, product):
    keep = ProductFactory()
    save(customer, product, keep)

    response = client_for(customer).post(entry_url(product, "move-to-cart/"), {"quantity": 2}, format="json")

    assert response.status_code == 201
    (line_id,) = customer.cart.items.values_list("pk", flat=True)
    assert response.json() == {
        "id": line_id,
        "product": {"id": product.pk, "slug": "teapot", "name": "Teapot", "final_price": "19.99", "stock": 5},
        "product_id": product.pk,
        "quantity": 2,
        "unit_price": "19.99",
        "line_total": "39.98",
    }
    assert cart_state(customer) == [(product.pk, 2)]
    assert wishlist_state(customer) == [keep.pk]


@pytest.mark.django_db
def test_move_to_cart_moves_one_without_a_body(client_for, customer, product):
    save(customer, product)

    response = client_for(customer).post(entry_url(product, "move-to-cart/"))

    assert response.status_code == 201
    assert cart_state(customer) == [(product.pk, 1)]
    assert wishlist_state(customer) == []


@pytest.mark.django_db
def test_move_to_cart_merges_into_the_products_line(client_for, customer, product):
    fill_cart(customer, (product, 2))
    save(customer, product)

    response = client_for(customer).post(entry_url(product, "move-to-cart/"), {"quantity": 3}, format="json")

    assert response.status_code == 200
    assert response.json()["quantity"] == 5
    assert cart_state(customer) == [(product.pk, 5)]
    assert wishlist_state(customer) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("in_cart", "moving"), [(0, 6), (3, 3)], ids=["new-line", "merged-total"])
def test_move_to_cart_above_the_stock_changes_nothing(client_for, customer, product, in_cart, moving):
    if in_cart:
        fill_cart(customer, (product, in_cart))
    save(customer, product)
    before = everything()

    response = client_for(customer).post(entry_url(product, "move-to-cart/"), {"quantity": moving}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Only 5 of this product in stock; {in_cart} already in the cart.",
        "code": "quantity_above_stock",
        "items": [{"product_id": product.pk, "requested": in_cart + moving, "available": 5}],
    }
    assert everything() == before


@pytest.mark.django_db
def test_move_to_cart_of_a_product_out_of_stock_changes_nothing(client_for, customer):
    sold_out = ProductFactory(stock=0)
    save(customer, sold_out)
    before = everything()

    response = client_for(customer).post(entry_url(sold_out, "move-to-cart/"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "quantity_above_stock"
    assert everything() == before


@pytest.mark.django_db
def test_move_to_cart_of_a_product_no_longer_for_sale_is_409_and_keeps_it_saved(client_for, customer, product):
    save(customer, product)
    product.is_active = False
    product.save()
    before = everything()

    response = client_for(customer).post(entry_url(product, "move-to-cart/"), {"quantity": 2}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This product is no longer for sale.",
        "code": "product_unavailable",
        "items": [{"product_id": product.pk, "requested": 2, "available": 0}],
    }
    assert everything() == before


@pytest.mark.django_db
def test_move_to_cart_of_a_product_not_saved_is_404_even_if_it_is_in_the_cart(client_for, customer, product):
    fill_cart(customer, (product, 1))
    before = everything()

    response = client_for(customer).post(entry_url(product, "move-to-cart/"), format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "This product is not in your wishlist.", "code": "not_found"}
    assert everything() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_move_to_cart_role_matrix(client_as, customer, product, role):
    save(customer, product)

    response = client_as(role).post(entry_url(product, "move-to-cart/"), format="json")

    assert response.status_code == {**ON_CUSTOMERS_ENTRY, "customer": 201}[role]
    moved = response.status_code == 201
    assert wishlist_state(customer) == ([] if moved else [product.pk])
    assert cart_state(customer) == ([(product.pk, 1)] if moved else [])
    assert CartItem.objects.count() == (1 if moved else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "quantity",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(2**31, id="past-integer"),
        pytest.param(10**30, id="huge"),
        pytest.param("two", id="non-numeric"),
        pytest.param(None, id="null"),
        pytest.param(True, id="bool"),
        pytest.param(1.5, id="fraction"),
        pytest.param([1], id="list"),
    ],
)
def test_move_to_cart_rejects_bad_quantities_and_changes_nothing(client_for, customer, product, quantity):
    save(customer, product)
    before = everything()

    response = client_for(customer).post(entry_url(product, "move-to-cart/"), {"quantity": quantity}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["quantity"]
    assert everything() == before


@pytest.mark.django_db
@pytest.mark.parametrize("payload", ["{not json", "[]", "null"])
def test_move_to_cart_rejects_malformed_json_and_changes_nothing(client_for, customer, product, payload):
    save(customer, product)
    before = everything()

    response = client_for(customer).post(entry_url(product, "move-to-cart/"), payload, content_type="application/json")

    assert response.status_code == 400
    assert everything() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_moves_of_one_entry_add_it_to_the_cart_once():
    shopper = UserFactory()
    product = ProductFactory(stock=10)
    save(shopper, product)

    def move():
        client = APIClient()
        client.force_authenticate(shopper)
        return client.post(entry_url(product, "move-to-cart/"), {"quantity": 2}, format="json").status_code

    statuses = run_concurrently(*[move] * 4)

    assert sorted(statuses) == [201] + [404] * 3
    assert cart_state(shopper) == [(product.pk, 2)]
    assert wishlist_state(shopper) == []


# --- services ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_service_add_names_the_field_of_a_product_not_for_sale(customer):
    retired = ProductFactory(is_active=False)

    with pytest.raises(ProductNotFound) as refused:
        wishlist_item_add(user=customer, product_id=retired.pk)

    assert refused.value.field == "product_id"
    assert wishlist_state(customer) == []


@pytest.mark.django_db
def test_service_add_at_the_cap_reports_the_limit(settings, customer):
    settings.WISHLIST_MAX_ITEMS = 1
    save(customer, ProductFactory())

    with pytest.raises(WishlistFull) as refused:
        wishlist_item_add(user=customer, product_id=ProductFactory().pk)

    assert refused.value.data == {"limit": 1}
    assert WishlistItem.objects.filter(user=customer).count() == 1


@pytest.mark.django_db
def test_service_remove_of_an_entry_not_saved_raises_not_found(customer, other_customer, product):
    save(other_customer, product)

    with pytest.raises(WishlistItemNotFound):
        wishlist_item_remove(user=customer, product_id=product.pk)

    assert wishlist_state(other_customer) == [product.pk]


@pytest.mark.django_db
def test_service_move_applies_the_carts_stock_rule_and_keeps_the_entry(customer, product):
    save(customer, product)

    with pytest.raises(CartQuantityInvalid):
        wishlist_item_move_to_cart(user=customer, product_id=product.pk, quantity=6)

    assert wishlist_state(customer) == [product.pk]
    assert cart_state(customer) == []


@pytest.mark.django_db
def test_service_move_of_a_product_no_longer_for_sale_keeps_the_entry(customer, product):
    save(customer, product)
    product.is_active = False
    product.save()

    with pytest.raises(ProductUnavailable):
        wishlist_item_move_to_cart(user=customer, product_id=product.pk, quantity=1)

    assert wishlist_state(customer) == [product.pk]
    assert cart_state(customer) == []
