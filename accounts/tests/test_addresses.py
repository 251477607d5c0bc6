import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from accounts.countries import COUNTRY_CODES
from accounts.models import Address
from accounts.tests.factories import UserFactory
from conftest import ROLES
from core.blacklist import local_guard
from core.tests.concurrency import run_concurrently

ADDRESSES = "/api/addresses/"
ALLOWED = {"anonymous": 401, "customer": 200, "other_customer": 200, "manager": 403, "admin": 200}
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
REQUIRED = ["name", "phone", "line1", "city", "country"]


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries, settings):
    """The endpoint's own queries, as in store/tests/conftest.py: request logging off, the blacklist loaded."""
    settings.REQUEST_LOGGING_ENABLED = False
    local_guard.is_blocked("127.0.0.1")
    return django_assert_max_num_queries


def url(address) -> str:
    return f"{ADDRESSES}{address if isinstance(address, int | str) else address.pk}/"


def save(user, **fields) -> Address:
    """An address stored directly, as a fixture: `HOME` with `fields` changed."""
    return Address.objects.create(user=user, **{**HOME, **fields})


def book_state() -> list[tuple]:
    """Every stored address, for the tests that a failed request changes nothing."""
    return list(Address.objects.order_by("pk").values_list(*[f.attname for f in Address._meta.concrete_fields]))


def defaults_of(user) -> list[int]:
    return list(Address.objects.filter(user=user, is_default_shipping=True).values_list("pk", flat=True))


# --- who may use the address book -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_by_role_shows_only_the_callers_addresses(client_as, user_as, customer, role):
    save(customer, label="Carol's")
    own = save(user_as(role), label="Mine") if ALLOWED[role] == 200 and role != "customer" else None

    response = client_as(role).get(ADDRESSES)

    assert response.status_code == ALLOWED[role]
    if response.status_code == 200:
        labels = [address["label"] for address in response.json()["results"]]
        assert labels == (["Carol's"] if role == "customer" else [own.label])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_create_by_role(client_as, user_as, role):
    before = book_state()

    response = client_as(role).post(ADDRESSES, HOME, format="json")

    assert response.status_code == {200: 201}.get(ALLOWED[role], ALLOWED[role])
    if response.status_code == 201:
        assert list(Address.objects.values_list("user", flat=True)) == [user_as(role).pk]
    else:
        assert response.json()["code"] in ("not_authenticated", "permission_denied")
        assert book_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "body"), [("get", None), ("patch", {"label": "Taken"}), ("delete", None)], ids=["get", "patch", "delete"]
)
def test_only_the_owner_reaches_an_address_by_id(client_as, customer, role, method, body):
    address = save(customer)
    before = book_state()

    response = getattr(client_as(role), method)(url(address), body, format="json")

    expected = {"customer": {"get": 200, "patch": 200, "delete": 204}[method], "other_customer": 404, "admin": 404}
    assert response.status_code == expected.get(role, ALLOWED[role])
    if role != "customer":
        assert book_state() == before
    if role in ("other_customer", "admin"):
        assert response.json() == {"detail": "No such address in your address book.", "code": "not_found"}


# --- happy paths ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_returns_the_address_and_the_first_one_becomes_the_default(client_for, customer):
    response = client_for(customer).post(ADDRESSES, {**HOME, "country": "ke"}, format="json")

    assert response.status_code == 201
    body = response.json()
    address = Address.objects.get()
    assert {key: body.pop(key) for key in ("id", "created_at", "updated_at")}["id"] == address.pk
    assert body == {**HOME, "country": "KE", "is_default_shipping": True}
    assert (address.user, address.country, address.is_default_shipping) == (customer, "KE", True)


@pytest.mark.django_db
def test_later_addresses_are_not_the_default_unless_asked(client_for, customer):
    client = client_for(customer)
    first = client.post(ADDRESSES, HOME, format="json").json()["id"]
    second = client.post(ADDRESSES, {**HOME, "label": "Office"}, format="json").json()["id"]
    assert defaults_of(customer) == [first]

    third = client.post(ADDRESSES, {**HOME, "label": "Cottage", "is_default_shipping": True}, format="json")

    assert third.status_code == 201
    assert defaults_of(customer) == [third.json()["id"]]
    assert Address.objects.get(pk=second).is_default_shipping is False


@pytest.mark.django_db
def test_first_address_saved_as_not_default_stays_so(client_for, customer):
    response = client_for(customer).post(ADDRESSES, {**HOME, "is_default_shipping": False}, format="json")

    assert response.status_code == 201
    assert defaults_of(customer) == []


