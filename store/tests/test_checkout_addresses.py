"""Checkout to a saved address: `address_id`, the default shipping address, the profile, and the order's copy."""

from decimal import Decimal

import pytest

from accounts.models import Address
from conftest import ROLES
from store.models import Order
from store.tests.factories import ProductFactory
from store.tests.shopping import cart_state, fill_cart, world_state

CHECKOUT = "/api/checkout/"
HOME = {
    "label": "Home",
    "name": "Amina Wanjiru",
    "phone": "+254 700 000 000",
    "line1": "12 Moi Avenue",
    "line2": "Flat 4B",
    "city": "Nairobi",
    "region": "Nairobi County",
    "country": "KE",
    "postal_code": "00100",
}
SHIPPING_FIELDS = ["name", "phone", "address", "line2", "city", "region", "country", "postal_code"]


def save(user, **fields) -> Address:
    return Address.objects.create(user=user, **{**HOME, **fields})


def shipping_of(order: Order) -> dict:
    return {field: getattr(order, field) for field in SHIPPING_FIELDS}


def copied(address: Address) -> dict:
    """The order's shipping fields expected from this address."""
    return {
        "name": address.name,
        "phone": address.phone,
        "address": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "country": address.country,
        "postal_code": address.postal_code,
    }


@pytest.fixture
def teapot(db):
    return ProductFactory(name="Teapot", price=Decimal("25.00"), stock=5)


@pytest.fixture
def profile_shipping(customer):
    customer.first_name, customer.last_name = "Carol", "Njeri"
    customer.save()
    profile = customer.profile
    profile.phone, profile.address, profile.city = "+254700000001", "1 Kenyatta Avenue", "Mombasa"
    profile.country, profile.postal_code = "Kenya", "80100"
    profile.save()
    return profile


@pytest.mark.django_db
def test_checkout_copies_the_chosen_address_onto_the_order(client_for, customer, profile_shipping, teapot):
    save(customer, is_default_shipping=True, label="Default", line1="99 Default Road")
    office = save(customer, label="Office", name="Amina at work", line1="1 Harambee Avenue", region="", line2="")
    fill_cart(customer, (teapot, 1))

    response = client_for(customer).post(CHECKOUT, {"address_id": office.pk}, format="json")

    assert response.status_code == 201
    order = Order.objects.get()
    assert shipping_of(order) == copied(office)
    assert {field: response.json()[field] for field in SHIPPING_FIELDS} == copied(office)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"address_id": None}], ids=["omitted", "null"])
def test_without_an_address_id_the_default_address_is_used(client_for, customer, profile_shipping, teapot, body):
    save(customer, label="Office", line1="1 Harambee Avenue")
    home = save(customer, is_default_shipping=True)
    fill_cart(customer, (teapot, 1))

    response = client_for(customer).post(CHECKOUT, body, format="json")

    assert response.status_code == 201
    assert shipping_of(Order.objects.get()) == copied(home)


@pytest.mark.django_db
def test_without_a_default_address_the_profile_is_used(client_for, customer, profile_shipping, teapot):
    save(customer, label="Not the default")
    fill_cart(customer, (teapot, 1))

    response = client_for(customer).post(CHECKOUT, format="json")

    assert response.status_code == 201
    assert shipping_of(Order.objects.get()) == {
        "name": "Carol Njeri",
        "phone": "+254700000001",
        "address": "1 Kenyatta Avenue",
        "line2": "",
        "city": "Mombasa",
        "region": "",
        "country": "Kenya",
        "postal_code": "80100",
    }


@pytest.mark.django_db
def test_editing_or_deleting_the_address_never_changes_the_order(client_for, customer, teapot):
    home = save(customer, is_default_shipping=True)
    fill_cart(customer, (teapot, 1))
    client = client_for(customer)
    order_id = client.post(CHECKOUT, {"address_id": home.pk}, format="json").json()["id"]
    placed = shipping_of(Order.objects.get(pk=order_id))
    assert placed == copied(home)

    edit = {"name": "Someone Else", "line1": "5 Other Street", "city": "Kisumu", "country": "UG", "phone": "123456"}
    assert client.patch(f"/api/addresses/{home.pk}/", edit, format="json").status_code == 200
    assert shipping_of(Order.objects.get(pk=order_id)) == placed
    assert client.delete(f"/api/addresses/{home.pk}/").status_code == 204

    assert shipping_of(Order.objects.get(pk=order_id)) == placed
    shown = client.get(f"/api/orders/{order_id}/").json()
    assert {field: shown[field] for field in SHIPPING_FIELDS} == placed


@pytest.mark.django_db
def test_an_idempotent_retry_returns_the_first_order_even_if_the_address_is_gone(client_for, customer, teapot):
    home = save(customer)
    fill_cart(customer, (teapot, 1))
    client = client_for(customer)
    first = client.post(CHECKOUT, {"address_id": home.pk}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    home.delete()

    retry = client.post(CHECKOUT, {"address_id": home.pk}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["address"] == "12 Moi Avenue"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_another_users_address_is_404_for_everyone_but_its_owner(client_as, user_as, customer, teapot, role):
    address = save(customer)
    user = user_as(role)
    if user is not None:
        fill_cart(user, (teapot, 1))
    before = world_state()

    response = client_as(role).post(CHECKOUT, {"address_id": address.pk}, format="json")

    expected = {"anonymous": 401, "customer": 201, "other_customer": 404, "manager": 403, "admin": 404}[role]
    assert response.status_code == expected
    if expected == 404:
        assert response.json() == {"detail": "No such address in your address book.", "code": "not_found"}
    if expected != 201:
        assert world_state() == before
        if user is not None:
            assert cart_state(user) == [(teapot.pk, 1)]


@pytest.mark.django_db
def test_an_unknown_address_is_404_and_changes_nothing(client_for, customer, teapot):
    fill_cart(customer, (teapot, 1))
    before = world_state()

    response = client_for(customer).post(CHECKOUT, {"address_id": 2**63 - 1}, format="json")

    assert response.status_code == 404
    assert world_state() == before
    assert cart_state(customer) == [(teapot.pk, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("address_id", [0, -1, 2**63, 10**40, "abc", "1.5", 1.5, True, [1], {"id": 1}, ""])
def test_a_malformed_address_id_is_400_and_changes_nothing(client_for, customer, teapot, address_id):
    save(customer, is_default_shipping=True)
    fill_cart(customer, (teapot, 1))
    before = world_state()

    response = client_for(customer).post(CHECKOUT, {"address_id": address_id}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["address_id"]
    assert world_state() == before


@pytest.mark.django_db
def test_an_empty_cart_is_reported_before_the_address(client_for, customer):
    response = client_for(customer).post(CHECKOUT, {"address_id": 999}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "cart_empty"


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", [True, False], ids=["address_id", "default"])
def test_checkout_to_an_address_keeps_the_query_budget(
    client_for, customer, teapot, django_assert_max_num_queries, chosen
):
    home = save(customer, is_default_shipping=True)
    fill_cart(customer, *[(ProductFactory(), 1) for _ in range(5)])

    with django_assert_max_num_queries(16):
        response = client_for(customer).post(CHECKOUT, {"address_id": home.pk} if chosen else {}, format="json")

    assert response.status_code == 201
