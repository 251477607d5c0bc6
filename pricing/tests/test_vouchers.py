"""Vouchers on the cart: precise refusals, throttled guessing, and limits that hold under concurrency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import ROLES
from core.tests.concurrency import run_concurrently
from pricing.models import VoucherUse
from pricing.tests.factories import VoucherFactory
from store.models import Cart, Order
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.shopping import fill_cart, place_order, stock_of, world_state

VOUCHER = "/api/cart/voucher/"
D = Decimal


def cart_voucher(user) -> str | None:
    cart = Cart.objects.filter(user=user).select_related("voucher").first()
    return cart.voucher.code if cart and cart.voucher else None


@pytest.fixture
def skillet(db):
    return ProductFactory(price=D("34.90"), stock=100)


@pytest.mark.django_db
def test_a_voucher_applies_in_any_letter_case_and_is_removed(client_for, customer, skillet):
    VoucherFactory(code="Karibu10")
    fill_cart(customer, (skillet, 2))

    applied = client_for(customer).post(VOUCHER, {"code": "  KARIBU10 "}, format="json")

    assert applied.status_code == 200
    assert (applied.json()["discount"], applied.json()["total"]) == ("6.98", "62.82")
    assert cart_voucher(customer) == "Karibu10"
    assert client_for(customer).delete(VOUCHER).status_code == 204
    assert cart_voucher(customer) is None


def expired(**fields):
    return VoucherFactory(valid_until=timezone.now() - timedelta(minutes=1), **fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make, code",
    [
        (lambda: VoucherFactory(code="GONE", is_active=False), "voucher_invalid"),
        (lambda: expired(code="GONE"), "voucher_expired"),
        (lambda: VoucherFactory(code="GONE", valid_from=timezone.now() + timedelta(days=1)), "voucher_not_started"),
        (lambda: VoucherFactory(code="GONE", min_subtotal=D("1000.00")), "voucher_below_minimum"),
        (lambda: VoucherFactory(code="GONE", usage_limit=1), "voucher_used_up"),
        (lambda: VoucherFactory(code="GONE", per_customer_limit=1), "voucher_used_up"),
        (lambda: VoucherFactory(code="GONE", kind="fixed", value=D("5")), "voucher_not_applicable"),
        (lambda: None, "voucher_invalid"),
    ],
    ids=["inactive", "expired", "not-started", "below-minimum", "used-up", "used-up-by-you", "other-products", "none"],
)
def test_a_voucher_that_cannot_be_used_is_refused_with_a_precise_code(client_for, customer, skillet, make, code):
    voucher = make()
    if voucher is not None and voucher.usage_limit or voucher is not None and voucher.per_customer_limit:
        place_order(customer, (skillet, 1))
        VoucherUse.objects.create(voucher=voucher, order=Order.objects.get(), user=customer)
    if code == "voucher_not_applicable":
        voucher.categories.add(CategoryFactory())
    fill_cart(customer, (skillet, 1))
    before = world_state()

    response = client_for(customer).post(VOUCHER, {"code": "gone"}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, code)
    assert cart_voucher(customer) is None
    assert world_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{}, {"code": ""}, {"code": 5}, {"code": "x" * 51}, {"code": ["A"]}, None],
    ids=["missing", "blank", "number", "too-long", "list", "malformed-json"],
)
def test_malformed_voucher_requests_are_400(client_for, customer, skillet, body):
    fill_cart(customer, (skillet, 1))
    if body is None:
        response = client_for(customer).post(VOUCHER, "{not json", content_type="application/json")
    else:
        response = client_for(customer).post(VOUCHER, body, format="json")
    assert response.status_code == 400
    assert cart_voucher(customer) is None


@pytest.mark.django_db
def test_an_empty_cart_takes_no_voucher(client_for, customer):
    VoucherFactory(code="KARIBU10")
    response = client_for(customer).post(VOUCHER, {"code": "KARIBU10"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "cart_empty")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_voucher_role_matrix(client_as, user_as, role, skillet):
    VoucherFactory(code="KARIBU10")
    user = user_as(role)
    if user is not None:
        fill_cart(user, (skillet, 1))

    applied = client_as(role).post(VOUCHER, {"code": "KARIBU10"}, format="json")
    removed = client_as(role).delete(VOUCHER)

    expected = {"anonymous": 401, "customer": 200, "other_customer": 200, "manager": 403, "admin": 200}
    assert applied.status_code == expected[role]
    assert removed.status_code == {200: 204}.get(expected[role], expected[role])


@pytest.mark.django_db
def test_guessing_codes_is_throttled_per_user_and_per_ip(client_for, customer, other_customer, skillet, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "voucher_user": "3/minute",
            "voucher_ip": "5/minute",
        },
    }
    VoucherFactory(code="REAL")
    fill_cart(customer, (skillet, 1))
    fill_cart(other_customer, (skillet, 1))

    def guess(user, code: str) -> int:
        return client_for(user).post(VOUCHER, {"code": code}, format="json").status_code

    guesses = [guess(customer, f"GUESS{n}") for n in range(4)]
    others = [guess(other_customer, f"TRY{n}") for n in range(3)]

    assert guesses == [400, 400, 400, 429]
    # The other account has its own 3 per minute, but the IP's 5 are spent after its second try.
    assert others == [400, 429, 429]
    assert cart_voucher(customer) is None and cart_voucher(other_customer) is None


def checkout_as(user):
    def call():
        client = APIClient()
        client.force_authenticate(user)
        response = client.post("/api/checkout/", {}, format="json")
        return response.status_code, response.json().get("code")

    return call


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_fifty_customers_racing_for_a_voucher_limited_to_ten_get_exactly_ten_orders_with_it():
    # Each buyer buys a product of their own: no product lock orders the checkouts, only the voucher's.
    products = [ProductFactory(price=D("100.00"), stock=1) for _ in range(50)]
    voucher = VoucherFactory(code="TEN4TEN", usage_limit=10)
    buyers = [UserFactory() for _ in range(50)]
    for buyer, product in zip(buyers, products, strict=True):
        fill_cart(buyer, (product, 1))
    Cart.objects.filter(user__in=buyers).update(voucher=voucher)

    results = run_concurrently(*[checkout_as(buyer) for buyer in buyers])

    assert sorted(status for status, _ in results) == [201] * 10 + [409] * 40
    assert {code for status, code in results if status == 409} == {"voucher_used_up"}
    assert VoucherUse.objects.filter(voucher=voucher).count() == 10
    assert Order.objects.filter(voucher_code="TEN4TEN").count() == Order.objects.count() == 10
    assert set(Order.objects.values_list("total_amount", flat=True)) == {D("90.00")}
    # The refused buyers keep their cart and voucher; only the ten orders took stock.
    assert sorted(stock_of(*products)) == [0] * 10 + [1] * 40
    assert Cart.objects.filter(user__in=buyers, voucher=voucher).count() == 40