@pytest.mark.django_db
def test_optional_fields_may_be_left_out(client_for, customer):
    required = {key: HOME[key] for key in REQUIRED}

    response = client_for(customer).post(ADDRESSES, required, format="json")

    assert response.status_code == 201
    assert {key: response.json()[key] for key in ("label", "line2", "region", "postal_code")} == dict.fromkeys(
        ("label", "line2", "region", "postal_code"), ""
    )


@pytest.mark.django_db
def test_retrieve_shows_one_address(client_for, customer):
    address = save(customer, is_default_shipping=True)

    response = client_for(customer).get(url(address))

    assert response.status_code == 200
    assert response.json()["id"] == address.pk
    assert response.json()["is_default_shipping"] is True


@pytest.mark.django_db
def test_patch_changes_only_the_fields_given(client_for, customer):
    address = save(customer)

    response = client_for(customer).patch(url(address), {"phone": "0711-000-111", "country": "tz"}, format="json")

    assert response.status_code == 200
    address.refresh_from_db()
    assert (address.phone, address.country, address.line1, address.label) == (
        "0711-000-111",
        "TZ",
        "12 Moi Avenue",
        "Home",
    )
    assert response.json()["phone"] == "0711-000-111"


@pytest.mark.django_db
def test_making_an_address_the_default_unsets_the_previous_one(client_for, customer, other_customer):
    home = save(customer, is_default_shipping=True)
    office = save(customer, label="Office")
    theirs = save(other_customer, is_default_shipping=True)

    response = client_for(customer).patch(url(office), {"is_default_shipping": True}, format="json")

    assert response.status_code == 200
    assert response.json()["is_default_shipping"] is True
    assert defaults_of(customer) == [office.pk]
    assert defaults_of(other_customer) == [theirs.pk]
    home.refresh_from_db()
    assert home.is_default_shipping is False


@pytest.mark.django_db
def test_unsetting_or_deleting_the_default_leaves_none(client_for, customer):
    home, office = save(customer, is_default_shipping=True), save(customer, label="Office")
    client = client_for(customer)

    assert client.patch(url(home), {"is_default_shipping": False}, format="json").status_code == 200
    assert defaults_of(customer) == []
    assert client.patch(url(office), {"is_default_shipping": True}, format="json").status_code == 200
    assert client.delete(url(office)).status_code == 204

    assert defaults_of(customer) == []
    assert list(Address.objects.values_list("pk", flat=True)) == [home.pk]


@pytest.mark.django_db
def test_list_puts_the_default_first_then_the_newest(client_for, customer):
    older, default, newer = (
        save(customer, label="older"),
        save(customer, label="default"),
        save(customer, label="newer"),
    )
    Address.objects.filter(pk=default.pk).update(is_default_shipping=True)

    response = client_for(customer).get(ADDRESSES)

    assert [address["id"] for address in response.json()["results"]] == [default.pk, newer.pk, older.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_list_is_paginated_with_a_constant_query_count(client_for, customer, django_assert_max_num_queries, count):
    Address.objects.bulk_create(Address(user=customer, **{**HOME, "label": f"#{n}"}) for n in range(count))

    with django_assert_max_num_queries(2):  # the count and the page
        response = client_for(customer).get(ADDRESSES, {"page_size": 20})

    assert response.status_code == 200
    assert response.json()["count"] == count
    assert len(response.json()["results"]) == min(count, 20)


@pytest.mark.django_db
def test_put_is_not_allowed(client_for, customer):
    address = save(customer)

    response = client_for(customer).put(url(address), HOME, format="json")

    assert response.status_code == 405
    assert book_state()[0][0] == address.pk


# --- bad input: a 4xx and nothing changed -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field", REQUIRED)
def test_create_requires_each_required_field(client_for, customer, field):
    body = {key: value for key, value in HOME.items() if key != field}

    response = client_for(customer).post(ADDRESSES, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Address.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", ["Amina"]),
        ("line1", {"street": "Moi Avenue"}),
        ("city", None),
        ("label", "x" * 51),
        ("name", "x" * 151),
        ("line1", "x" * 256),
        ("line2", "x" * 10_000),
        ("city", "x" * 101),
        ("region", "x" * 101),
        ("postal_code", "x" * 21),
        ("line1", "12 Moi\x00Avenue"),
        ("country", "XX"),
        ("country", "KEN"),
        ("country", "Kenya"),
        ("country", "K"),
        ("country", 254),
        ("country", ""),
        ("phone", "12345"),
        ("phone", "1" * 21),
        ("phone", "+254 (700) 000 000"),
        ("phone", "254+700000000"),
        ("phone", "call me"),
        ("phone", "٠١٢٣٤٥٦٧٨٩"),
        ("is_default_shipping", "sometimes"),
        ("is_default_shipping", [True]),
    ],
)
def test_create_rejects_invalid_values(client_for, customer, field, value):
    save(customer, is_default_shipping=True)
    before = book_state()

    response = client_for(customer).post(ADDRESSES, {**HOME, field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert book_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["+254700000000", "0700 000 000", "+1-202-555-0143", "123456", "1" * 20])
def test_phone_numbers_of_six_to_twenty_digits_are_accepted(client_for, customer, phone):
    response = client_for(customer).post(ADDRESSES, {**HOME, "phone": phone}, format="json")

    assert response.status_code == 201
    assert Address.objects.get().phone == phone


def test_the_country_list_holds_the_249_iso_codes():
    assert len(COUNTRY_CODES) == 249
    assert all(len(code) == 2 and code.isascii() and code.isupper() for code in COUNTRY_CODES)


@pytest.mark.django_db
@pytest.mark.parametrize(("given", "stored"), [("ss", "SS"), ("AX", "AX"), ("bq", "BQ"), (" gb ", "GB")])
def test_country_codes_are_accepted_in_any_case(client_for, customer, given, stored):
    response = client_for(customer).post(ADDRESSES, {**HOME, "country": given}, format="json")

    assert response.status_code == 201
    assert response.json()["country"] == stored


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("country", "ZZ"), ("phone", "12"), ("name", ""), ("line1", "x" * 256)])
def test_patch_rejects_invalid_values(client_for, customer, field, value):
    address = save(customer)
    before = book_state()

    response = client_for(customer).patch(url(address), {field: value, "label": "Changed"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert book_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "patch"])
@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"text"', "12"])
def test_malformed_or_non_object_json_is_rejected(client_for, customer, method, payload):
    address = save(customer)
    before = book_state()
    target = ADDRESSES if method == "post" else url(address)

    response = getattr(client_for(customer), method)(target, payload, content_type="application/json")

    assert response.status_code == 400
    assert book_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("address_id", ["0", "999999", "9" * 18, "9" * 19, "9" * 40, "-1", "abc"])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_or_malformed_ids_are_404(client_for, customer, address_id, method):
    save(customer)
    before = book_state()

    response = getattr(client_for(customer), method)(url(address_id), {"label": "x"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert book_state() == before


# --- the cap ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_full_address_book_refuses_another_address(client_for, customer, other_customer, settings):
    settings.MAX_ADDRESSES_PER_USER = 2
    save(customer), save(customer, label="Office")
    before = book_state()

    response = client_for(customer).post(ADDRESSES, HOME, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Your address book holds 2 addresses, the most allowed; delete one before adding another.",
        "code": "too_many_addresses",
        "limit": 2,
    }
    assert book_state() == before
    assert client_for(other_customer).post(ADDRESSES, HOME, format="json").status_code == 201


# --- the one-default rule in the database and under concurrency ---------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_second_default_for_one_user(customer, other_customer):
    save(customer, is_default_shipping=True)
    save(other_customer, is_default_shipping=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        save(customer, is_default_shipping=True)


@pytest.mark.django_db
def test_the_database_refuses_a_country_that_is_not_a_code(customer):
    with pytest.raises(IntegrityError), transaction.atomic():
        save(customer, country="ke")


def patch_as(user, path: str, body: dict):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.patch(path, body, format="json").status_code

    return call


def post_as(user, path: str, body: dict):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(path, body, format="json").status_code

    return call


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_make_default_requests_leave_exactly_one_default():
    user = UserFactory()
    addresses = [save(user, label=f"#{n}", is_default_shipping=n == 0) for n in range(8)]

    statuses = run_concurrently(*[patch_as(user, url(a), {"is_default_shipping": True}) for a in addresses[1:]])

    assert statuses == [200] * 7
    assert len(defaults_of(user)) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_concurrent_first_addresses_make_one_default_and_respect_the_cap(settings):
    settings.MAX_ADDRESSES_PER_USER = 3
    user = UserFactory()

    statuses = run_concurrently(*[post_as(user, ADDRESSES, {**HOME, "label": f"#{n}"}) for n in range(8)])

    assert sorted(statuses) == [201] * 3 + [409] * 5
    assert Address.objects.filter(user=user).count() == 3
    assert len(defaults_of(user)) == 1
